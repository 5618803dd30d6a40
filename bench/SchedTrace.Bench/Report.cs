using System.Globalization;
using System.Text;

namespace SchedTrace.Bench;

/// <summary>Everything one run measured.</summary>
internal sealed record BenchResults(DateTime StartedUtc, string CommandLine, BenchOptions Options, MachineInfo Machine, AttachResult Attach, IReadOnlyList<ScenarioResult> Scenarios, IReadOnlyList<SlowdownResult> Slowdowns, SnapshotResult Snapshot, ThroughputResult Throughput, StartupResult Startup);

/// <summary>Writes a run's results as markdown: machine, method, tables, and the verdict against the targets.</summary>
internal static class Report
{
    internal const double AttachTargetMs = 100;
    internal const double SlowdownTarget = 1.03;
    internal const double DecodeTarget = 1_000_000;

    internal static string Markdown(BenchResults results)
    {
        var md = new StringBuilder();
        md.AppendLine("# SchedTrace benchmark results").AppendLine();
        md.AppendLine(Inv($"Run {results.StartedUtc:yyyy-MM-dd HH:mm} UTC with `{results.CommandLine}`: {results.Options.Rounds} interleaved rounds per scenario, {results.Options.AttachRepetitions} warm attach repetitions, {results.Options.SlowdownPairs} slowdown pairs of {results.Options.SlowdownLoops} loops, {results.Options.SnapshotRepetitions} timed snapshots per case, {results.Options.EventsRepetitions} events throughput runs per variant."));
        md.AppendLine("Absolute times on this VM are noisy; compare the ratios, which come from one run.").AppendLine();

        WriteMachine(md, results.Machine);

        foreach (var scenario in results.Scenarios)
        {
            WriteScenario(md, scenario);
        }
        foreach (var slowdown in results.Slowdowns)
        {
            WriteSlowdown(md, slowdown);
        }
        WriteThroughput(md, results.Throughput);
        WriteSnapshot(md, results.Snapshot);
        WriteAttach(md, results);
        WriteStartup(md, results.Startup);
        WriteVerdict(md, results);
        return md.ToString();
    }

    /// <summary>A run with --startup-only: the machine and the start-to-tracing comparison.</summary>
    internal static string StartupMarkdown(DateTime startedUtc, string commandLine, MachineInfo machine, StartupResult startup)
    {
        var md = new StringBuilder();
        md.AppendLine("# SchedTrace start-to-tracing results").AppendLine();
        md.AppendLine(Inv($"Run {startedUtc:yyyy-MM-dd HH:mm} UTC with `{commandLine}`.")).AppendLine();
        WriteMachine(md, machine);
        WriteStartup(md, startup);
        return md.ToString();
    }

    private static void WriteMachine(StringBuilder md, MachineInfo m)
    {
        md.AppendLine("## Machine").AppendLine();
        md.AppendLine("| | |").AppendLine("| --- | --- |");
        md.AppendLine($"| CPU | {m.CpuModel}, {m.Cpus} CPUs |");
        md.AppendLine($"| kernel | {m.Kernel} |");
        md.AppendLine($"| libbpf | {m.LibBpf} |");
        md.AppendLine($"| bpftrace | {m.Bpftrace} |");
        md.AppendLine($"| perf | {m.Perf} |");
        md.AppendLine($"| .NET | {m.DotNet} |").AppendLine();
    }

    private static void WriteStartup(StringBuilder md, StartupResult startup)
    {
        md.AppendLine("## Start to tracing and peak memory: `runqlat --duration 1`").AppendLine();
        if (startup.Skipped is { } why)
        {
            md.AppendLine($"Skipped: {why}.").AppendLine();
            return;
        }
        md.AppendLine("Start to tracing: from the fork of the tool to the first moment the kernel reports its process holding its three sched hooks attached (BPF_TASK_FD_QUERY on each of its fds, polled every 200 µs). Peak memory: the process's ru_maxrss. Each tool runs on a pseudo-terminal, as from a shell; rounds interleave the tools.").AppendLine();
        md.AppendLine(Inv($"| tool | n | start to tracing, median ms (min-max) | peak RSS, median MiB (min-max) | whole run, median ms |"));
        md.AppendLine("| --- | ---: | ---: | ---: | ---: |");
        foreach (var (tool, runs) in startup.Tools)
        {
            md.AppendLine(Inv($"| {tool.Label} | {runs.Count} | {Sample.Median(runs.Select(r => r.StartToTracingMs)):0.0} ({runs.Min(r => r.StartToTracingMs):0.0}-{runs.Max(r => r.StartToTracingMs):0.0}) | {Sample.Median(runs.Select(r => r.PeakRssMiB)):0.0} ({runs.Min(r => r.PeakRssMiB):0.0}-{runs.Max(r => r.PeakRssMiB):0.0}) | {Sample.Median(runs.Select(r => r.WallMs)):0} |"));
        }
        md.AppendLine();
        var native = startup.Tools.FirstOrDefault().Runs;
        if (native is { Count: > 0 })
        {
            double ms = Sample.Median(native.Select(r => r.StartToTracingMs)), mib = Sample.Median(native.Select(r => r.PeakRssMiB));
            md.AppendLine(Inv($"- Native CLI: start to tracing {ms:0.0} ms (target at most {StartToTracing.TargetMs:0} ms: **{(ms <= StartToTracing.TargetMs ? "met" : "MISSED")}**), peak RSS {mib:0.0} MiB (target at most {StartToTracing.TargetRssMiB:0} MiB: **{(mib <= StartToTracing.TargetRssMiB ? "met" : "MISSED")}**)."));
            md.AppendLine();
        }
    }

    private static void WriteScenario(StringBuilder md, ScenarioResult result)
    {
        var s = result.Scenario;
        md.AppendLine(Inv($"## Scenario `{s.Name}`: {s.Job}")).AppendLine();
        md.AppendLine($"- workload: `{s.Workload.Description}`");
        md.AppendLine($"- bpftrace script: `{s.BpftraceScript}`, attached as {s.BpftraceProbe}" + (result.BpftraceSkipped is { } why ? $"; {why}" : ""));
        foreach (var (label, script) in s.ReferenceScripts)
        {
            md.AppendLine($"- {label}, for reference (ratios are against the script above): `{script}`");
        }
        if (s.LibbpfPeer is { } peer)
        {
            var paths = result.Modes.Where(m => m.Kind == TracerKind.LibbpfTools).Select(m => $"`{m.Path}`").ToList();
            md.AppendLine(result.LibbpfPeerSkipped is { } notRun
                ? $"- libbpf-tools: {notRun}"
                : $"- libbpf-tools: `{string.Join(' ', peer.Args.Prepend(peer.Name))}` ({string.Join(", ", paths)}), built by the user from bcc outside the repository; its programs are the ones its process holds, the hook is the one it chose");
        }
        string costColumn = s.CostUnit;
        md.AppendLine(s.CostPerSample
            ? "- ns per sample: run_time_ns / run_cnt of every program of the tracer over the workload (its perf_event program, run 99 times a second on each CPU; kernel.bpf_stats_enabled=1); median over rounds"
            : s.CostPerContextSwitch
            ? "- ns per context switch, all programs: run_time_ns of every program of the tracer over the workload and one read at its end (a CpuTime session's ReadTaskStats, as a one-shot Get-ProcessCpuTime makes; bpftrace reads its maps without a BPF program) / /proc/stat ctxt over the workload (kernel.bpf_stats_enabled=1); median over rounds. For bpftrace, whose only program is on sched_switch, this is its ns per sched_switch"
            : "- ns per sched_switch: run_time_ns / run_cnt of the tracer's sched_switch program over the workload (kernel.bpf_stats_enabled=1); median over rounds");
        md.AppendLine("- switch runs per ctxt: the sched_switch program's run_cnt / /proc/stat ctxt over the same interval (1.00 = every switch seen once; 0.00 = nothing runs on sched_switch)");
        md.AppendLine("- all programs: total run time of every program of the tracer / total runs (the other hooks fire rarely under this workload)").AppendLine();

        var bpftrace = result.Modes.FirstOrDefault(m => m.Kind == TracerKind.Bpftrace);
        double bpftraceNs = bpftrace is null ? double.NaN : result.MedianNsPerSwitch(bpftrace);
        var baseline = result.Modes.First(m => m.Kind == TracerKind.None);
        double baselineUs = result.MedianUsecsPerOp(baseline);
        var libbpf = result.LibbpfPeer;
        double libbpfNs = libbpf is null ? double.NaN : result.MedianNsPerSwitch(libbpf);
        string libbpfHeader = libbpf is null ? "" : $" vs {s.LibbpfPeer!.Label} |";
        string libbpfAlign = libbpf is null ? "" : " ---: |";

        md.AppendLine($"| tracer | hook | {costColumn} (median) | (min-max) | vs bpftrace |{libbpfHeader} switch runs per ctxt | all programs ns/run (median) | workload µs/op (median) | workload time vs no tracing | attach ms (median) |");
        md.AppendLine($"| --- | --- | ---: | ---: | ---: |{libbpfAlign} ---: | ---: | ---: | ---: | ---: |");
        foreach (var mode in result.Modes)
        {
            var rounds = result.Of(mode).ToList();
            var hook = string.Join(", ", rounds.Select(r => r.Hook).Distinct());
            double usecs = result.MedianUsecsPerOp(mode);
            string slowdown = mode.Kind == TracerKind.None ? "1.00" : Inv($"{usecs / baselineUs:0.00}");
            string attach = rounds.All(r => r.AttachTime is null) ? "-" : Inv($"{Sample.Median(rounds.Select(r => r.AttachTime!.Value.TotalMilliseconds)):0.0}");
            if (mode.Kind == TracerKind.None)
            {
                md.AppendLine(Inv($"| {mode.Label} | - | - | - | - |{(libbpf is null ? "" : " - |")} - | - | {usecs:0.000} | {slowdown} | - |"));
                continue;
            }
            var ns = rounds.Select(r => r.SwitchCost(s)).ToList();
            double median = result.MedianNsPerSwitch(mode);
            string ratio = double.IsNaN(bpftraceNs) ? "n/a" : Times(median / bpftraceNs);
            string libbpfRatio = libbpf is null ? "" : $" {Times(median / libbpfNs)} |";
            double coverage = Sample.Median(rounds.Select(r => r.ContextSwitches == 0 ? double.NaN : (double)r.Switch.RunCount / r.ContextSwitches));
            md.AppendLine(Inv($"| {mode.Label} | {hook} | {median:0.0} | {ns.Min():0.0}-{ns.Max():0.0} | {ratio} |{libbpfRatio} {coverage:0.00} | {result.MedianNsPerEvent(mode):0.0} | {usecs:0.000} | {slowdown} | {attach} |"));
        }
        md.AppendLine();

        // Every program of every tracer: what each hook costs and how often it fired.
        md.AppendLine("| tracer | program (type) | runs per round (median) | ns/run (median) | ns/run (min-max) |");
        md.AppendLine("| --- | --- | ---: | ---: | ---: |");
        foreach (var mode in result.Modes.Where(m => m.Kind != TracerKind.None))
        {
            var programs = result.Of(mode).SelectMany(r => r.PerProgram).GroupBy(p => (p.Name, p.Type));
            foreach (var program in programs)
            {
                var perRun = program.Select(p => p.Delta.NsPerRun).Where(v => !double.IsNaN(v)).ToList();
                string range = perRun.Count == 0 ? "-" : Inv($"{perRun.Min():0.0}-{perRun.Max():0.0}");
                string median = perRun.Count == 0 ? "- (never ran)" : Inv($"{Sample.Median(perRun):0.0}");
                md.AppendLine(Inv($"| {mode.Label} | {program.Key.Name} ({program.Key.Type}) | {Sample.Median(program.Select(p => (double)p.Delta.RunCount)):0} | {median} | {range} |"));
            }
        }
        md.AppendLine();

        // Streaming tracers: what reached user space, and what was lost.
        if (result.Rounds.Any(r => r.Events is not null))
        {
            md.AppendLine("| tracer | events delivered per round (median; whole tracer life) | sched_switch runs per round (median; workload only) | lost, all rounds |");
            md.AppendLine("| --- | ---: | ---: | ---: |");
            foreach (var mode in result.Modes.Where(m => m.Kind != TracerKind.None))
            {
                var rounds = result.Of(mode).Where(r => r.Events is not null).ToList();
                if (rounds.Count > 0)
                {
                    md.AppendLine(Inv($"| {mode.Label} | {Sample.Median(rounds.Select(r => (double)r.Events!.Value.Delivered)):0} | {Sample.Median(rounds.Select(r => (double)r.Switch.RunCount)):0} | {rounds.Sum(r => r.Events!.Value.Lost)} |"));
                }
            }
            md.AppendLine();
        }

        // Every round, so a reader can see the spread behind each median.
        md.AppendLine($"<details><summary>Every round ({costColumn}; workload µs/op)</summary>").AppendLine();
        md.AppendLine("| round | " + string.Join(" | ", result.Modes.Select(m => m.Label)) + " |");
        md.AppendLine("| ---: |" + string.Concat(result.Modes.Select(_ => " ---: |")));
        foreach (var round in result.Rounds.GroupBy(r => r.Round))
        {
            var cells = result.Modes.Select(mode => round.FirstOrDefault(r => r.Mode == mode) is { } r
                ? (mode.Kind == TracerKind.None ? Inv($"-; {r.Workload.MicrosecondsPerOp:0.000}") : Inv($"{r.SwitchCost(s):0.0}; {r.Workload.MicrosecondsPerOp:0.000}"))
                : "");
            md.AppendLine($"| {round.Key + 1} | " + string.Join(" | ", cells) + " |");
        }
        md.AppendLine().AppendLine("</details>").AppendLine();
    }

    private static void WriteSlowdown(StringBuilder md, SlowdownResult r)
    {
        md.AppendLine($"## Workload slowdown: {r.Session}").AppendLine();
        md.AppendLine(r.Control
            ? $"- workload: `{r.Workload}`; both runs of every pair without any session: what the method reports when there is nothing to find"
            : $"- workload: `{r.Workload}`; traced runs with a session of {r.Session}, started before and stopped after each run (perf times only its own loop); the session started and stopped 3 times untimed first");
        md.AppendLine("- every thread of the harness kept off the workload's CPU for the whole phase (the user-space side of a session competes with nothing on that CPU; the kernel side is what is measured)");
        md.AppendLine($"- {r.Pairs.Count} pairs, order alternating (none then traced, traced then none); ratio = traced µs/op / untraced µs/op within a pair");
        md.AppendLine($"- kernel.bpf_stats_enabled during this phase: {r.BpfStatsEnabled}; load average before {r.LoadBefore}, after {r.LoadAfter}").AppendLine();
        var ratios = r.Pairs.Select(p => p.Ratio).ToList();
        var baseline = r.Pairs.Select(p => p.BaselineUsPerOp).ToList();
        var traced = r.Pairs.Select(p => p.TracedUsPerOp).ToList();
        string ci = r.MedianRatioInterval is { } i ? Inv($"{i.Low:0.000}-{i.High:0.000}") : "n/a (too few pairs)";
        md.AppendLine("| measure | value |").AppendLine("| --- | ---: |");
        md.AppendLine(Inv($"| no tracing µs/op: median (min-max) | {Sample.Median(baseline):0.000} ({baseline.Min():0.000}-{baseline.Max():0.000}) |"));
        md.AppendLine(Inv($"| traced µs/op: median (min-max) | {Sample.Median(traced):0.000} ({traced.Min():0.000}-{traced.Max():0.000}) |"));
        md.AppendLine(Inv($"| **median of pair ratios** | **{r.MedianRatio:0.000}** |"));
        md.AppendLine(Inv($"| 95% interval for that median (order statistics) | {ci} |"));
        md.AppendLine(Inv($"| pair ratios min-max | {ratios.Min():0.000}-{ratios.Max():0.000} |"));
        md.AppendLine(Inv($"| ratio of medians | {r.RatioOfMedians:0.000} |"));
        md.AppendLine(Inv($"| untraced run-to-run spread (max/min) | {baseline.Max() / baseline.Min():0.00}x |")).AppendLine();
        md.AppendLine("<details><summary>Every pair (µs/op)</summary>").AppendLine();
        md.AppendLine("| pair | order | no tracing | traced | ratio |").AppendLine("| ---: | --- | ---: | ---: | ---: |");
        foreach (var p in r.Pairs)
        {
            md.AppendLine(Inv($"| {p.Pair} | {(p.TracedFirst ? "traced first" : "untraced first")} | {p.BaselineUsPerOp:0.000} | {p.TracedUsPerOp:0.000} | {p.Ratio:0.000} |"));
        }
        md.AppendLine().AppendLine("</details>").AppendLine();
    }

    private static void WriteThroughput(StringBuilder md, ThroughputResult r)
    {
        md.AppendLine("## Events: decode throughput and loss").AppendLine();
        md.AppendLine($"- workload: `{r.Workload}` (the highest switch rate this machine produces); session: Features = Events, EventTypes = Switch, tp_btf");
        md.AppendLine("- consumer: one dedicated thread; every record decoded into a SchedSwitchEvent (interned names) and counted; CPU time = CLOCK_THREAD_CPUTIME_ID of that thread (user + system) from just before the workload starts to the last drain after it ends");
        md.AppendLine($"- {r.Repetitions} runs per variant, variants rotating; medians; lost = session.LostEvents after the last drain, summed over runs").AppendLine();
        WriteThroughputTable(md, r.Runs);
        if (r.LargerBuffers.Count > 0)
        {
            md.AppendLine("Larger buffers (the default lost events):").AppendLine();
            WriteThroughputTable(md, r.LargerBuffers);
        }
        md.AppendLine("<details><summary>Every run</summary>").AppendLine();
        md.AppendLine("| variant | buffer MiB | events | switches/s | consumer CPU ms | wall ms | events per CPU-second | lost |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var run in r.Runs.Concat(r.LargerBuffers))
        {
            md.AppendLine(Inv($"| {run.Variant.Label} | {run.RingBufferBytes >> 20} | {run.Events} | {run.SwitchesPerSecond:0} | {run.ConsumerCpu.TotalMilliseconds:0.0} | {run.Wall.TotalMilliseconds:0.0} | {run.EventsPerCpuSecond:0} | {run.Lost} |"));
        }
        md.AppendLine().AppendLine("</details>").AppendLine();
    }

    private static void WriteThroughputTable(StringBuilder md, IReadOnlyList<ThroughputRun> runs)
    {
        md.AppendLine("| consumer | buffer MiB | switches/s on the machine | events per switch | events decoded per consumer CPU-second | (min-max) | events per wall second | consumer CPU / wall | bytes allocated per event | gen0 GCs per run | lost, all runs | workload µs/op |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var group in runs.GroupBy(x => (x.Variant, x.RingBufferBytes)))
        {
            var g = group.ToList();
            var perCpu = g.Select(x => x.EventsPerCpuSecond).ToList();
            md.AppendLine(Inv($"| {group.Key.Variant.Label} | {group.Key.RingBufferBytes >> 20} | {Sample.Median(g.Select(x => x.SwitchesPerSecond)):0} | {Sample.Median(g.Select(x => (double)x.Events / x.ContextSwitches)):0.00} | {Sample.Median(perCpu):0} | {perCpu.Min():0}-{perCpu.Max():0} | {Sample.Median(g.Select(x => x.EventsPerWallSecond)):0} | {100 * Sample.Median(g.Select(x => x.CpuShare)):0.0}% | {Sample.Median(g.Select(x => (double)x.AllocatedBytes / Math.Max(1, x.Events))):0} | {Sample.Median(g.Select(x => (double)x.Gen0Collections)):0} | {g.Sum(x => x.Lost)} | {Sample.Median(g.Select(x => x.WorkloadUsPerOp)):0.000} |"));
        }
        md.AppendLine();
    }

    private static void WriteSnapshot(StringBuilder md, SnapshotResult r)
    {
        md.AppendLine("## Snapshot cost (ReadTaskStats)").AppendLine();
        if (r.Skipped is { } why)
        {
            md.AppendLine($"Not measured: {why}.").AppendLine();
            return;
        }
        md.AppendLine($"- ReadTaskStats (tp_btf): one walk of the task iterator over every task (it copies each task's counters into task_stats), bpf_map_lookup_batch over task_stats (4096 per call), the managed snapshot built; median of {r.Repetitions} calls after one warm-up");
        md.AppendLine("- batch read alone: ReadTaskStatsRaw (the same batch reads, keys kept)");
        md.AppendLine($"- table entries: the hash map's max_entries (buckets: the next power of two); {r.Threads} helper threads each ran once after the session started").AppendLine();
        md.AppendLine("| live threads | table sized by | table max_entries | entries read | dropped | ReadTaskStats ms (median) | (min-max) | batch read alone ms (median) | µs per entry |");
        md.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var c in r.Cases)
        {
            md.AppendLine(Inv($"| {c.Threads} | {c.Sizing} | {c.TableEntries} | {c.Entries} | {c.Dropped} | {c.MedianMs:0.00} | {c.ReadTaskStatsMs.Min():0.00}-{c.ReadTaskStatsMs.Max():0.00} | {c.MedianBatchMs:0.00} | {1000 * c.MedianMs / Math.Max(1, c.Entries):0.00} |"));
        }
        md.AppendLine();
    }

    private static void WriteAttach(StringBuilder md, BenchResults results)
    {
        var a = results.Attach;
        md.AppendLine("## Time from call to attached").AppendLine();
        md.AppendLine("| measurement | n | median ms | max ms |").AppendLine("| --- | ---: | ---: | ---: |");
        md.AppendLine(Inv($"| SchedTraceSession.Start, first call in the process (cold: JIT, libbpf, BTF) | 1 | {a.Cold.TotalMilliseconds:0.0} | {a.Cold.TotalMilliseconds:0.0} |"));
        Row(md, "SchedTraceSession.Start, warm (open + load + attach)", a.Warm);
        Row(md, "SchedTraceSession.Stop (detach and free)", a.Stop);
        foreach (var scenario in results.Scenarios)
        {
            var bpftrace = scenario.Rounds.Where(r => r.Mode.Kind == TracerKind.Bpftrace && r.Mode.Label == "bpftrace" && r.AttachTime is not null).Select(r => r.AttachTime!.Value).ToList();
            if (bpftrace.Count > 0)
            {
                Row(md, $"reference: bpftrace `{scenario.Scenario.Name}`, process spawn to attached and firing", bpftrace);
            }
            if (scenario.LibbpfPeer is { } peer)
            {
                var times = scenario.Of(peer).Where(r => r.AttachTime is not null).Select(r => r.AttachTime!.Value).ToList();
                Row(md, $"reference: {peer.Label} `{scenario.Scenario.Name}`, process spawn to attached and firing", times);
            }
        }
        md.AppendLine();
    }

    private static void Row(StringBuilder md, string label, IReadOnlyList<TimeSpan> times) =>
        md.AppendLine(Inv($"| {label} | {times.Count} | {Sample.Median(times.Select(t => t.TotalMilliseconds)):0.0} | {times.Max().TotalMilliseconds:0.0} |"));

    private static void WriteVerdict(StringBuilder md, BenchResults results)
    {
        md.AppendLine("## Verdict against the targets").AppendLine();
        foreach (var scenario in results.Scenarios)
        {
            // The primary tracer is the first one listed: the session users get by default.
            var s = scenario.Scenario;
            var ours = scenario.Modes.First(m => m.Kind == TracerKind.SchedTrace);
            var bpftrace = scenario.Modes.FirstOrDefault(m => m.Kind == TracerKind.Bpftrace);
            var libbpf = scenario.LibbpfPeer;
            var reference = s.TargetAgainstLibbpfPeer ? libbpf : bpftrace;
            string referenceName = s.TargetAgainstLibbpfPeer ? s.LibbpfPeer!.Label : "bpftrace";
            double oursNs = scenario.MedianNsPerSwitch(ours);
            if (reference is null)
            {
                md.AppendLine($"- `{s.Name}` ns/event vs {referenceName}: not measured ({(s.TargetAgainstLibbpfPeer ? scenario.LibbpfPeerSkipped : scenario.BpftraceSkipped)}).");
            }
            else
            {
                double referenceNs = scenario.MedianNsPerSwitch(reference);
                double ratio = oursNs / referenceNs;
                string verdict = s.NsRatioTarget is double target
                    ? Inv($"(target at most {target:0.0}x; {s.TargetSource}): **{(ratio <= target ? "met" : "MISSED")}**")
                    : $"({s.TargetSource})";
                md.AppendLine(Inv($"- `{s.Name}` in-kernel cost: {ours.Label} {oursNs:0.0} {s.CostUnit} vs {referenceName} {referenceNs:0.0} = **{Times(ratio)}** {verdict}."));
            }
            // The other peer measured in the same rounds, for scale.
            var other = s.TargetAgainstLibbpfPeer ? bpftrace : libbpf;
            if (other is not null)
            {
                double otherNs = scenario.MedianNsPerSwitch(other);
                md.AppendLine(Inv($"- `{s.Name}` for reference: {ours.Label} vs {other.Label} {otherNs:0.0} {s.CostUnit} = {Times(oursNs / otherNs)}."));
            }
            if (bpftrace is not null && s.WakeupRatioTarget is double wakeupTarget)
            {
                double wakeupRatio = scenario.MedianNsPerWakeup(ours) / scenario.MedianNsPerWakeup(bpftrace);
                md.AppendLine(Inv($"- `{s.Name}` in-kernel cost: {ours.Label} {scenario.MedianNsPerWakeup(ours):0.0} ns per sched_wakeup vs bpftrace {scenario.MedianNsPerWakeup(bpftrace):0.0} = **{Times(wakeupRatio)}** (target at most {wakeupTarget:0.0}x): **{(wakeupRatio <= wakeupTarget ? "met" : "MISSED")}**."));
            }
        }
        foreach (var sd in results.Slowdowns)
        {
            string interval = sd.MedianRatioInterval is { } i ? Inv($"; 95% interval {i.Low:0.000}-{i.High:0.000}") : "";
            if (sd.Control)
            {
                md.AppendLine(Inv($"- Workload slowdown, {sd.Session}: median pair ratio **{sd.MedianRatio:0.000}** ({100 * (sd.MedianRatio - 1):+0.0;-0.0}%{interval}): no target; a session's figure within this spread of 1.000 is noise."));
                continue;
            }
            if (!sd.HasTarget)
            {
                md.AppendLine(Inv($"- Workload slowdown ({sd.Session}, pinned ping-pong): median pair ratio **{sd.MedianRatio:0.000}** ({100 * (sd.MedianRatio - 1):+0.0;-0.0}%{interval}): no target (the +3% target is CpuTime's); for scale."));
                continue;
            }
            string slowdownVerdict = sd.MedianRatio > SlowdownTarget ? "MISSED"
                : sd.MedianRatioInterval is { } ci && ci.High > SlowdownTarget ? "met by the median, but the interval reaches past the target"
                : "met";
            md.AppendLine(Inv($"- Workload slowdown ({sd.Session}, pinned ping-pong): median pair ratio **{sd.MedianRatio:0.000}** ({100 * (sd.MedianRatio - 1):+0.0;-0.0}%{interval}; target at most +3%): **{slowdownVerdict}**."));
        }
        foreach (var group in results.Throughput.Runs.GroupBy(x => x.Variant))
        {
            double perCpu = Sample.Median(group.Select(x => x.EventsPerCpuSecond));
            long lost = group.Sum(x => x.Lost);
            md.AppendLine(Inv($"- Events, {group.Key.Label}: **{perCpu / 1e6:0.00}M events decoded per consumer CPU-second** (target at least 1M on one core: **{(perCpu >= DecodeTarget ? "met" : "MISSED")}**); lost with the default buffer at {Sample.Median(group.Select(x => x.SwitchesPerSecond)):0} switches/s: **{lost}** (target 0: **{(lost == 0 ? "met" : "MISSED")}**)."));
        }
        if (results.Snapshot.Cases.Count > 0)
        {
            var many = results.Snapshot.Cases.First(c => c.Threads != "few (no helper)");
            md.AppendLine(Inv($"- Snapshot with {results.Snapshot.Threads} more live threads ({many.Entries} entries, table of {many.TableEntries}): {many.MedianMs:0.00} ms median."));
        }
        var a = results.Attach;
        double warmMax = a.Warm.Max().TotalMilliseconds;
        bool attachMet = a.Cold.TotalMilliseconds < AttachTargetMs && warmMax < AttachTargetMs;
        md.AppendLine(Inv($"- Time from call to attached: cold {a.Cold.TotalMilliseconds:0.0} ms, warm median {Sample.Median(a.Warm.Select(t => t.TotalMilliseconds)):0.0} ms, warm max {warmMax:0.0} ms (target under {AttachTargetMs:0} ms): **{(attachMet ? "met" : "MISSED")}**."));
        md.AppendLine();
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>A ratio such as "0.44x"; one far below 0.01 keeps its first significant digits instead of reading 0.00x.</summary>
    private static string Times(double ratio) => ratio.ToString(ratio < 0.01 ? "0.0000" : "0.00", CultureInfo.InvariantCulture) + "x";
}

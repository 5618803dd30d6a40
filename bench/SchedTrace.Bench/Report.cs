using System.Globalization;
using System.Text;

namespace SchedTrace.Bench;

/// <summary>Everything one run measured.</summary>
internal sealed record BenchResults(DateTime StartedUtc, string CommandLine, BenchOptions Options, MachineInfo Machine, AttachResult Attach, IReadOnlyList<ScenarioResult> Scenarios);

/// <summary>Writes a run's results as markdown: machine, method, tables, and the verdict against the targets.</summary>
internal static class Report
{
    internal const double AttachTargetMs = 100;

    internal static string Markdown(BenchResults results)
    {
        var md = new StringBuilder();
        md.AppendLine("# SchedTrace benchmark results").AppendLine();
        md.AppendLine(Inv($"Run {results.StartedUtc:yyyy-MM-dd HH:mm} UTC with `{results.CommandLine}`: {results.Options.Rounds} interleaved rounds per scenario, {results.Options.AttachRepetitions} warm attach repetitions."));
        md.AppendLine("Absolute times on this VM are noisy; compare the ratios, which come from one run.").AppendLine();

        md.AppendLine("## Machine").AppendLine();
        md.AppendLine("| | |").AppendLine("| --- | --- |");
        var m = results.Machine;
        md.AppendLine($"| CPU | {m.CpuModel}, {m.Cpus} CPUs |");
        md.AppendLine($"| kernel | {m.Kernel} |");
        md.AppendLine($"| libbpf | {m.LibBpf} |");
        md.AppendLine($"| bpftrace | {m.Bpftrace} |");
        md.AppendLine($"| perf | {m.Perf} |");
        md.AppendLine($"| .NET | {m.DotNet} |").AppendLine();

        foreach (var scenario in results.Scenarios)
        {
            WriteScenario(md, scenario);
        }
        WriteAttach(md, results);
        WriteVerdict(md, results);
        return md.ToString();
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
        md.AppendLine("- ns per sched_switch: run_time_ns / run_cnt of the tracer's sched_switch program over the workload (kernel.bpf_stats_enabled=1); median over rounds");
        md.AppendLine("- switch runs per ctxt: the sched_switch program's run_cnt / /proc/stat ctxt over the same interval (1.00 = every switch seen once)");
        md.AppendLine("- all programs: total run time of every program of the tracer / total runs (the other hooks fire rarely under this workload)").AppendLine();

        var bpftrace = result.Modes.FirstOrDefault(m => m.Kind == TracerKind.Bpftrace);
        double bpftraceNs = bpftrace is null ? double.NaN : result.MedianNsPerSwitch(bpftrace);
        var baseline = result.Modes.First(m => m.Kind == TracerKind.None);
        double baselineUs = result.MedianUsecsPerOp(baseline);

        md.AppendLine("| tracer | hook | ns per sched_switch (median) | (min-max) | vs bpftrace | switch runs per ctxt | all programs ns/run (median) | workload µs/op (median) | workload time vs no tracing | attach ms (median) |");
        md.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var mode in result.Modes)
        {
            var rounds = result.Of(mode).ToList();
            var hook = string.Join(", ", rounds.Select(r => r.Hook).Distinct());
            double usecs = result.MedianUsecsPerOp(mode);
            string slowdown = mode.Kind == TracerKind.None ? "1.00" : Inv($"{usecs / baselineUs:0.00}");
            string attach = rounds.All(r => r.AttachTime is null) ? "-" : Inv($"{Sample.Median(rounds.Select(r => r.AttachTime!.Value.TotalMilliseconds)):0.0}");
            if (mode.Kind == TracerKind.None)
            {
                md.AppendLine(Inv($"| {mode.Label} | - | - | - | - | - | - | {usecs:0.000} | {slowdown} | - |"));
                continue;
            }
            var ns = rounds.Select(r => r.Switch.NsPerRun).ToList();
            double median = result.MedianNsPerSwitch(mode);
            string ratio = double.IsNaN(bpftraceNs) ? "n/a" : Inv($"{median / bpftraceNs:0.00}x");
            double coverage = Sample.Median(rounds.Select(r => r.ContextSwitches == 0 ? double.NaN : (double)r.Switch.RunCount / r.ContextSwitches));
            md.AppendLine(Inv($"| {mode.Label} | {hook} | {median:0.0} | {ns.Min():0.0}-{ns.Max():0.0} | {ratio} | {coverage:0.00} | {result.MedianNsPerEvent(mode):0.0} | {usecs:0.000} | {slowdown} | {attach} |"));
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

        // Every round, so a reader can see the spread behind each median.
        md.AppendLine("<details><summary>Every round (ns per sched_switch; workload µs/op)</summary>").AppendLine();
        md.AppendLine("| round | " + string.Join(" | ", result.Modes.Select(m => m.Label)) + " |");
        md.AppendLine("| ---: |" + string.Concat(result.Modes.Select(_ => " ---: |")));
        foreach (var round in result.Rounds.GroupBy(r => r.Round))
        {
            var cells = result.Modes.Select(mode => round.FirstOrDefault(r => r.Mode == mode) is { } r
                ? (mode.Kind == TracerKind.None ? Inv($"-; {r.Workload.MicrosecondsPerOp:0.000}") : Inv($"{r.Switch.NsPerRun:0.0}; {r.Workload.MicrosecondsPerOp:0.000}"))
                : "");
            md.AppendLine($"| {round.Key + 1} | " + string.Join(" | ", cells) + " |");
        }
        md.AppendLine().AppendLine("</details>").AppendLine();
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
            var ours = scenario.Modes.First(m => m.Kind == TracerKind.SchedTrace);
            var bpftrace = scenario.Modes.FirstOrDefault(m => m.Kind == TracerKind.Bpftrace);
            if (bpftrace is null)
            {
                md.AppendLine($"- `{scenario.Scenario.Name}` ns/event vs bpftrace: not measured ({scenario.BpftraceSkipped}).");
                continue;
            }
            double ratio = scenario.MedianNsPerSwitch(ours) / scenario.MedianNsPerSwitch(bpftrace);
            double target = scenario.Scenario.NsRatioTarget;
            md.AppendLine(Inv($"- `{scenario.Scenario.Name}` in-kernel cost: {ours.Label} {scenario.MedianNsPerSwitch(ours):0.0} ns per sched_switch vs bpftrace {scenario.MedianNsPerSwitch(bpftrace):0.0} = **{ratio:0.00}x** (target at most {target:0.0}x; {scenario.Scenario.TargetSource}): **{(ratio <= target ? "met" : "MISSED")}**."));
        }
        var a = results.Attach;
        double warmMax = a.Warm.Max().TotalMilliseconds;
        bool attachMet = a.Cold.TotalMilliseconds < AttachTargetMs && warmMax < AttachTargetMs;
        md.AppendLine(Inv($"- Time from call to attached: cold {a.Cold.TotalMilliseconds:0.0} ms, warm median {Sample.Median(a.Warm.Select(t => t.TotalMilliseconds)):0.0} ms, warm max {warmMax:0.0} ms (target under {AttachTargetMs:0} ms): **{(attachMet ? "met" : "MISSED")}**."));
        md.AppendLine();
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

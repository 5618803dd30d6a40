using System.Runtime.InteropServices;
using SchedTrace.Bench;

// The benchmark harness: `sudo bench/run.sh` builds Release and runs this. Order matters:
// attach latency first (its cold call must be the first SchedTrace call in the process), then
// the in-kernel cost scenarios with kernel.bpf_stats_enabled=1, then the report.

using var cancel = new CancellationTokenSource();

// SIGINT/SIGTERM: stop the current step, unwind through the finally below (which stops
// bpftrace and the workload, restores the sysctl, unmounts tracefs if we mounted it).
void OnSignal(PosixSignalContext context)
{
    context.Cancel = true;
    Console.Error.WriteLine($"{context.Signal}: stopping and cleaning up...");
    cancel.Cancel();
}
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
AppDomain.CurrentDomain.ProcessExit += (_, _) => Cleanup.RunAll();

try
{
    var options = BenchOptions.Parse(args);
    if (SchedTrace.Interop.Libc.geteuid() != 0)
    {
        Console.Error.WriteLine("The benchmarks load BPF programs and set kernel.bpf_stats_enabled: run as root (sudo bench/run.sh).");
        return 1;
    }
    var tools = Tools.Find(options);
    var started = DateTime.UtcNow;
    void Progress(string line) => Console.Error.WriteLine(line);

    if (options.Soak)
    {
        // Its own run: ten minutes of one load, which the other measurements must not share.
        var soak = Soak.Run(options, tools, Progress, cancel.Token);
        var soakMarkdown = SoakReport.Markdown(soak, string.Join(' ', options.MeasurementArgs.Prepend("sudo bench/run.sh")), MachineInfo.Collect(tools));
        if (options.OutputPath is { } soakPath)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(soakPath))!);
            File.WriteAllText(soakPath, soakMarkdown);
            Progress($"results written to {soakPath}");
        }
        Console.Write(soakMarkdown);
        return 0;
    }

    Progress($"attach latency: 1 cold + {options.AttachRepetitions} warm SchedTraceSession.Start calls");
    var attach = AttachLatency.Measure(options.AttachRepetitions, cancel.Token);

    Progress($"start to tracing: {options.Rounds} interleaved rounds of runqlat --duration 1 per tool");
    var startup = StartToTracing.Measure(options, tools, Progress, cancel.Token);
    if (options.StartupOnly)
    {
        var startupCommand = string.Join(' ', options.MeasurementArgs.Prepend("sudo bench/run.sh"));
        var startupMarkdown = Report.StartupMarkdown(started, startupCommand, MachineInfo.Collect(tools), startup);
        if (options.OutputPath is { } startupPath)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(startupPath))!);
            File.WriteAllText(startupPath, startupMarkdown);
            Progress($"results written to {startupPath}");
        }
        Console.Write(startupMarkdown);
        return 0;
    }

    // Slowdown before bpf_stats is switched on: per-run accounting adds to every program run,
    // and users do not run with it. (If something else on the machine has it on, the report says so.)
    var slowdownWorkload = new PerfPipeWorkload(tools.Perf, tools.Taskset, options.WorkloadCpu, options.SlowdownLoops);
    var slowdowns = new List<SlowdownResult>();
    using var harnessOff = Slowdown.KeepHarnessOff(options.WorkloadCpu);
    foreach (var (label, session) in new (string, global::SchedTrace.SchedTraceSessionOptions?)[]
             {
                 ("control: no session on either side (A/A, the method's own noise)", null),
                 ("switch-count session (tp_btf; the floor: a per-CPU counter)", Slowdown.SwitchCountSession),
                 ("CpuTime session (tp_btf)", Slowdown.CpuTimeSession),
                 ("Events session (Switch, tp_btf, consumed by SchedEventWatch.Watch)", Slowdown.EventsSession),
             })
    {
        Progress($"slowdown: {options.SlowdownPairs} pairs of (no tracing, {label}), order alternating");
        slowdowns.Add(Slowdown.Measure(slowdownWorkload, options.SlowdownPairs, label, session, Progress, cancel.Token));
    }
    harnessOff.Dispose();

    Progress($"events throughput: {options.EventsRepetitions} runs per consumer variant under {slowdownWorkload.Description}");
    var throughput = EventsThroughput.Measure(slowdownWorkload, options.WorkloadCpu, options.EventsRepetitions, Progress, cancel.Token);

    Progress($"snapshot: ReadTaskStats with few and with {options.SnapshotThreads} more live threads");
    var snapshot = Snapshot.Measure(options.SnapshotThreads, options.SnapshotRepetitions, tools.Gcc, Progress, cancel.Token);

    if (tools.Bpftrace is null)
    {
        Progress(options.SkipBpftrace ? "bpftrace: skipped (--no-bpftrace)" : "bpftrace: not installed, skipped; measuring SchedTrace only");
    }
    var scenarios = new List<ScenarioResult>();
    using (BpfStats.Enable())
    {
        var all = Scenario.All(options, tools);
        var unknown = options.Scenarios.Except(all.Select(s => s.Name)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"Unknown scenario {string.Join(", ", unknown)}; the scenarios are {string.Join(", ", all.Select(s => s.Name))}.");
        }
        foreach (var scenario in all.Where(s => options.Scenarios.Count == 0 || options.Scenarios.Contains(s.Name)))
        {
            Progress($"scenario {scenario.Name}: {scenario.Job}");
            scenarios.Add(InKernelCost.Measure(scenario, options, tools, Progress, cancel.Token));
        }
    }

    var commandLine = string.Join(' ', options.MeasurementArgs.Prepend("sudo bench/run.sh"));
    var results = new BenchResults(started, commandLine, options, MachineInfo.Collect(tools), attach, scenarios, slowdowns, snapshot, throughput, startup);
    var markdown = Report.Markdown(results);
    if (options.OutputPath is { } path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, markdown);
        Progress($"results written to {path}");
    }
    Console.Write(markdown);
    return 0;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("cancelled; nothing written");
    return 130;
}
catch (Exception) when (cancel.IsCancellationRequested)
{
    // Ctrl+C reaches bpftrace and perf too (same process group): their failure is the cancel.
    Console.Error.WriteLine("cancelled; nothing written");
    return 130;
}
catch (Exception e) when (e is ArgumentException or InvalidOperationException or TimeoutException or SchedTrace.SchedTraceException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
catch (Exception e)
{
    // Caught rather than left unhandled, so that the finally below still cleans up.
    Console.Error.WriteLine($"unexpected error: {e}");
    return 1;
}
finally
{
    // Every exit path: children stopped, sysctl restored, tracefs unmounted if we mounted it.
    Cleanup.RunAll();
}

namespace SchedTrace.Bench;

/// <summary>A tracer (or none) as one column of the interleaved rounds; Path: a libbpf-tools program's file.</summary>
internal sealed record TracerMode(string Label, TracerKind Kind, string? Path = null);

internal enum TracerKind
{
    None,
    SchedTrace,
    Bpftrace,
    LibbpfTools,
}

/// <summary>One workload run under one mode; Hook is what the tracer actually attached with.</summary>
internal sealed record RoundResult(TracerMode Mode, int Round, string Hook, StatsDelta Programs, long ContextSwitches, WorkloadRun Workload, TimeSpan? AttachTime)
{
    /// <summary>"name (type)" of each program measured, to show exactly whose programs were read.</summary>
    public IReadOnlyList<string> ProgramNames { get; init; } = [];

    /// <summary>Each program's own runs and run time over the workload.</summary>
    public IReadOnlyList<ProgramDelta> PerProgram { get; init; } = [];

    /// <summary>Streaming tracers: events delivered to the consumer and lost, over the tracer's life.</summary>
    public EventCounts? Events { get; init; }

    /// <summary>The sched_switch program alone (every tracer has exactly one); default if none.</summary>
    internal StatsDelta Switch => PerProgram.FirstOrDefault(p => Scenario.IsSwitchProgram(p.Name))?.Delta ?? default;

    /// <summary>Every program of the tracer over the workload, per context switch (/proc/stat ctxt).</summary>
    internal double NsPerContextSwitch => ContextSwitches == 0 ? double.NaN : (double)Programs.RunTimeNs / ContextSwitches;

    /// <summary>The figure a scenario compares: see <see cref="Scenario.CostPerContextSwitch"/>.</summary>
    internal double SwitchCost(Scenario scenario) => scenario.CostPerSample ? Programs.NsPerRun : scenario.CostPerContextSwitch ? NsPerContextSwitch : Switch.NsPerRun;

    /// <summary>The sched_wakeup program alone; default if the tracer has none.</summary>
    internal StatsDelta Wakeup => PerProgram.FirstOrDefault(p => Scenario.IsWakeupProgram(p.Name))?.Delta ?? default;
}

/// <summary>Every round of one scenario, plus why bpftrace is absent if it is.</summary>
internal sealed record ScenarioResult(Scenario Scenario, IReadOnlyList<TracerMode> Modes, IReadOnlyList<RoundResult> Rounds, string? BpftraceSkipped)
{
    /// <summary>Why the scenario's libbpf-tools peer is absent, if it has one and it is.</summary>
    public string? LibbpfPeerSkipped { get; init; }

    /// <summary>The libbpf-tools peer from the first directory that holds it; null if not measured.</summary>
    internal TracerMode? LibbpfPeer => Modes.FirstOrDefault(m => m.Kind == TracerKind.LibbpfTools);

    internal IEnumerable<RoundResult> Of(TracerMode mode) => Rounds.Where(r => r.Mode == mode);

    /// <summary>All of the tracer's programs: total run time over total runs.</summary>
    internal double MedianNsPerEvent(TracerMode mode) => Sample.Median(Of(mode).Select(r => r.Programs.NsPerRun));

    /// <summary>The sched_switch program only: the cost of one context switch to the tracer.</summary>
    internal double MedianNsPerSwitch(TracerMode mode) => Sample.Median(Of(mode).Select(r => r.SwitchCost(Scenario)));

    /// <summary>The sched_wakeup program only.</summary>
    internal double MedianNsPerWakeup(TracerMode mode) => Sample.Median(Of(mode).Select(r => r.Wakeup.NsPerRun));

    internal double MedianUsecsPerOp(TracerMode mode) => Sample.Median(Of(mode).Select(r => r.Workload.MicrosecondsPerOp));
}

/// <summary>
/// In-kernel cost per event: with kernel.bpf_stats_enabled=1 the kernel times every run of every
/// program; run_time_ns / run_cnt over the workload is the cost of one event. Every round runs
/// the workload once per mode (no tracing, each of our tracers, bpftrace, libbpf-tools), rotating the order
/// each round so no mode always follows another; medians over rounds absorb the VM's noise.
/// </summary>
internal static class InKernelCost
{
    private static readonly TimeSpan BpftraceAttachTimeout = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan LibbpfToolAttachTimeout = TimeSpan.FromSeconds(30);

    internal static ScenarioResult Measure(Scenario scenario, BenchOptions options, Tools tools, Action<string> progress, CancellationToken cancel)
    {
        var modes = new List<TracerMode> { new("no tracing", TracerKind.None) };
        modes.AddRange(scenario.Ours.Select(o => new TracerMode(o.Label, TracerKind.SchedTrace)));
        string? skipped = tools.Bpftrace is null
            ? (options.SkipBpftrace ? "bpftrace not run: --no-bpftrace was given" : "bpftrace not run: it is not installed")
            : null;
        using var tracefs = tools.Bpftrace is null ? null : Tracefs.EnsureMounted();
        if (tools.Bpftrace is not null)
        {
            modes.Add(new TracerMode("bpftrace", TracerKind.Bpftrace));
            modes.AddRange(scenario.ReferenceScripts.Select(r => new TracerMode(r.Label, TracerKind.Bpftrace)));
        }
        string? libbpfSkipped = null;
        if (scenario.LibbpfPeer is { } peer)
        {
            var found = options.LibbpfToolsDirectories.Select(d => System.IO.Path.Combine(d, peer.Name)).Where(File.Exists).ToList();
            // Several directories (builds against different libbpf versions): each its own column.
            modes.AddRange(found.Select(path => new TracerMode(found.Count == 1 ? peer.Label : $"{peer.Label} (`{path}`)", TracerKind.LibbpfTools, path)));
            if (found.Count == 0)
            {
                libbpfSkipped = options.LibbpfToolsDirectories.Count == 0
                    ? $"{peer.Label} not run: no --libbpf-tools DIR was given"
                    : $"{peer.Label} not run: no {peer.Name} in {string.Join(", ", options.LibbpfToolsDirectories)}";
            }
        }

        // One untimed run first: page cache, perf's own start-up, CPU frequency settle.
        scenario.Workload.Run(cancel);

        var rounds = new List<RoundResult>();
        for (int round = 0; round < options.Rounds; round++)
        {
            for (int k = 0; k < modes.Count; k++)
            {
                var mode = modes[(k + round) % modes.Count];
                progress($"  {scenario.Name} round {round + 1}/{options.Rounds}: {mode.Label}");
                var result = RunOnce(scenario, mode, round, tools, cancel);
                rounds.Add(result);
            }
        }
        return new ScenarioResult(scenario, modes, rounds, skipped) { LibbpfPeerSkipped = libbpfSkipped };
    }

    private static RoundResult RunOnce(Scenario scenario, TracerMode mode, int round, Tools tools, CancellationToken cancel)
    {
        if (mode.Kind == TracerKind.None)
        {
            long before = ContextSwitchCounter.Read();
            var run = scenario.Workload.Run(cancel);
            return new RoundResult(mode, round, "-", default, ContextSwitchCounter.Read() - before, run, null);
        }
        // bpftrace printing per event writes to a file in tmpfs (deleted after the round), not to us.
        string? output = mode.Kind == TracerKind.Bpftrace && scenario.BpftracePrintsPerEvent
            ? Path.Combine("/dev/shm", $"schedtrace-bench-bpftrace-{Environment.ProcessId}.out")
            : null;
        using var removeOutput = output is null ? null : Cleanup.Register($"rm {output}", () => File.Delete(output));
        using ITracer tracer = mode.Kind switch
        {
            TracerKind.Bpftrace => BpftraceTracer.Start(tools.Bpftrace!, scenario.ScriptFor(mode.Label), scenario.BpftraceProbe, BpftraceAttachTimeout, cancel, output),
            TracerKind.LibbpfTools => LibbpfToolTracer.Start(mode.Path!, scenario.LibbpfPeer!, LibbpfToolAttachTimeout, cancel),
            _ => SchedTraceTracer.Start(scenario.Ours.Single(o => o.Label == mode.Label).Options),
        };
        // The tracer is attached; count only what the workload causes, not attach or detach.
        var programsBefore = tracer.ReadPrograms();
        long switchesBefore = ContextSwitchCounter.Read();
        var workload = scenario.Workload.Run(cancel);
        long switches = ContextSwitchCounter.Read() - switchesBefore;
        if (scenario.CostPerContextSwitch)
        {
            tracer.ReadOnce();
        }
        var programsAfter = tracer.ReadPrograms();
        return new RoundResult(mode, round, tracer.Hook, StatsDelta.Between(programsBefore, programsAfter), switches, workload, tracer.AttachTime)
        {
            ProgramNames = programsAfter.Select(p => $"{p.Name} ({p.Type})").ToList(),
            PerProgram = StatsDelta.PerProgram(programsBefore, programsAfter),
            Events = tracer.FinishEvents(),
        };
    }
}

/// <summary>The machine's context switches so far (/proc/stat ctxt): the oracle for "did it see every event".</summary>
internal static class ContextSwitchCounter
{
    internal static long Read()
    {
        foreach (var line in File.ReadLines("/proc/stat"))
        {
            if (line.StartsWith("ctxt ", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(5), System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException("/proc/stat has no ctxt line.");
    }
}

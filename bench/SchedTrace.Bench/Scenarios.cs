using SchedTrace.Engine;

namespace SchedTrace.Bench;

/// <summary>One of our sessions as measured: a label and the options it starts with.</summary>
internal sealed record OurTracer(string Label, SchedTraceSessionOptions Options);

/// <summary>
/// One benchmark scenario: our session(s), the bpftrace script that does the same job, and a
/// workload that produces the events. Later scenarios (per-process CPU time, ring-buffer
/// events, run-queue latency) are added to <see cref="All"/> with their own three parts.
/// The bpftrace script must not use BEGIN or END: the harness waits until each of the N probes
/// bpftrace announces ("Attaching N probes...") has a program that has fired, which END never does.
/// </summary>
internal sealed record Scenario(
    string Name,
    string Job,
    IReadOnlyList<OurTracer> Ours,
    string BpftraceScript,
    string BpftraceProbe,
    IWorkload Workload)
{
    internal static IReadOnlyList<Scenario> All(BenchOptions options, Tools tools) =>
    [
        new Scenario(
            Name: "switch-count",
            Job: "count context switches per CPU",
            Ours:
            [
                new OurTracer("SchedTrace (tp_btf)", new SchedTraceSessionOptions { Features = SchedTraceFeature.ContextSwitches, PreferredHook = HookKind.BtfTracepoint }),
                // The fallback hook, measured too: what users on kernels without tp_btf get.
                new OurTracer("SchedTrace (raw_tp fallback)", new SchedTraceSessionOptions { Features = SchedTraceFeature.ContextSwitches, PreferredHook = HookKind.RawTracepoint }),
            ],
            BpftraceScript: "tracepoint:sched:sched_switch { @[cpu] = count(); }",
            // bpftrace 0.17 rejects rawtracepoint:sched_switch ("Invalid probe type"), so the
            // classic tracepoint it is; it needs tracefs, which the harness mounts if absent.
            BpftraceProbe: "tracepoint (classic, via perf event)",
            Workload: new PerfPipeWorkload(tools.Perf, tools.Taskset, options.WorkloadCpu, options.Loops)),
    ];
}

using SchedTrace.Engine;

namespace SchedTrace.Measures;

/// <summary>Context switches per CPU, voluntary / involuntary / out of idle (bpf/measures/switches.bpf.h).</summary>
internal sealed class ContextSwitchesMeasure() : Measure(SchedTraceFeature.ContextSwitches)
{
    /// <summary>The per-CPU counters (one slot, a copy per CPU).</summary>
    internal const string CountsMap = "switch_counts";

    internal override void Request(BpfRequest request, SchedTraceSessionOptions options, int alternative) =>
        request.Attach(BpfHook.SchedSwitch);

    /// <summary>One copy of the counters per possible CPU, read in one syscall.</summary>
    internal override object? Read(SchedBpfObject bpf) => bpf.ReadPerCpu<BpfSwitchCounts>(CountsMap);

    internal override object? Empty => new BpfSwitchCounts[SchedBpfObject.PossibleCpus];

    /// <summary>One syscall, and the figure tests compare with /proc/stat around the stop.</summary>
    internal override bool ReadLast => true;
}

/// <summary>Mirror of <c>struct switch_counts</c>: one copy per CPU.</summary>
[KernelMirror("switch_counts")]
internal struct BpfSwitchCounts
{
    public ulong Voluntary;
    public ulong Involuntary;
    public ulong FromIdle;
}

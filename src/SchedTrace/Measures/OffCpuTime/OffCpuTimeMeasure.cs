using SchedTrace.Engine;

namespace SchedTrace.Measures;

/// <summary>Off-CPU time: from a thread's switch-out to its next switch-in, by why it left (bpf/measures/offcpu.bpf.h).</summary>
internal sealed class OffCpuTimeMeasure : HistogramMeasure
{
    internal const string Constants = ".rodata.offcpu";

    internal override SchedTraceFeature Feature => SchedTraceFeature.OffCpuTime;

    /// <summary>Sleeping, uninterruptible, preempted, other.</summary>
    protected override uint Kinds => 4;

    internal override void Request(BpfRequest request, SchedTraceSessionOptions options, int alternative)
    {
        request.Attach(BpfHook.SchedSwitch);
        BpfEnabledConfig.SwitchOn(request, Constants);
        RecordInto(request, options, BpfStamps.OffCpu);
    }
}

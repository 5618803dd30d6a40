using SchedTrace.Engine;

namespace SchedTrace.Measures;

/// <summary>
/// Off-CPU time: from a thread's switch-out to its next switch-in, by why it left (bpf/measures/offcpu.bpf.h):
/// four kinds, sleeping, uninterruptible, preempted and other.
/// </summary>
internal sealed class OffCpuTimeMeasure() : HistogramMeasure(SchedTraceFeature.OffCpuTime, kinds: 4)
{
    internal override void Request(BpfRequest request, SchedTraceSessionOptions options, int alternative) =>
        RequestHooksAndStamps(request, options, BpfStamps.OffCpu, BpfHook.SchedSwitch);
}

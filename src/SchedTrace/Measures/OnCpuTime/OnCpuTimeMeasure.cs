using SchedTrace.Engine;

namespace SchedTrace.Measures;

/// <summary>
/// On-CPU slices: each time a thread got a CPU, how long it ran before leaving it (switch-in to
/// the same thread's switch-out), by how the slice ended: two kinds, blocked or preempted
/// (bpf/measures/oncpu.bpf.h). bcc's cpudist, without its -O.
/// </summary>
internal sealed class OnCpuTimeMeasure() : HistogramMeasure(SchedTraceFeature.OnCpuTime, kinds: 2)
{
    // No per-thread stamps: a slice began at the last switch on the CPU it ends on.
    internal override void Request(BpfRequest request, SchedTraceSessionOptions options, int alternative) =>
        RequestHooksAndStamps(request, options, BpfStamps.None, BpfHook.SchedSwitch);
}

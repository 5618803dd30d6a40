using SchedTrace.Engine;

namespace SchedTrace.Measures;

/// <summary>
/// On-CPU slices: each time a thread got a CPU, how long it ran before leaving it (switch-in to
/// the same thread's switch-out), by how the slice ended: two kinds, blocked or preempted
/// (bpf/measures/oncpu.bpf.h). bcc's cpudist, without its -O.
/// </summary>
internal sealed class OnCpuTimeMeasure() : HistogramMeasure(SchedTraceFeature.OnCpuTime, ".rodata.oncpu", kinds: 2)
{
    // The switch-out also sets the off stamps, whose kind tells how the slice ended.
    internal override void Request(BpfRequest request, SchedTraceSessionOptions options, int alternative) =>
        RequestSwitchedOn(request, options, BpfStamps.OnCpu, BpfHook.SchedSwitch);
}

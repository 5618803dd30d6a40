using SchedTrace.Engine;

namespace SchedTrace.Measures;

/// <summary>Run-queue latency: from becoming runnable (woken, new, or preempted) to running (bpf/measures/runqlat.bpf.h).</summary>
internal sealed class RunQueueLatencyMeasure() : HistogramMeasure(SchedTraceFeature.RunQueueLatency, kinds: 1)
{
    internal override void Request(BpfRequest request, SchedTraceSessionOptions options, int alternative) =>
        RequestHooksAndStamps(request, options, BpfStamps.Runnable | BpfStamps.OffCpu, BpfHook.SchedSwitch, BpfHook.Wakeup, BpfHook.WakeupNew);
}

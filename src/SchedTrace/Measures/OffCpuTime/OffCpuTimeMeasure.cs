using System.Runtime.InteropServices;
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
        request.SetConstants(Constants, new BpfOffCpuTimeConfig { Enabled = 1 });
        RecordInto(request, options, BpfStamps.OffCpu);
    }
}

/// <summary>Mirror of <c>struct offcpu_config</c> (.rodata.offcpu).</summary>
[StructLayout(LayoutKind.Sequential)]
[KernelMirror("offcpu_config")]
internal struct BpfOffCpuTimeConfig
{
    public uint Enabled;
    public uint Pad;
}

using System.Runtime.InteropServices;
using SchedTrace.Engine;

namespace SchedTrace.Measures;

/// <summary>
/// On-CPU slices: each time a thread got a CPU, how long it ran before leaving it (switch-in to
/// the same thread's switch-out), by how the slice ended: blocked or preempted
/// (bpf/measures/oncpu.bpf.h). bcc's cpudist, without its -O.
/// </summary>
internal sealed class OnCpuTimeMeasure : HistogramMeasure
{
    internal const string Constants = ".rodata.oncpu";

    internal override SchedTraceFeature Feature => SchedTraceFeature.OnCpuTime;

    /// <summary>Blocked, preempted.</summary>
    protected override uint Kinds => 2;

    internal override void Request(BpfRequest request, SchedTraceSessionOptions options, int alternative)
    {
        request.Attach(BpfHook.SchedSwitch);
        request.SetConstants(Constants, new BpfOnCpuTimeConfig { Enabled = 1 });
        // The switch-out also sets the off stamps, whose kind tells how the slice ended.
        RecordInto(request, options, BpfStamps.OnCpu);
    }
}

/// <summary>Mirror of <c>struct oncpu_config</c> (.rodata.oncpu).</summary>
[StructLayout(LayoutKind.Sequential)]
[KernelMirror("oncpu_config")]
internal struct BpfOnCpuTimeConfig
{
    public uint Enabled;
    public uint Pad;
}

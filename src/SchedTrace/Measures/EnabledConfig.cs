using SchedTrace.Engine;

namespace SchedTrace.Measures;

/// <summary>
/// Mirror of <c>struct enabled_config</c> (bpf/lib/common.bpf.h): the constants of a measure
/// whose only constant is whether it is on, each in its own .rodata section.
/// </summary>
[KernelMirror("enabled_config")]
internal struct BpfEnabledConfig
{
    public uint Enabled;
    public uint Pad;

    /// <summary>Turns on the measure whose constants are <paramref name="section"/>.</summary>
    internal static void SwitchOn(BpfRequest request, string section) => request.SetConstants(section, new BpfEnabledConfig { Enabled = 1 });
}

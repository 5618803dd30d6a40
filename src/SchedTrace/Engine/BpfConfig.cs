using System.Runtime.InteropServices;

namespace SchedTrace.Engine;

/// <summary>
/// Mirror of <c>struct config</c> in bpf/schedtrace.bpf.c (the object's .rodata). Same order,
/// all fields 32-bit; <see cref="SchedBpfObject"/> refuses to load if the sizes differ.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct BpfConfig
{
    public uint FilterTgid;
    public uint FilterTid;
    public uint PrevStateArg;
}

/// <summary>Mirror of <c>struct switch_counts</c>: one copy per CPU.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct BpfSwitchCounts
{
    public ulong Voluntary;
    public ulong Involuntary;
    public ulong FromIdle;
}

namespace SchedTrace.Engine;

/// <summary>
/// Mirror of <c>struct config</c> in bpf/lib/common.bpf.h (the object's .rodata.config): the
/// constants every measure shares. Each measure's own constants are in its own section.
/// </summary>
[KernelMirror("config")]
internal struct BpfSessionConfig
{
    internal const string Section = ".rodata.config";

    public uint FilterTgid;
    public uint FilterTid;
    /// <summary><see cref="BpfFilterSets"/>: filters of several ids, kept in the filter_tgids / filter_tids maps.</summary>
    public uint FilterSets;
    /// <summary>Only this CPU + 1 (0: every CPU).</summary>
    public uint FilterCpu;
    public uint PrevStateArg;
    /// <summary>The session's measures, as their <see cref="SchedTraceFeature"/> bits: the shared hooks call only their handlers.</summary>
    public uint Measures;
    public ulong SessionStartNs;
}

/// <summary>Which id filters are sets in a map rather than one constant (FILTER_*_SET in bpf/lib/common.bpf.h).</summary>
[Flags]
internal enum BpfFilterSets : uint
{
    None = 0,
    Tgids = 1,
    Tids = 2,
}

/// <summary>Mirror of <c>struct session_stats</c>: one copy per CPU.</summary>
[KernelMirror("session_stats")]
internal struct BpfSessionStats
{
    public ulong TasksDropped;
    public ulong EventsLost;
    public ulong LatencyDropped;
    public ulong StampsLost;
    public ulong SwitchInsUnseen;
}

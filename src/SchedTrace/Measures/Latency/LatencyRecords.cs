using SchedTrace.Engine;

namespace SchedTrace.Measures;

/// <summary>Histogram indexes of the <c>latency</c> map: <c>enum latency_kind</c> in bpf/lib/latency.bpf.h.</summary>
internal enum LatencyKind : uint
{
    RunQueue = 0,
    OffSleeping = 1,
    OffUninterruptible = 2,
    OffPreempted = 3,
    OffOther = 4,
    ScheduleSwitched = 5,
    ScheduleNotSwitched = 6,
    ScheduleAll = 7,
    Handover = 8,
    OnBlocked = 9,
    OnPreempted = 10,
}

/// <summary>Mirror of <c>struct latency_hist</c>: one per kind per CPU, or per process and kind.</summary>
[KernelMirror("latency_hist")]
internal unsafe struct BpfLatencyHist
{
    private const int Slots = LatencyHistogram.Slots;

    public ulong Count;
    public ulong SumNs;
    public ulong MinNs;
    public ulong MaxNs;
    public fixed ulong SlotCounts[Slots];

    internal readonly ulong[] CopySlots()
    {
        var slots = new ulong[Slots];
        fixed (ulong* source = SlotCounts)
        {
            new ReadOnlySpan<ulong>(source, Slots).CopyTo(slots);
        }
        return slots;
    }

    internal readonly LatencyHistogram ToHistogram() => LatencyHistogram.FromCounters(Count, SumNs, MinNs, MaxNs, CopySlots());
}

/// <summary>Mirror of <c>struct proc_hist_key</c>.</summary>
[KernelMirror("proc_hist_key")]
internal struct BpfProcHistKey
{
    public uint Tgid;
    public uint Kind;
}

/// <summary>Mirror of <c>struct proc_hist</c>.</summary>
[KernelMirror("proc_hist")]
internal unsafe struct BpfProcHist
{
    public BpfLatencyHist Hist;
    public fixed byte Comm[16];

    public readonly string CommText()
    {
        fixed (byte* comm = Comm)
        {
            return BpfComm.Text(comm);
        }
    }
}

using System.Runtime.InteropServices;
using SchedTrace.Engine;

namespace SchedTrace.Measures;

/// <summary>Mirror of <c>struct inv_task</c> in bpf/measures/inversion.bpf.h.</summary>
[KernelMirror("inv_task")]
internal unsafe struct BpfInvTask
{
    public uint Tid;
    public uint Tgid;
    public int Prio;
    public uint Policy;
    public fixed byte Comm[16];

    public readonly string CommText()
    {
        fixed (byte* comm = Comm)
        {
            return BpfComm.Text(comm);
        }
    }

    public readonly InversionTask ToTask() => new((int)Tgid, (int)Tid, CommText(), Prio, (SchedPolicy)Policy);
}

/// <summary>Mirror of <c>struct inv_ran</c>.</summary>
[KernelMirror("inv_ran")]
internal struct BpfInvRan
{
    public BpfInvTask Task;
    public ulong RanNs;
}

/// <summary>Mirror of <c>struct inv_alert</c>.</summary>
[KernelMirror("inv_alert")]
internal struct BpfInvAlert
{
    public ulong TimestampNs;
    public uint Kind;
    public uint Cpu;
    public ulong WaitNs;
    public ulong LockAddr;
    public BpfInvTask Waiting;
    public BpfInvTask Owner;
    public uint NrRan;
    public uint Pad;
    public BpfInvRan Ran0;
    public BpfInvRan Ran1;
    public BpfInvRan Ran2;
    public BpfInvRan Ran3;

    public readonly BpfInvRan Ran(int i) => i switch { 0 => Ran0, 1 => Ran1, 2 => Ran2, _ => Ran3 };
}

/// <summary>Mirror of <c>struct inv_stats</c>: one copy per CPU.</summary>
[KernelMirror("inv_stats")]
internal struct BpfInvStats
{
    public ulong Alerts;
    public ulong Suppressed;
    public ulong Lost;
    public ulong WaitsDropped;
}

/// <summary>
/// The alert ring buffer (inv_alerts), its records turned into alerts: its own buffer, so the
/// event stream of Watch-SchedEvent never meets an alert.
/// </summary>
internal sealed unsafe class InversionStream : RecordStream<PriorityInversion>
{
    private readonly SchedClock clock;

    internal InversionStream(int mapFd, SchedClock clock) : base(mapFd, "priority-inversion ring buffer") => this.clock = clock;

    private protected override void Decode(ReadOnlySpan<byte> record, List<PriorityInversion> pending)
    {
        if (record.Length < sizeof(BpfInvAlert))
        {
            Malformed++;
            return;
        }
        var e = MemoryMarshal.Read<BpfInvAlert>(record);
        var kind = (PriorityInversionKind)e.Kind;
        var ran = new List<InversionRunner>();
        for (int i = 0; i < Math.Min(e.NrRan, 4u); i++)
        {
            var r = e.Ran(i);
            ran.Add(new InversionRunner(r.Task.ToTask(), r.RanNs));
        }
        ran.Sort((a, b) => b.RunTimeNs.CompareTo(a.RunTimeNs));
        pending.Add(new PriorityInversion(
            kind,
            e.TimestampNs,
            clock.ToUtc(e.TimestampNs),
            (int)e.Cpu,
            e.WaitNs,
            e.Waiting.ToTask(),
            kind == PriorityInversionKind.Lock ? e.Owner.ToTask() : null,
            kind == PriorityInversionKind.Lock ? e.LockAddr : null,
            ran));
    }
}

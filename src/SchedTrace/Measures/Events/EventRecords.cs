using System.Runtime.InteropServices;
using SchedTrace.Engine;

namespace SchedTrace.Measures;

/// <summary>Mirror of <c>struct switch_event</c> in bpf/measures/events.bpf.h.</summary>
[KernelMirror("switch_event")]
internal unsafe struct BpfSwitchEvent
{
    public ulong TimestampNs;
    public uint Type;
    public uint Cpu;
    public uint PrevTid;
    public uint PrevTgid;
    public int PrevPrio;
    public uint PrevState;
    public uint NextTid;
    public uint NextTgid;
    public int NextPrio;
    public uint Preempt;
    public ulong PrevRanNs;
    public fixed byte PrevComm[16];
    public fixed byte NextComm[16];
}

/// <summary>Mirror of <c>struct task_event</c>: wakeup, wakeup_new and migrate records.</summary>
[KernelMirror("task_event")]
internal unsafe struct BpfTaskEvent
{
    public ulong TimestampNs;
    public uint Type;
    public uint Cpu;
    public uint Tid;
    public uint Tgid;
    public int Prio;
    public uint TargetCpu;
    public uint OrigCpu;
    public uint Pad;
    public fixed byte Comm[16];
}

/// <summary>
/// The event ring buffer, its records turned into typed events. Names are interned: a busy
/// machine has few distinct comms, and one string each keeps decoding cheap and memory flat.
/// </summary>
internal sealed unsafe class EventStream : RecordStream<SchedEvent>
{
    private const int MaxInternedNames = 8192;

    private readonly SchedClock clock;
    private readonly Dictionary<(ulong, ulong), string> names = new();

    internal EventStream(int mapFd, SchedClock clock) : base(mapFd, "event ring buffer") => this.clock = clock;

    private protected override void Decode(ReadOnlySpan<byte> record, List<SchedEvent> pending)
    {
        // The programs attach one after another, and a stream whose first milliseconds had
        // switches but no wakeups yet (the wakeup program not attached) would mislead: a
        // session's events start when every hook is attached, when its clock was made.
        if (record.Length >= sizeof(ulong) && MemoryMarshal.Read<ulong>(record) < clock.MonotonicAtStart)
        {
            return;
        }
        if (record.Length >= sizeof(BpfSwitchEvent) && MemoryMarshal.Read<uint>(record[8..]) == (uint)SchedEventType.Switch)
        {
            var e = MemoryMarshal.Read<BpfSwitchEvent>(record);
            pending.Add(new SchedSwitchEvent(e.TimestampNs, clock.ToUtc(e.TimestampNs), (int)e.Cpu,
                (int)e.PrevTgid, (int)e.PrevTid, Name(e.PrevComm), e.PrevPrio, e.PrevState, e.Preempt != 0, e.PrevRanNs,
                (int)e.NextTgid, (int)e.NextTid, Name(e.NextComm), e.NextPrio));
            return;
        }
        if (record.Length >= sizeof(BpfTaskEvent))
        {
            var e = MemoryMarshal.Read<BpfTaskEvent>(record);
            switch ((SchedEventType)e.Type)
            {
                case SchedEventType.Wakeup or SchedEventType.WakeupNew:
                    pending.Add(new SchedWakeupEvent((SchedEventType)e.Type, e.TimestampNs, clock.ToUtc(e.TimestampNs), (int)e.Cpu, (int)e.Tgid, (int)e.Tid, Name(e.Comm), e.Prio, (int)e.TargetCpu));
                    return;
                case SchedEventType.Migrate:
                    pending.Add(new SchedMigrateEvent(e.TimestampNs, clock.ToUtc(e.TimestampNs), (int)e.Cpu, (int)e.Tgid, (int)e.Tid, Name(e.Comm), e.Prio, (int)e.OrigCpu, (int)e.TargetCpu));
                    return;
            }
        }
        Malformed++;
    }

    private string Name(byte* comm)
    {
        var key = (*(ulong*)comm, *(ulong*)(comm + 8));
        if (!names.TryGetValue(key, out var name))
        {
            if (names.Count >= MaxInternedNames)
            {
                names.Clear();
            }
            name = BpfComm.Text(comm);
            names[key] = name;
        }
        return name;
    }
}

using System.Diagnostics;
using System.Runtime.InteropServices;

namespace SchedTrace.Engine;

/// <summary>Mirror of <c>struct switch_event</c> in bpf/measures/events.bpf.h.</summary>
[StructLayout(LayoutKind.Sequential)]
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
[StructLayout(LayoutKind.Sequential)]
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

/// <summary>Kernel monotonic nanoseconds to UTC, from one pair of readings taken at session start.</summary>
internal sealed class SchedClock
{
    private readonly DateTime utcAtStart;
    private readonly ulong monotonicAtStart;

    internal SchedClock()
    {
        // CLOCK_MONOTONIC is what bpf_ktime_get_ns reads, and what Stopwatch reads on Linux.
        monotonicAtStart = MonotonicNow();
        utcAtStart = DateTime.UtcNow;
    }

    /// <summary>When the clock was made (CLOCK_MONOTONIC ns): a session makes it once every hook is attached.</summary>
    internal ulong MonotonicAtStart => monotonicAtStart;

    internal static ulong MonotonicNow() => (ulong)(Stopwatch.GetTimestamp() * (1_000_000_000.0 / Stopwatch.Frequency));

    internal DateTime ToUtc(ulong monotonicNs) =>
        utcAtStart.AddTicks(((long)monotonicNs - (long)monotonicAtStart) / 100);
}

/// <summary>
/// Turns ring-buffer records into typed events. Names are interned: a busy machine has few
/// distinct comms, and one string each keeps decoding cheap and memory flat.
/// </summary>
internal sealed unsafe class EventDecoder
{
    private const int MaxInternedNames = 8192;

    private readonly SchedClock clock;
    private readonly Dictionary<(ulong, ulong), string> names = new();

    internal EventDecoder(SchedClock clock) => this.clock = clock;

    /// <summary>Decoded events not yet taken by the reader.</summary>
    internal List<SchedEvent> Pending { get; } = new();

    /// <summary>Records whose type or size this build does not know (should stay 0).</summary>
    internal long Malformed { get; private set; }

    internal void Decode(ReadOnlySpan<byte> record)
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
            Pending.Add(new SchedSwitchEvent(e.TimestampNs, clock.ToUtc(e.TimestampNs), (int)e.Cpu,
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
                    Pending.Add(new SchedWakeupEvent((SchedEventType)e.Type, e.TimestampNs, clock.ToUtc(e.TimestampNs), (int)e.Cpu, (int)e.Tgid, (int)e.Tid, Name(e.Comm), e.Prio, (int)e.TargetCpu));
                    return;
                case SchedEventType.Migrate:
                    Pending.Add(new SchedMigrateEvent(e.TimestampNs, clock.ToUtc(e.TimestampNs), (int)e.Cpu, (int)e.Tgid, (int)e.Tid, Name(e.Comm), e.Prio, (int)e.OrigCpu, (int)e.TargetCpu));
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

/// <summary>The session's event ring buffer and the decoder its records go to.</summary>
internal sealed class EventStream : IDisposable
{
    private readonly RingBufferReader reader;

    internal EventStream(int mapFd, SchedClock clock)
    {
        Decoder = new EventDecoder(clock);
        reader = new RingBufferReader(mapFd, "event ring buffer", Decoder.Decode);
    }

    internal EventDecoder Decoder { get; }

    /// <summary>Decodes every record now in the buffer into <see cref="EventDecoder.Pending"/>.</summary>
    internal int Drain() => reader.Drain();

    public void Dispose() => reader.Dispose();
}

using System.Diagnostics;
using System.Runtime.InteropServices;

namespace SchedTrace.Engine;

/// <summary>Mirror of <c>struct switch_event</c> in bpf/schedtrace.bpf.c.</summary>
[StructLayout(LayoutKind.Sequential)]
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
            var span = new ReadOnlySpan<byte>(comm, 16);
            int end = span.IndexOf((byte)0);
            name = System.Text.Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
            names[key] = name;
        }
        return name;
    }
}

/// <summary>
/// The consumer side of the session's ring buffer. libbpf calls back synchronously from
/// <see cref="Drain"/>, on the caller's thread, so decoded events are ready when it returns.
/// </summary>
internal sealed unsafe class EventStream : IDisposable
{
    private readonly Interop.RingBufferHandle ringBuffer;
    private GCHandle self;

    internal EventStream(int mapFd, SchedClock clock)
    {
        Decoder = new EventDecoder(clock);
        self = GCHandle.Alloc(this);
        nint pointer = Interop.LibBpf.ring_buffer__new(mapFd, &OnSample, GCHandle.ToIntPtr(self), 0);
        if (pointer == 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            self.Free();
            throw new SchedTraceException(SchedTraceErrorKind.KernelCallFailed, "RingBufferOpenFailed",
                $"libbpf could not open the event ring buffer: {Interop.Libc.ErrnoMessage(errno)}.",
                "Stop the session and start a new one; check that the kernel supports BPF ring buffers (5.8+).")
            { Errno = errno };
        }
        ringBuffer = new Interop.RingBufferHandle(pointer);
    }

    internal EventDecoder Decoder { get; }

    /// <summary>Decodes every record now in the buffer into <see cref="EventDecoder.Pending"/>.</summary>
    internal int Drain()
    {
        int consumed = Interop.LibBpf.ring_buffer__consume(ringBuffer);
        if (consumed < 0)
        {
            throw new SchedTraceException(SchedTraceErrorKind.KernelCallFailed, "RingBufferReadFailed",
                $"Reading the event ring buffer failed: {Interop.Libc.ErrnoMessage(-consumed)}.",
                "Stop the session and start a new one.")
            { Errno = -consumed };
        }
        return consumed;
    }

    [UnmanagedCallersOnly]
    private static int OnSample(nint context, nint data, nuint size)
    {
        try
        {
            var stream = (EventStream)GCHandle.FromIntPtr(context).Target!;
            stream.Decoder.Decode(new ReadOnlySpan<byte>((void*)data, (int)size));
        }
        catch (Exception)
        {
            // Never let an exception cross back into libbpf; a bad record is dropped.
        }
        return 0;
    }

    public void Dispose()
    {
        ringBuffer.Dispose();
        if (self.IsAllocated)
        {
            self.Free();
        }
    }
}

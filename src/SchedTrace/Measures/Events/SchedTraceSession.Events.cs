using SchedTrace.Measures;

namespace SchedTrace;

/// <summary>Options of the Events feature.</summary>
public sealed partial record SchedTraceSessionOptions
{
    /// <summary>Events: which kinds to stream (default: switches).</summary>
    public IReadOnlyCollection<SchedEventType> EventTypes { get; init; } = new[] { SchedEventType.Switch };

    /// <summary>Events: only switches whose previous task ran at least this long.</summary>
    public TimeSpan? EventMinRuntime { get; init; }

    /// <summary>Events: only those of tasks with exactly this name (the kernel's comm, 15 characters at most).</summary>
    public string? EventName { get; init; }

    /// <summary>Events: ring buffer size in bytes; rounded up to a power of two (default 4 MiB).</summary>
    public long RingBufferBytes { get; init; } = DefaultRingBufferBytes;

    /// <summary>4 MiB: at the fastest switch rate measured here (~400k/s), 10 ms of records is under 1 MiB.</summary>
    public const long DefaultRingBufferBytes = 4L << 20;
}

/// <summary>What a session says about its Events measure.</summary>
public sealed partial class SchedTraceSession
{
    /// <summary>Events the kernel could not hand over because the ring buffer was full, summed
    /// over CPUs, as of <see cref="CountersAsOf"/>: always the sum of <see cref="LostEventsPerCpu"/>.
    /// Counting and CPU time aggregate in kernel maps and hand nothing over, so only the Events
    /// feature can add to this.</summary>
    public long LostEvents => Counters.EventsLost().Sum();

    /// <summary>Lost events by CPU (index = CPU), as of <see cref="CountersAsOf"/>; empty without the Events feature.</summary>
    public IReadOnlyList<long> LostEventsPerCpu => PerCpu(Counters.EventsLost());
}

/// <summary>The event stream, as the session hands it over.</summary>
internal static class EventReading
{
    /// <summary>
    /// Takes every event the ring buffer holds now, decoded, in the order the kernel reserved
    /// them, and reads the counters. A stopped session hands over what Stop drained from the
    /// buffer, once.
    /// </summary>
    internal static StreamTake<SchedEvent> TakeEventBatch(this SchedTraceSession session) =>
        session.Take<SchedEvent>(SchedTraceFeature.Events);

    /// <summary>The events alone (<see cref="TakeEventBatch"/>).</summary>
    internal static IReadOnlyList<SchedEvent> TakeEvents(this SchedTraceSession session) => session.TakeEventBatch().Records;

    /// <summary>Lost events by CPU as of the last take of the stream: what a reader missed.</summary>
    internal static long[] LostAtLastTake(this SchedTraceSession session) =>
        session.CountersAtLastTake(SchedTraceFeature.Events).EventsLost();

    /// <summary>Events lost by CPU in these counters; empty without the Events feature.</summary>
    internal static long[] EventsLost(this SessionCounters counters) => counters.Of(SchedTraceFeature.Events, Array.Empty<long>());
}

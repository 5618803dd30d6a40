using System.Diagnostics;
using SchedTrace.Measures;

namespace SchedTrace;

/// <summary>
/// Streams a session's events as they arrive: the one call Watch-SchedEvent and `schedtrace
/// events` make. Runs on the caller's thread. The ring buffer is drained whenever it has
/// records and otherwise every <see cref="DrainInterval"/>; BPF submits without waking us, which
/// is what keeps the cost per event low at high switch rates. A stopped session gives the events
/// its buffer still held at the stop, and the watch ends at once.
/// </summary>
public static class SchedEventWatch
{
    /// <summary>How long the reader sleeps when the buffer was empty: the most an event waits.</summary>
    public static readonly TimeSpan DrainInterval = TimeSpan.FromMilliseconds(10);

    /// <param name="count">Stop after this many events (those that pass <paramref name="filter"/>).</param>
    /// <param name="duration">Stop after this long.</param>
    /// <param name="filter">A user-space filter for what the kernel cannot filter (e.g. wildcard names).</param>
    /// <param name="cancellation">Stops the watch; the events already in the buffer are still returned.</param>
    /// <param name="report">Filled in as the watch goes: what it lost, by CPU (losses after it
    /// stopped reading, for instance once -Count was reached, are not its own).</param>
    /// <param name="progress">Called on this thread a few times a second, with the time watched
    /// (and <paramref name="duration"/> as the total).</param>
    public static IEnumerable<SchedEvent> Watch(
        SchedTraceSession session,
        int? count,
        TimeSpan? duration,
        Func<SchedEvent, bool>? filter,
        CancellationToken cancellation,
        EventWatchReport? report = null,
        Action<CollectionProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (count is <= 0)
        {
            throw new SchedTraceException(SchedTraceErrorKind.InvalidArgument, "InvalidCount", $"Count {count} is not valid.", "Give a count of 1 or more, or leave it out.");
        }
        long started = Stopwatch.GetTimestamp();
        long written = 0;
        var lostBefore = session.LostAtLastTake();
        foreach (var (batch, counters) in StreamDrain.Takes(session, session.TakeEventBatch, started, duration, cancellation, progress, restAfterRecords: false))
        {
            report?.Update(lostBefore, counters.EventsLost());
            foreach (var e in batch)
            {
                if (filter is not null && !filter(e))
                {
                    continue;
                }
                yield return e;
                if (++written == count)
                {
                    yield break;
                }
            }
        }
    }
}

/// <summary>Reports a watch's progress at most every <see cref="Sampler.ProgressTick"/>.</summary>
internal struct ProgressTicker(Action<CollectionProgress>? progress, TimeSpan? total)
{
    private TimeSpan? lastReport;

    internal void Tick(TimeSpan elapsed)
    {
        // The end of a fixed watch is always reported, so a progress bar reaches 100 %.
        bool end = total is { } limit && elapsed >= limit;
        if (progress is null || (lastReport is { } last && elapsed - last < Sampler.ProgressTick && !end))
        {
            return;
        }
        lastReport = elapsed;
        progress(new CollectionProgress(elapsed, total));
    }
}

/// <summary>What one watch of a session lost: the ring buffer's failed reservations between its
/// first and its last drain, by CPU.</summary>
public sealed class EventWatchReport
{
    /// <summary>Lost events by CPU (index = CPU).</summary>
    public IReadOnlyList<long> LostPerCpu { get; private set; } = Array.Empty<long>();

    public long Lost => LostPerCpu.Sum();

    /// <summary>"CPU 0: 12, CPU 3: 4": the CPUs that lost events.</summary>
    public string DescribeLosses() => LossReport.DescribeByCpu(LostPerCpu);

    internal void Update(IReadOnlyList<long> before, IReadOnlyList<long> now) =>
        LostPerCpu = now.Select((n, cpu) => n - (cpu < before.Count ? before[cpu] : 0)).ToArray();
}

using System.Diagnostics;

namespace SchedTrace;

/// <summary>
/// Streams a session's events as they arrive: the one call Watch-SchedEvent and `schedtrace
/// events` make. Runs on the caller's thread. The ring buffer is drained whenever it has
/// records and otherwise every <see cref="DrainInterval"/>; BPF submits without waking us, which
/// is what keeps the cost per event low at high switch rates.
/// </summary>
public static class SchedEventWatch
{
    /// <summary>How long the reader sleeps when the buffer was empty: the most an event waits.</summary>
    public static readonly TimeSpan DrainInterval = TimeSpan.FromMilliseconds(10);

    /// <param name="count">Stop after this many events (those that pass <paramref name="filter"/>).</param>
    /// <param name="duration">Stop after this long.</param>
    /// <param name="filter">A user-space filter for what the kernel cannot filter (e.g. wildcard names).</param>
    /// <param name="cancellation">Stops the watch; the events already in the buffer are still returned.</param>
    public static IEnumerable<SchedEvent> Watch(
        SchedTraceSession session,
        int? count,
        TimeSpan? duration,
        Func<SchedEvent, bool>? filter,
        CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (count is <= 0)
        {
            throw new SchedTraceException(SchedTraceErrorKind.InvalidArgument, "InvalidCount", $"Count {count} is not valid.", "Give a count of 1 or more, or leave it out.");
        }
        long started = Stopwatch.GetTimestamp();
        long written = 0;
        while (true)
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            bool last = cancellation.IsCancellationRequested || (duration is { } limit && elapsed >= limit);
            var batch = session.TakeEvents();
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
            if (last)
            {
                yield break;
            }
            if (batch.Count == 0)
            {
                var wait = duration is { } total && total - elapsed < DrainInterval ? total - elapsed : DrainInterval;
                cancellation.WaitHandle.WaitOne(wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
            }
        }
    }
}

using System.Diagnostics;

namespace SchedTrace.Measures;

/// <summary>The drain loop of a watch of a session's stream (events, inversion alerts).</summary>
internal static class StreamDrain
{
    /// <summary>
    /// Takes what the stream holds, over and over, from <paramref name="started"/> until the
    /// session stops, <paramref name="cancellation"/> fires or <paramref name="duration"/> has
    /// passed, and once more after that. Between takes it rests up to
    /// <see cref="SchedEventWatch.DrainInterval"/>: after every take, or with
    /// <paramref name="restAfterRecords"/> false only after one that found nothing (a busy
    /// stream is drained again at once).
    /// </summary>
    internal static IEnumerable<StreamTake<T>> Takes<T>(SchedTraceSession session, Func<StreamTake<T>> take, long started, TimeSpan? duration,
        CancellationToken cancellation, Action<CollectionProgress>? progress, bool restAfterRecords)
    {
        var ticker = new ProgressTicker(progress, duration);
        while (true)
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            ticker.Tick(elapsed);
            // Read before the drain: a session stopped after it still has its last records to give.
            bool last = session.State == SchedTraceState.Stopped || cancellation.IsCancellationRequested || (duration is { } limit && elapsed >= limit);
            var taken = take();
            yield return taken;
            if (last)
            {
                yield break;
            }
            if (restAfterRecords || taken.Records.Count == 0)
            {
                var wait = duration is { } total && total - elapsed < SchedEventWatch.DrainInterval ? total - elapsed : SchedEventWatch.DrainInterval;
                cancellation.WaitHandle.WaitOne(wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
            }
        }
    }
}

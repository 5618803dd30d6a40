using System.Diagnostics;
using SchedTrace.Measures;

namespace SchedTrace;

/// <summary>How a reading is taken from a session.</summary>
public enum SamplingMode
{
    /// <summary>One window: now until <see cref="SamplingPlan.Duration"/> has passed.</summary>
    Duration,
    /// <summary>One window: from the session's start until now, without waiting.</summary>
    SinceStart,
    /// <summary>Consecutive windows of <see cref="SamplingPlan.Interval"/>, <see cref="SamplingPlan.Count"/> of them (or until cancelled).</summary>
    Interval,
    /// <summary>One window: now until the caller's token is cancelled (Ctrl+C), as bcc's tools read.</summary>
    UntilStopped,
}

/// <summary>When to read. Built from -Duration / -Session / -Interval -Count, or the CLI's flags.</summary>
public sealed record SamplingPlan
{
    private SamplingPlan(SamplingMode mode, TimeSpan duration, TimeSpan interval, int? count)
    {
        Mode = mode;
        Duration = duration;
        Interval = interval;
        Count = count;
    }

    public SamplingMode Mode { get; }

    public TimeSpan Duration { get; }

    public TimeSpan Interval { get; }

    public int? Count { get; }

    public static SamplingPlan ForDuration(TimeSpan duration) =>
        new(SamplingMode.Duration, RequirePositive(duration, "Duration"), TimeSpan.Zero, 1);

    public static SamplingPlan SinceStart { get; } = new(SamplingMode.SinceStart, TimeSpan.Zero, TimeSpan.Zero, 1);

    /// <summary>One window that ends when the token given to the collection is cancelled; its Duration is infinite.</summary>
    public static SamplingPlan UntilStopped { get; } = new(SamplingMode.UntilStopped, Timeout.InfiniteTimeSpan, TimeSpan.Zero, 1);

    public static SamplingPlan ForIntervals(TimeSpan interval, int? count)
    {
        if (count is <= 0)
        {
            throw new SchedTraceException(SchedTraceErrorKind.InvalidArgument, "InvalidCount", $"Count {count} is not valid.", "Give a count of 1 or more, or leave it out to sample until stopped.");
        }
        return new(SamplingMode.Interval, TimeSpan.Zero, RequirePositive(interval, "Interval"), count);
    }

    private static TimeSpan RequirePositive(TimeSpan value, string name) =>
        value > TimeSpan.Zero
            ? value
            : throw new SchedTraceException(SchedTraceErrorKind.InvalidArgument, $"Invalid{name}", $"{name} {value} is not valid.", $"Give a {name.ToLowerInvariant()} greater than zero, in seconds (e.g. 2 or 0.5).");
}

/// <summary>
/// Progress of a collection, reported on the caller's thread. <see cref="Total"/> is null for an
/// open-ended one (until Ctrl+C): then only <see cref="Elapsed"/> means anything.
/// </summary>
public readonly record struct CollectionProgress(TimeSpan Elapsed, TimeSpan? Total)
{
    /// <summary>0 to 100; -1 when open-ended.</summary>
    public int PercentComplete => Total is not { } total ? -1 : total <= TimeSpan.Zero ? 100 : (int)Math.Clamp(100 * Elapsed.Ticks / total.Ticks, 0, 100);

    /// <summary>Time left; null when open-ended.</summary>
    public TimeSpan? Remaining => Total is not { } total ? null : total > Elapsed ? total - Elapsed : TimeSpan.Zero;
}

/// <summary>One sampling window: the snapshots at its two ends.</summary>
internal readonly record struct Window<T>(int Sample, T Before, T After);

/// <summary>
/// Turns a plan into windows of snapshots. Runs on the caller's thread (so a cmdlet can write
/// progress and output from it); every wait is cancellable, and a cancelled one-shot window
/// still yields what was collected, which is what a user pressing Ctrl+C on the CLI wants.
/// A snapshot that <c>isFinal</c> says was taken at the session's stop ends the windows: a
/// session stopped while it is sampled yields its last window, to the stop, and no more.
/// </summary>
internal static class Sampler
{
    /// <summary>How often progress is reported: often enough for a progress bar to move smoothly.</summary>
    internal static readonly TimeSpan ProgressTick = TimeSpan.FromMilliseconds(250);

    internal static IEnumerable<Window<T>> Windows<T>(
        SamplingPlan plan,
        Func<T> read,
        T sessionStart,
        CancellationToken cancellation,
        Action<CollectionProgress>? progress = null,
        Func<T, bool>? isFinal = null)
    {
        isFinal ??= _ => false;
        switch (plan.Mode)
        {
            case SamplingMode.SinceStart:
                yield return new Window<T>(0, sessionStart, read());
                break;

            // A window that ends early (or, until stopped, the only way it ends) still covers what it saw.
            case SamplingMode.Duration:
            case SamplingMode.UntilStopped:
            {
                var before = read();
                Wait(plan.Duration, cancellation, progress);
                yield return new Window<T>(0, before, read());
                break;
            }

            case SamplingMode.Interval:
            {
                var before = read();
                for (int sample = 1; plan.Count is null || sample <= plan.Count; sample++)
                {
                    if (isFinal(before) || !Wait(plan.Interval, cancellation, null))
                    {
                        yield break;
                    }
                    var after = read();
                    yield return new Window<T>(sample, before, after);
                    before = after;
                }
                break;
            }
        }
    }

    /// <summary>
    /// The windows of the readings of the measure that serves <paramref name="feature"/>: the
    /// session's start is the first window's start for a reading since the start, or for every
    /// plan when <paramref name="fromSessionStart"/>; a reading taken at the stop ends them. A
    /// stopped session is refused a plan that needs more collecting, before any waiting.
    /// </summary>
    internal static IEnumerable<Window<MeasureReading<T>>> Readings<T>(
        SamplingPlan plan,
        SchedTraceSession session,
        SchedTraceFeature feature,
        CancellationToken cancellation,
        Action<CollectionProgress>? progress = null,
        bool fromSessionStart = false)
    {
        session.RefuseSamplingIfStopped(plan);
        var start = session.StartReading<T>(feature);
        Func<MeasureReading<T>> read = () => session.Read<T>(feature);
        if (fromSessionStart && plan.Mode != SamplingMode.SinceStart)
        {
            bool first = true;
            read = () =>
            {
                if (first)
                {
                    first = false;
                    return start;
                }
                return session.Read<T>(feature);
            };
        }
        return Windows(plan, read, start, cancellation, progress, r => r.Final);
    }

    /// <summary>Waits for <paramref name="duration"/> (infinite: until cancelled); false if cancelled first.</summary>
    internal static bool Wait(TimeSpan duration, CancellationToken cancellation, Action<CollectionProgress>? progress)
    {
        bool openEnded = duration == Timeout.InfiniteTimeSpan;
        long start = Stopwatch.GetTimestamp();
        while (true)
        {
            var elapsed = Stopwatch.GetElapsedTime(start);
            progress?.Invoke(new CollectionProgress(elapsed, openEnded ? null : duration));
            var remaining = openEnded ? Timeout.InfiniteTimeSpan : duration - elapsed;
            if (!openEnded && remaining <= TimeSpan.Zero)
            {
                return true;
            }
            var step = progress is null ? remaining : (openEnded || remaining > ProgressTick ? ProgressTick : remaining);
            if (cancellation.WaitHandle.WaitOne(step))
            {
                return false;
            }
        }
    }
}

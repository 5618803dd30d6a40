using System.Diagnostics;

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

/// <summary>Progress of a fixed-duration collection, reported on the caller's thread.</summary>
public readonly record struct CollectionProgress(TimeSpan Elapsed, TimeSpan Total)
{
    public int PercentComplete => Total <= TimeSpan.Zero ? 100 : (int)Math.Clamp(100 * Elapsed.Ticks / Total.Ticks, 0, 100);

    public TimeSpan Remaining => Total > Elapsed ? Total - Elapsed : TimeSpan.Zero;
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
    private static readonly TimeSpan ProgressTick = TimeSpan.FromMilliseconds(250);

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

            case SamplingMode.Duration:
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

    /// <summary>Waits for <paramref name="duration"/>; false if cancelled first.</summary>
    internal static bool Wait(TimeSpan duration, CancellationToken cancellation, Action<CollectionProgress>? progress)
    {
        long start = Stopwatch.GetTimestamp();
        while (true)
        {
            var elapsed = Stopwatch.GetElapsedTime(start);
            progress?.Invoke(new CollectionProgress(elapsed, duration));
            var remaining = duration - elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                return true;
            }
            var step = progress is null ? remaining : (remaining < ProgressTick ? remaining : ProgressTick);
            if (cancellation.WaitHandle.WaitOne(step))
            {
                return false;
            }
        }
    }
}

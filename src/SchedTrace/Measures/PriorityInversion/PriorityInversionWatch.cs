using System.Diagnostics;
using SchedTrace.Measures;

namespace SchedTrace;

/// <summary>
/// Streams a session's priority-inversion alerts as the kernel sends them: the one call
/// Watch-PriorityInversion and `schedtrace inversions` make. Runs on the caller's thread and
/// drains the alert ring buffer every <see cref="SchedEventWatch.DrainInterval"/>. A stopped
/// session gives the alerts its buffer still held at the stop, and the watch ends at once.
/// </summary>
public static class PriorityInversionWatch
{
    /// <param name="duration">Stop after this long (null: until cancelled).</param>
    /// <param name="filter">A user-space filter (e.g. process ids or name patterns).</param>
    /// <param name="cancellation">Stops the watch; alerts already in the buffer are still returned.</param>
    /// <param name="report">Filled in as the watch goes: what the rate limit suppressed and what was
    /// lost, by CPU, during this watch.</param>
    /// <param name="progress">Called on this thread a few times a second, with the time watched
    /// (and <paramref name="duration"/> as the total).</param>
    public static IEnumerable<PriorityInversion> Watch(
        SchedTraceSession session,
        TimeSpan? duration,
        Func<PriorityInversion, bool>? filter,
        CancellationToken cancellation,
        InversionWatchReport? report = null,
        Action<CollectionProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        long started = Stopwatch.GetTimestamp();
        session.Refresh();
        var before = session.Counters;
        foreach (var (batch, counters) in StreamDrain.Takes(session, session.TakeInversionAlerts, started, duration, cancellation, progress, restAfterRecords: true))
        {
            report?.Update(before, counters);
            foreach (var alert in batch)
            {
                if (filter is not null && !filter(alert))
                {
                    continue;
                }
                report?.Seen.Add(alert);
                yield return alert;
            }
        }
    }
}

/// <summary>What one watch of priority inversions saw, suppressed and lost.</summary>
public sealed class InversionWatchReport
{
    /// <summary>The alerts the watch returned (after filters), for the summary.</summary>
    public List<PriorityInversion> Seen { get; } = new();

    /// <summary>Alerts the kernel's rate limit refused during the watch, by CPU (index = CPU).
    /// Counted before any user-space filter: they cannot be told apart.</summary>
    public IReadOnlyList<long> SuppressedPerCpu { get; private set; } = Array.Empty<long>();

    public long Suppressed => SuppressedPerCpu.Sum();

    /// <summary>Alerts that found the ring buffer full during the watch, by CPU.</summary>
    public IReadOnlyList<long> LostPerCpu { get; private set; } = Array.Empty<long>();

    public long Lost => LostPerCpu.Sum();

    /// <summary>"CPU 0: 12, CPU 1: 4": the CPUs with a non-zero count.</summary>
    public static string DescribeByCpu(IReadOnlyList<long> perCpu) => LossReport.DescribeByCpu(perCpu);

    /// <summary>One row per pair of tasks, from <see cref="Seen"/>.</summary>
    public IReadOnlyList<PriorityInversionSummary> Summary() => PriorityInversionSummary.Summarize(Seen);

    internal void Update(SessionCounters before, SessionCounters now)
    {
        SuppressedPerCpu = Delta(before.Inversions().SuppressedPerCpu, now.Inversions().SuppressedPerCpu);
        LostPerCpu = Delta(before.Inversions().LostPerCpu, now.Inversions().LostPerCpu);
    }

    private static long[] Delta(long[] before, long[] now) =>
        now.Select((n, cpu) => n - (cpu < before.Length ? before[cpu] : 0)).ToArray();
}

using System.Globalization;
using SchedTrace.Engine;
using SchedTrace.Measures;

namespace SchedTrace;

/// <summary>
/// Context switches on one CPU (or on all of them) over a window. The idle task is not a task
/// that blocks or is preempted: a switch out of it (the CPU had nothing to run and now has) is
/// counted in <see cref="Switches"/>, as /proc/stat ctxt counts it, but only in
/// <see cref="FromIdle"/>, never in <see cref="Voluntary"/> or <see cref="Involuntary"/>.
/// Switches = Voluntary + Involuntary + FromIdle.
/// </summary>
public sealed class ContextSwitchCount
{
    /// <summary>The type name that selects the view of -Total rows (no Cpu column).</summary>
    public const string TotalTypeName = "SchedTrace.ContextSwitchCount#Total";

    /// <summary>The type name that selects the view of -Interval samples (a Sample column).</summary>
    public const string IntervalTypeName = "SchedTrace.ContextSwitchCount#Interval";

    /// <summary>The type name that selects the view of -Total -Interval samples.</summary>
    public const string TotalIntervalTypeName = "SchedTrace.ContextSwitchCount#TotalInterval";

    internal ContextSwitchCount(int sample, int? cpu, long voluntary, long involuntary, long fromIdle, DateTime windowStart, DateTime windowEnd, TimeSpan duration)
    {
        Sample = sample;
        Cpu = cpu;
        Voluntary = voluntary;
        Involuntary = involuntary;
        FromIdle = fromIdle;
        WindowStart = windowStart;
        WindowEnd = windowEnd;
        Duration = duration;
    }

    /// <summary>0 for a single reading; 1, 2, ... for -Interval samples.</summary>
    public int Sample { get; }

    /// <summary>The CPU; null on the machine-wide total (-Total).</summary>
    public int? Cpu { get; }

    /// <summary>Every switch on this CPU in the window.</summary>
    public long Switches => Voluntary + Involuntary + FromIdle;

    /// <summary>The task blocked (slept, waited for I/O or a lock): the kernel's nvcsw.</summary>
    public long Voluntary { get; }

    /// <summary>The task was preempted or gave up the CPU while still runnable: the kernel's nivcsw.</summary>
    public long Involuntary { get; }

    /// <summary>Switches out of the idle task (pid 0): the CPU woke up to run a task.</summary>
    public long FromIdle { get; }

    /// <summary>Switches per second of the window.</summary>
    public double SwitchesPerSecond => Duration > TimeSpan.Zero ? Switches / Duration.TotalSeconds : 0;

    /// <summary>Start of the window (UTC).</summary>
    public DateTime WindowStart { get; }

    /// <summary><see cref="WindowStart"/> as round-trip ISO 8601 text ending in Z, which Export-Csv keeps to the tick.</summary>
    public string WindowStartUtc => TextLayout.Utc(WindowStart);

    /// <summary>End of the window (UTC).</summary>
    public DateTime WindowEnd { get; }

    /// <summary><see cref="WindowEnd"/> as round-trip ISO 8601 text ending in Z.</summary>
    public string WindowEndUtc => TextLayout.Utc(WindowEnd);

    /// <summary>Length of the window, measured on the monotonic clock.</summary>
    public TimeSpan Duration { get; }

    /// <summary>"CPU 0: 986 switches (122 voluntary, 864 involuntary, 0 from idle) in 0.319 s, 3,095.2/s".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{(Sample > 0 ? $"Sample {Sample}, " : "")}{(Cpu is int cpu ? $"CPU {cpu}" : "All CPUs")}: {Switches:N0} switches ({Voluntary:N0} voluntary, {Involuntary:N0} involuntary, {FromIdle:N0} from idle) in {Duration.TotalSeconds:F3} s, {SwitchesPerSecond:N1}/s");

    /// <summary>The view for this row's variant (see <see cref="RecordViews"/>).</summary>
    internal string? ViewTypeName() => (Cpu is null, Sample > 0) switch
    {
        (true, true) => TotalIntervalTypeName,
        (true, false) => TotalTypeName,
        (false, true) => IntervalTypeName,
        _ => null,
    };

    /// <summary>Counts over the window between two snapshots: one row per CPU, or one total row.</summary>
    internal static IReadOnlyList<ContextSwitchCount> Between(int sample, MeasureReading<BpfSwitchCounts[]> before, MeasureReading<BpfSwitchCounts[]> after, bool total)
    {
        var duration = System.Diagnostics.Stopwatch.GetElapsedTime(before.Timestamp, after.Timestamp);
        var rows = new List<ContextSwitchCount>();
        long sumVoluntary = 0, sumInvoluntary = 0, sumIdle = 0;
        var online = CpuTopology.Online();
        for (int cpu = 0; cpu < after.Figures.Length; cpu++)
        {
            var end = after.Figures[cpu];
            var start = cpu < before.Figures.Length ? before.Figures[cpu] : default;
            long voluntary = (long)(end.Voluntary - start.Voluntary);
            long involuntary = (long)(end.Involuntary - start.Involuntary);
            long fromIdle = (long)(end.FromIdle - start.FromIdle);
            sumVoluntary += voluntary;
            sumInvoluntary += involuntary;
            sumIdle += fromIdle;
            if (!total && (online.Contains(cpu) || voluntary + involuntary + fromIdle > 0))
            {
                rows.Add(new ContextSwitchCount(sample, cpu, voluntary, involuntary, fromIdle, before.Utc, after.Utc, duration));
            }
        }
        if (total)
        {
            rows.Add(new ContextSwitchCount(sample, null, sumVoluntary, sumInvoluntary, sumIdle, before.Utc, after.Utc, duration));
        }
        return rows;
    }

    /// <summary>Reads a session according to <paramref name="plan"/>: the one call both front ends make.
    /// A stopped session gives its final figures, from its start to its stop.</summary>
    public static IEnumerable<IReadOnlyList<ContextSwitchCount>> Collect(
        SchedTraceSession session,
        SamplingPlan plan,
        bool total,
        CancellationToken cancellation,
        Action<CollectionProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(plan);
        foreach (var window in Sampler.Readings<BpfSwitchCounts[]>(plan, session, SchedTraceFeature.ContextSwitches, cancellation, progress))
        {
            yield return Between(window.Sample, window.Before, window.After, total);
        }
    }
}

using System.Globalization;
using SchedTrace.Engine;
using SchedTrace.Measures;

namespace SchedTrace;

/// <summary>
/// How many tasks waited for one CPU (or for all of them) over a window, from samples taken
/// <see cref="SampleRate"/> times a second on every CPU: a task waits when it is runnable and
/// queued there but another runs. The task running is not counted, nor the idle task, nor a task
/// that blocked and is only kept queued by the scheduler (delayed dequeue). A sample is a count:
/// <see cref="Histogram"/> says how many samples found 0, 1, 2, ... tasks waiting.
/// </summary>
public sealed class RunQueueLength
{
    /// <summary>Samples a second on each CPU.</summary>
    public const int SampleRate = (int)RunQueueLengthMeasure.Hertz;

    /// <summary>The largest count the histogram tells apart: its last entry is this many or more.</summary>
    public const int HistogramLimit = BpfRunQueueCounts.Slots - 1;

    /// <summary>The type name that selects the view of -Total rows (no Cpu column).</summary>
    public const string TotalTypeName = "SchedTrace.RunQueueLength#Total";

    /// <summary>The type name that selects the view of -Interval samples (a Sample column).</summary>
    public const string IntervalTypeName = "SchedTrace.RunQueueLength#Interval";

    /// <summary>The type name that selects the view of -Total -Interval samples.</summary>
    public const string TotalIntervalTypeName = "SchedTrace.RunQueueLength#TotalInterval";

    private readonly long waitingSum;
    private readonly TextList<long> histogram;

    private RunQueueLength(int sample, int? cpu, long samples, long idle, long waitingSum, long[] slots, DateTime windowStart, DateTime windowEnd, TimeSpan duration)
    {
        Sample = sample;
        Cpu = cpu;
        Samples = samples;
        IdleSamples = idle;
        this.waitingSum = waitingSum;
        int max = Array.FindLastIndex(slots, count => count > 0);
        MaxWaiting = Math.Max(0, max);
        histogram = new TextList<long>(slots.Take(max + 1),
            (count, waiting) => string.Create(CultureInfo.InvariantCulture, $"{waiting}:{count}"));
        WindowStart = windowStart;
        WindowEnd = windowEnd;
        Duration = duration;
    }

    /// <summary>0 for a single reading; 1, 2, ... for -Interval samples.</summary>
    public int Sample { get; }

    /// <summary>The CPU; null on the machine-wide total (-Total).</summary>
    public int? Cpu { get; }

    /// <summary>Samples taken in the window (about <see cref="SampleRate"/> a second per CPU).</summary>
    public long Samples { get; }

    /// <summary>Samples that found the CPU idle: nothing was runnable there.</summary>
    public long IdleSamples { get; }

    /// <summary>The share of samples that found the CPU idle, in percent.</summary>
    public double IdlePercent => Percent(IdleSamples);

    /// <summary>The share of samples with at least one task waiting, in percent (bcc runqlen's -O occupancy).</summary>
    public double OccupancyPercent => Percent(Samples - (histogram.Count > 0 ? histogram[0] : 0));

    /// <summary>Tasks waiting, averaged over the samples (exact, even past <see cref="HistogramLimit"/>).</summary>
    public double MeanWaiting => Samples > 0 ? (double)waitingSum / Samples : 0;

    /// <summary>The most tasks a sample found waiting; <see cref="HistogramLimit"/> means that many or more.</summary>
    public int MaxWaiting { get; }

    /// <summary>
    /// Samples by the number of tasks waiting: entry i counts the samples that found i waiting (the
    /// last possible entry, <see cref="HistogramLimit"/> or more), up to <see cref="MaxWaiting"/>;
    /// empty without samples. A method, as LatencyStatistics.GetBuckets: <see cref="Histogram"/>
    /// carries the same figures as text, which Export-Csv and the CLI's --csv keep.
    /// </summary>
    public IReadOnlyList<long> GetHistogram() => histogram;

    /// <summary><see cref="GetHistogram"/> in one text cell, "waiting:samples" joined by ";" (for example "0:12;1:85;2:2").</summary>
    public string Histogram => histogram.ToString();

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

    /// <summary>"CPU 1: 2.05 waiting on average, at most 3; 100.0 % of 297 samples with one or more waiting, 0.0 % idle".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{(Sample > 0 ? $"Sample {Sample}, " : "")}{(Cpu is int cpu ? $"CPU {cpu}" : "All CPUs")}: {MeanWaiting:F2} waiting on average, at most {MaxWaiting}; {OccupancyPercent:F1} % of {Samples:N0} samples with one or more waiting, {IdlePercent:F1} % idle");

    /// <summary>The view for this row's variant (see <see cref="RecordViews"/>).</summary>
    internal string? ViewTypeName() => Cpu is null ? (Sample > 0 ? TotalIntervalTypeName : TotalTypeName) : Sample > 0 ? IntervalTypeName : null;

    private double Percent(long part) => Samples > 0 ? 100.0 * part / Samples : 0;

    /// <summary>The window between two snapshots: one row per CPU, or one total row.</summary>
    internal static IReadOnlyList<RunQueueLength> Between(int sample, MeasureReading<BpfRunQueueCounts[]> before, MeasureReading<BpfRunQueueCounts[]> after, bool total)
    {
        var duration = System.Diagnostics.Stopwatch.GetElapsedTime(before.Timestamp, after.Timestamp);
        var online = CpuTopology.Online();
        var sum = new Counts(new long[BpfRunQueueCounts.Slots]);
        var rows = new List<RunQueueLength>();
        for (int cpu = 0; cpu < after.Figures.Length; cpu++)
        {
            var counts = Counts.Between(cpu < before.Figures.Length ? before.Figures[cpu] : default, after.Figures[cpu]);
            sum = sum.Add(counts);
            if (!total && (online.Contains(cpu) || counts.Samples > 0))
            {
                rows.Add(new RunQueueLength(sample, cpu, counts.Samples, counts.Idle, counts.Waiting, counts.Slots, before.Utc, after.Utc, duration));
            }
        }
        if (total)
        {
            rows.Add(new RunQueueLength(sample, null, sum.Samples, sum.Idle, sum.Waiting, sum.Slots, before.Utc, after.Utc, duration));
        }
        return rows;
    }

    /// <summary>Reads a session according to <paramref name="plan"/>: the one call both front ends make.
    /// A stopped session gives its final figures, from its start to its stop.</summary>
    public static IEnumerable<IReadOnlyList<RunQueueLength>> Collect(
        SchedTraceSession session,
        SamplingPlan plan,
        bool total,
        CancellationToken cancellation,
        Action<CollectionProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(plan);
        foreach (var window in Sampler.Readings<BpfRunQueueCounts[]>(plan, session, SchedTraceFeature.RunQueueLength, cancellation, progress))
        {
            yield return Between(window.Sample, window.Before, window.After, total);
        }
    }

    /// <summary>One CPU's counts over a window, or their sum over CPUs.</summary>
    private readonly record struct Counts(long[] Slots, long Samples = 0, long Idle = 0, long Waiting = 0)
    {
        internal static Counts Between(BpfRunQueueCounts start, BpfRunQueueCounts end)
        {
            var first = start.CopySlots();
            var slots = end.CopySlots().Select((count, i) => (long)(count - first[i])).ToArray();
            return new Counts(slots, (long)(end.Samples - start.Samples), (long)(end.Idle - start.Idle), (long)(end.Waiting - start.Waiting));
        }

        internal Counts Add(Counts other) =>
            new(Slots.Zip(other.Slots, (a, b) => a + b).ToArray(), Samples + other.Samples, Idle + other.Idle, Waiting + other.Waiting);
    }
}

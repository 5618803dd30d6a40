using System.Globalization;
using System.Text;

namespace SchedTrace;

/// <summary>
/// The distribution of one latency measure over a window: how many events, the extremes, the
/// mean, the percentiles and the power-of-two histogram. One row per measure and reason, or per
/// process (-PerProcess) or CPU (-PerCpu) of them. Shown by default as the histogram a terminal
/// user reads (<see cref="FormatHistogram"/>); Format-Table gives the figures in columns.
/// </summary>
/// <remarks>
/// Every duration comes twice: as nanoseconds (the *Ns properties), because most of these
/// latencies are microseconds or less and a TimeSpan counts 100-ns ticks; and as a TimeSpan
/// (truncated to the tick) for arithmetic and comparison in PowerShell. The percentiles are
/// estimates from the histogram, within one slot (1/16 of a power of two, 6.25 %) of the truth.
/// </remarks>
public sealed class LatencyStatistics
{
    /// <summary>
    /// The type name that selects the per-process table view: insert it first in the output
    /// object's PSObject.TypeNames for -PerProcess rows.
    /// </summary>
    public const string PerProcessTypeName = "SchedTrace.LatencyStatistics#PerProcess";

    /// <summary>The type name that selects the per-CPU table view, for -PerCpu rows.</summary>
    public const string PerCpuTypeName = "SchedTrace.LatencyStatistics#PerCpu";

    /// <summary>
    /// The type name of -Interval samples of the whole selection: shown as the histogram too, but
    /// Format-Table gives them a Sample column.
    /// </summary>
    public const string IntervalTypeName = "SchedTrace.LatencyStatistics#Interval";

    /// <summary>The type name that selects the per-process table view of -Interval samples.</summary>
    public const string PerProcessIntervalTypeName = "SchedTrace.LatencyStatistics#PerProcessInterval";

    /// <summary>The type name that selects the per-CPU table view of -Interval samples.</summary>
    public const string PerCpuIntervalTypeName = "SchedTrace.LatencyStatistics#PerCpuInterval";

    private readonly TextList<LatencyBucket> _buckets;

    private readonly bool _minExact, _maxExact;

    private LatencyStatistics(
        LatencyHistogram histogram,
        LatencyMeasure measure,
        string reason,
        string method,
        DateTime windowStart,
        DateTime windowEnd,
        TimeSpan duration,
        int sample,
        int? processId,
        string? name,
        int? cpu)
    {
        Sample = sample;
        Measure = measure;
        Reason = reason;
        Method = method;
        ProcessId = processId;
        Name = name;
        Cpu = cpu;
        Count = Saturate(histogram.Count);
        MinNs = Saturate(histogram.MinNs);
        MaxNs = Saturate(histogram.MaxNs);
        TotalNs = Saturate(histogram.SumNs);
        // Saturated as MinNs and MaxNs are, so that min <= mean, percentiles <= max holds in a row.
        MeanNs = Saturate(histogram.MeanNs);
        bool any = histogram.SlotCounts.Any(c => c != 0);
        P50Ns = any ? Saturate(histogram.Percentile(50)) : 0;
        P90Ns = any ? Saturate(histogram.Percentile(90)) : 0;
        P99Ns = any ? Saturate(histogram.Percentile(99)) : 0;
        P999Ns = any ? Saturate(histogram.Percentile(99.9)) : 0;
        MinMaxExact = histogram.ExtremesExact;
        (_minExact, _maxExact) = (histogram.MinExact, histogram.MaxExact);
        _buckets = new TextList<LatencyBucket>(histogram.Log2Buckets(), (bucket, _) => bucket.ToCell());
        WindowStart = windowStart;
        WindowEnd = windowEnd;
        Duration = duration;
    }

    /// <summary>
    /// The statistics of <paramref name="histogram"/> (for an interval: the result of
    /// <see cref="LatencyHistogram.Since"/>), labelled.
    /// </summary>
    /// <param name="histogram">The events of the window.</param>
    /// <param name="measure">What was measured.</param>
    /// <param name="reason">The subset, e.g. "Preempted"; "" for none.</param>
    /// <param name="method">How it was measured, e.g. "tp_btf sched_switch + sched_wakeup".</param>
    /// <param name="windowStart">Start of the window, UTC.</param>
    /// <param name="windowEnd">End of the window, UTC.</param>
    /// <param name="duration">Length of the window, from a monotonic clock.</param>
    /// <param name="sample">0 for a single reading; 1, 2, ... for -Interval samples.</param>
    /// <param name="processId">The process, on per-process rows.</param>
    /// <param name="name">The process name, on per-process rows.</param>
    /// <param name="cpu">The CPU, on per-CPU rows.</param>
    public static LatencyStatistics Create(
        LatencyHistogram histogram,
        LatencyMeasure measure,
        string reason,
        string method,
        DateTime windowStart,
        DateTime windowEnd,
        TimeSpan duration,
        int sample = 0,
        int? processId = null,
        string? name = null,
        int? cpu = null)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        return new LatencyStatistics(histogram, measure, reason ?? "", method ?? "", windowStart, windowEnd, duration, sample, processId, name, cpu);
    }

    /// <summary>0 for a single reading; 1, 2, ... for -Interval samples.</summary>
    public int Sample { get; }

    /// <summary>What was measured.</summary>
    public LatencyMeasure Measure { get; }

    /// <summary>
    /// The subset of the measure: for OffCpu why the thread left ("Sleeping", "Uninterruptible",
    /// "Preempted", "Other"); for ScheduleCall "Switched", "NotSwitched" or "All"; for OnCpu how
    /// the slice ended ("Blocked", "Preempted"); "" where the measure has none.
    /// </summary>
    public string Reason { get; }

    /// <summary>How it was measured (the kernel hooks), e.g. "tp_btf sched_switch + sched_wakeup".</summary>
    public string Method { get; }

    /// <summary>The process id (tgid), on per-process rows; null otherwise.</summary>
    public int? ProcessId { get; }

    /// <summary>The process name (comm), on per-process rows; null otherwise.</summary>
    public string? Name { get; }

    /// <summary>The CPU, on per-CPU rows; null otherwise.</summary>
    public int? Cpu { get; }

    /// <summary>Events measured in the window.</summary>
    public long Count { get; }

    /// <summary>The smallest value, in nanoseconds; an estimate when <see cref="MinMaxExact"/> is false. 0 without events.</summary>
    public long MinNs { get; }

    /// <summary>The mean, in nanoseconds (exact: the kernel keeps the sum). 0 without events.</summary>
    public double MeanNs { get; }

    /// <summary>The largest value, in nanoseconds; an estimate when <see cref="MinMaxExact"/> is false. 0 without events.</summary>
    public long MaxNs { get; }

    /// <summary>The median, in nanoseconds (estimated within its histogram slot). 0 without events.</summary>
    public double P50Ns { get; }

    /// <summary>The 90th percentile, in nanoseconds. 0 without events.</summary>
    public double P90Ns { get; }

    /// <summary>The 99th percentile, in nanoseconds. 0 without events.</summary>
    public double P99Ns { get; }

    /// <summary>The 99.9th percentile, in nanoseconds. 0 without events.</summary>
    public double P999Ns { get; }

    /// <summary>The sum of all values, in nanoseconds: for OffCpu, the total time the threads spent off a CPU.</summary>
    public long TotalNs { get; }

    public TimeSpan Min => Ticks(MinNs);

    public TimeSpan Mean => Ticks(MeanNs);

    public TimeSpan Max => Ticks(MaxNs);

    public TimeSpan P50 => Ticks(P50Ns);

    public TimeSpan P90 => Ticks(P90Ns);

    public TimeSpan P99 => Ticks(P99Ns);

    public TimeSpan P999 => Ticks(P999Ns);

    public TimeSpan Total => Ticks(TotalNs);

    /// <summary>
    /// True when Min and Max are recorded values. False for an interval in which the running
    /// minimum or maximum did not change: that extreme is then the bound of the histogram slot
    /// that holds it, at most one slot width (6.25 %) away.
    /// </summary>
    public bool MinMaxExact { get; }

    /// <summary>
    /// The power-of-two histogram, from the first to the last non-empty bucket, as objects. A
    /// method rather than a property: objects nested in a row are a level that ConvertTo-Json's
    /// default depth cuts off (with a warning) once several rows are converted together, and
    /// Export-Csv can only write their type name; <see cref="Histogram"/> carries the same figures
    /// as text, and that is what both keep.
    /// </summary>
    public IReadOnlyList<LatencyBucket> GetBuckets() => _buckets;

    /// <summary>
    /// <see cref="GetBuckets"/> in one text cell, "lowerNs-upperNs:count" joined by ";" (for example
    /// "1024-2048:12;2048-4096:400"), bounds in nanoseconds with the upper one exclusive: the
    /// histogram where a column holds only text (a CSV file, the CLI's --csv). The last, open-ended
    /// bucket has 18446744073709551615 as its upper bound. "" without events.
    /// </summary>
    public string Histogram => _buckets.ToString();

    /// <summary>Start of the window (UTC).</summary>
    public DateTime WindowStart { get; }

    /// <summary><see cref="WindowStart"/> as round-trip ISO 8601 text ending in Z, which Export-Csv keeps to the tick.</summary>
    public string WindowStartUtc => TextLayout.Utc(WindowStart);

    /// <summary>End of the window (UTC).</summary>
    public DateTime WindowEnd { get; }

    /// <summary><see cref="WindowEnd"/> as round-trip ISO 8601 text ending in Z.</summary>
    public string WindowEndUtc => TextLayout.Utc(WindowEnd);

    /// <summary>Length of the window, from a monotonic clock.</summary>
    public TimeSpan Duration { get; }

    /// <summary>The view for this row's variant (see <see cref="RecordViews"/>).</summary>
    internal string? ViewTypeName() => (ProcessId is not null, Cpu is not null, Sample > 0) switch
    {
        (true, _, true) => PerProcessIntervalTypeName,
        (true, _, false) => PerProcessTypeName,
        (false, true, true) => PerCpuIntervalTypeName,
        (false, true, false) => PerCpuTypeName,
        (false, false, true) => IntervalTypeName,
        _ => null,
    };

    private static long Saturate(ulong value) => value > long.MaxValue ? long.MaxValue : (long)value;

    private static double Saturate(double ns) => Math.Min(ns, long.MaxValue);

    private static TimeSpan Ticks(double ns) => TimeSpan.FromTicks((long)(ns / 100));

    /// <summary>
    /// A duration in nanoseconds as a reader wants it: "850 ns", "35.0 µs", "4.1 ms", "2.5 s".
    /// Whole nanoseconds below 1 µs, then one decimal in the largest unit that keeps the figure
    /// at 1 or more. Culture-invariant; the format views call it for their duration columns.
    /// </summary>
    public static string FormatNs(double ns)
    {
        if (double.IsNaN(ns))
        {
            return "NaN";
        }
        double size = Math.Abs(ns);
        if (Math.Round(size) < 1_000)
        {
            return ns.ToString("F0", CultureInfo.InvariantCulture) + " ns";
        }
        foreach (var (divisor, unit) in new[] { (1e3, "µs"), (1e6, "ms") })
        {
            // Decide on the rounded figure: 999.96 µs is "1.0 ms", not "1000.0 µs".
            if (Math.Round(size / divisor, 1) < 1_000)
            {
                return (ns / divisor).ToString("F1", CultureInfo.InvariantCulture) + " " + unit;
            }
        }
        return (ns / 1e9).ToString("F1", CultureInfo.InvariantCulture) + " s";
    }

    /// <summary>
    /// The view a terminal user reads, modelled on bcc's runqlat: a title line (what, for whom,
    /// how many events, how measured), a line of figures, then one line per power-of-two bucket
    /// with its range, count and a bar scaled to the largest bucket (a non-empty bucket gets at
    /// least one star, so that rare slow events stay visible). Min and max are each marked "~" when
    /// they are estimates (see <see cref="MinMaxExact"/>). Without events: the title line, saying so.
    /// The title and the figures break between their parts (and a part at its spaces) into lines
    /// of at most <paramref name="width"/> characters.
    /// </summary>
    /// <param name="barWidth">Characters of the largest bar.</param>
    /// <param name="width">Characters of the title and figure lines.</param>
    public string FormatHistogram(int barWidth = 40, int width = TextLayout.TerminalWidth)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(barWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        var lines = new List<string>();
        var title = new List<string> { Title() };
        if (Who() is { } who)
        {
            title.Add(who);
        }
        string events = Count == 0 && _buckets.Count == 0 ? "no events" : string.Create(CultureInfo.InvariantCulture, $"{Count:N0} {(Count == 1 ? "event" : "events")}");
        title.Add(Duration > TimeSpan.Zero ? $"{events} in {FormatNs(Duration.Ticks * 100.0)}" : events);
        if (Method.Length > 0)
        {
            title.Add(Method);
        }
        if (Sample > 0)
        {
            title.Add(string.Create(CultureInfo.InvariantCulture, $"sample {Sample}"));
        }
        lines.AddRange(TextLayout.Flow(title, " · ", width));
        if (_buckets.Count == 0)
        {
            return string.Join(Environment.NewLine, lines);
        }

        var figures = new[]
        {
            $"min {(_minExact ? "" : "~")}{FormatNs(MinNs)}", $"mean {FormatNs(MeanNs)}", $"max {(_maxExact ? "" : "~")}{FormatNs(MaxNs)}",
            $"p50 {FormatNs(P50Ns)}", $"p90 {FormatNs(P90Ns)}", $"p99 {FormatNs(P99Ns)}", $"p99.9 {FormatNs(P999Ns)}", $"total {FormatNs(TotalNs)}",
        };
        lines.AddRange(TextLayout.Flow(figures, "  ", width));

        var counts = _buckets.Select(b => b.Count.ToString("N0", CultureInfo.InvariantCulture)).ToList();
        int rangeWidth = Math.Max("range".Length, _buckets.Max(b => b.Range.Length)) + 2;
        int countWidth = Math.Max("count".Length, counts.Max(c => c.Length));
        long largest = _buckets.Max(b => b.Count);
        lines.Add($"{"range".PadLeft(rangeWidth)}  {"count".PadLeft(countWidth)}  distribution");
        for (int i = 0; i < _buckets.Count; i++)
        {
            long count = _buckets[i].Count;
            int stars = largest == 0 ? 0 : (int)Math.Min(barWidth, Math.Ceiling((double)count * barWidth / largest));
            lines.Add($"{_buckets[i].Range.PadLeft(rangeWidth)}  {counts[i].PadLeft(countWidth)} |{new string('*', stars).PadRight(barWidth)}|");
        }
        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>One line: what, for whom, how many, and the figures most asked for.</summary>
    public override string ToString()
    {
        var text = new StringBuilder(Title());
        if (Who() is { } who)
        {
            text.Append(", ").Append(who);
        }
        if (Count == 0 && _buckets.Count == 0)
        {
            return text.Append(": no events").ToString();
        }
        return text.Append(CultureInfo.InvariantCulture, $": {Count:N0} events, p50 {FormatNs(P50Ns)}, p99 {FormatNs(P99Ns)}, max {(_maxExact ? "" : "~")}{FormatNs(MaxNs)}").ToString();
    }

    private string Title()
    {
        string measure = Measure switch
        {
            LatencyMeasure.RunQueue => "Run-queue latency",
            LatencyMeasure.OffCpu => "Off-CPU time",
            LatencyMeasure.ScheduleCall => "Time in schedule()",
            LatencyMeasure.SwitchHandover => "Switch handover",
            LatencyMeasure.OnCpu => "On-CPU slices",
            _ => Measure.ToString(),
        };
        return Reason.Length > 0 ? $"{measure} ({Reason})" : measure;
    }

    private string? Who()
    {
        if (ProcessId is int pid)
        {
            string id = pid.ToString(CultureInfo.InvariantCulture);
            return Name is { Length: > 0 } ? $"{Name} (pid {id})" : $"pid {id}";
        }
        if (Cpu is int cpu)
        {
            return string.Create(CultureInfo.InvariantCulture, $"CPU {cpu}");
        }
        return Name;
    }
}

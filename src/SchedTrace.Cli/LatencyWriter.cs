using System.Globalization;

namespace SchedTrace.Cli;

/// <summary>
/// Writes latency windows: histograms (or per-process / per-CPU tables) for a terminal, or
/// records through <see cref="RecordWriter{T}"/> for --json and --csv.
/// </summary>
internal sealed class LatencyWriter
{
    private readonly TextWriter output;
    private readonly OutputFormat format;
    private readonly RecordWriter<LatencyStatistics>? records;
    private bool first = true;

    internal LatencyWriter(TextWriter output, OutputFormat format)
    {
        this.output = output;
        this.format = format;
        if (format != OutputFormat.Table)
        {
            records = new RecordWriter<LatencyStatistics>(output, format, Array.Empty<Column<LatencyStatistics>>());
        }
    }

    internal void Write(IReadOnlyList<LatencyStatistics> rows, LatencyQuery query)
    {
        if (records is not null)
        {
            records.Write(rows);
            return;
        }
        if (!first)
        {
            output.WriteLine();
        }
        first = false;
        if (rows.Count == 0)
        {
            output.WriteLine("No events.");
            return;
        }
        if (!query.PerProcess && !query.PerCpu)
        {
            output.WriteLine(string.Join(Environment.NewLine + Environment.NewLine, rows.Select(r => r.FormatHistogram())));
            return;
        }
        // Per process or CPU: one table per measure and reason, under a line saying which.
        var columns = query.PerProcess ? PerProcessColumns : PerCpuColumns;
        bool firstGroup = true;
        foreach (var group in rows.GroupBy(r => (r.Measure, r.Reason)))
        {
            if (!firstGroup)
            {
                output.WriteLine();
            }
            firstGroup = false;
            output.WriteLine(Heading(group.First()));
            new RecordWriter<LatencyStatistics>(output, OutputFormat.Table, columns).Write(group);
        }
    }

    /// <summary>"Off-CPU time (Sleeping) · 2.0 s · tp_btf sched_switch-out -> ... · sample 3".</summary>
    internal static string Heading(LatencyStatistics row)
    {
        var parts = new List<string> { Title(row.Measure, row.Reason), LatencyStatistics.FormatNs(row.Duration.Ticks * 100.0) };
        if (row.Method.Length > 0)
        {
            parts.Add(row.Method);
        }
        if (row.Sample > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"sample {row.Sample}"));
        }
        return string.Join(" · ", parts);
    }

    internal static string Title(LatencyMeasure measure, string reason)
    {
        string title = measure switch
        {
            LatencyMeasure.RunQueue => "Run-queue latency",
            LatencyMeasure.OffCpu => "Off-CPU time",
            LatencyMeasure.ScheduleCall => "Time in schedule()",
            LatencyMeasure.SwitchHandover => "Switch handover",
            LatencyMeasure.OnCpu => "On-CPU slices",
            _ => measure.ToString(),
        };
        return reason.Length > 0 ? $"{title} ({reason})" : title;
    }

    private static string Ns(double ns) => LatencyStatistics.FormatNs(ns);

    // Min and max are marked "~" when estimated from the histogram (MinMaxExact false).
    private static string Extreme(LatencyStatistics row, long ns) => (row.MinMaxExact ? "" : "~") + Ns(ns);

    private static readonly Column<LatencyStatistics>[] Figures =
    {
        new("COUNT", 9, r => r.Count.ToString(CultureInfo.InvariantCulture)),
        new("MIN", 10, r => Extreme(r, r.MinNs)),
        new("MEAN", 9, r => Ns(r.MeanNs)),
        new("P50", 9, r => Ns(r.P50Ns)),
        new("P99", 9, r => Ns(r.P99Ns)),
        new("MAX", 10, r => Extreme(r, r.MaxNs)),
        new("TOTAL", 9, r => Ns(r.TotalNs)),
    };

    private static readonly Column<LatencyStatistics>[] PerProcessColumns =
    [
        new("PID", 7, r => r.ProcessId?.ToString(CultureInfo.InvariantCulture) ?? "-"),
        new("NAME", -16, r => r.Name ?? ""),
        .. Figures,
    ];

    private static readonly Column<LatencyStatistics>[] PerCpuColumns =
    [
        new("CPU", 4, r => r.Cpu?.ToString(CultureInfo.InvariantCulture) ?? "-"),
        .. Figures,
    ];
}

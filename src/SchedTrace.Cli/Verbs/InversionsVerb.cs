using System.Globalization;

namespace SchedTrace.Cli.Verbs;

/// <summary>`schedtrace inversions`: priority-inversion alerts as they happen, and a summary per pair of tasks at the end.</summary>
internal sealed class InversionsVerb : Verb
{
    private static readonly CliOption Threshold = new("threshold", "S", "Only inversions lasting at least S seconds (default 0.01).");
    private static readonly CliOption Duration = new("duration", "S", "Stop after S seconds (default: until Ctrl+C); then print the summary.");
    private static readonly CliOption Kind = new("kind", "K[,K]", "runqueue, lock (default: both; lock needs x86-64).");
    private static readonly CliOption MinNiceGap = new("min-nice-gap", "N", "Between normal tasks, the least nice gap that counts (default 10).");
    private static readonly CliOption MaxAlerts = new("max-alerts", "N", "Rate limit: alerts per second per CPU (default 100); the rest are counted.");
    private static readonly CliOption ProcessIds = new("pid", "N[,N...]", "Only inversions in which a task of these processes takes part.");
    private static readonly CliOption TaskName = new("name", "PATTERN", "Only inversions in which a task with this name takes part (*, ?, [a-z]).");

    internal override string Name => "inversions";

    internal override string Summary => "Priority inversions as they happen; a summary per pair of tasks at the end.";

    internal override IReadOnlyList<CliOption> Options { get; } =
    [
        Threshold, Duration, Kind, MinNiceGap, MaxAlerts, ProcessIds, TaskName,
        SharedOptions.Json, SharedOptions.RawTracepoints, SharedOptions.Verbose, SharedOptions.Debug,
    ];

    internal override string Note => "With --json the summary rows follow the alerts (they have \"Count\").";

    private protected override int Execute(Options options, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        var format = options.OutputFormat();
        var name = options.Pattern(TaskName.Name);
        var filter = InversionFilter.Create(options.IntList(ProcessIds.Name), name is null ? null : [name], null);
        // Read before anything is attached: a mistake in it is exit 2 wherever it is run, not a session's error.
        var duration = options.WatchDuration(Duration.Name);
        using var session = StartSession(options, stderr, SessionOptions(options, stderr) with
        {
            Features = SchedTraceFeature.PriorityInversion,
            InversionThreshold = options.Duration(Threshold.Name) ?? SchedTraceSessionOptions.DefaultInversionThreshold,
            InversionKinds = Kinds(options.Text(Kind.Name)),
            InversionMinNiceGap = options.Int(MinNiceGap.Name) ?? SchedTraceSessionOptions.DefaultInversionMinNiceGap,
            MaxInversionsPerSecond = options.Int(MaxAlerts.Name) ?? SchedTraceSessionOptions.DefaultMaxInversionsPerSecond,
        });
        var alerts = new RecordWriter<PriorityInversion>(stdout, format, AlertColumns);
        var report = new InversionWatchReport();
        foreach (var alert in PriorityInversionWatch.Watch(session, duration, filter, cancellation, report))
        {
            alerts.Write([alert]);
            stdout.Flush(); // each alert as soon as it is known: they are rare
        }
        session.Stop();
        // Ctrl+C ends the watch like --duration does: the summary is printed either way.
        if (format == OutputFormat.Table)
        {
            stdout.WriteLine();
            stdout.WriteLine(report.Seen.Count == 0 ? "No priority inversions." : $"Summary ({report.Seen.Count} inversions):");
        }
        new RecordWriter<PriorityInversionSummary>(stdout, format, SummaryColumns).Write(report.Summary());
        stdout.Flush();
        if (report.Suppressed > 0)
        {
            Warn(stderr, $"{report.Suppressed} priority inversions were not reported because of the rate limit ({InversionWatchReport.DescribeByCpu(report.SuppressedPerCpu)}); raise --max-alerts or --threshold.");
        }
        if (report.Lost > 0)
        {
            Warn(stderr, $"{report.Lost} priority-inversion alerts were lost because the ring buffer was full ({InversionWatchReport.DescribeByCpu(report.LostPerCpu)}).");
        }
        return CommandLine.ExitOk;
    }

    /// <summary>"runqueue,lock" (default: null, both where supported).</summary>
    internal static IReadOnlyCollection<PriorityInversionKind>? Kinds(string? text)
    {
        if (text is null)
        {
            return null;
        }
        var kinds = new HashSet<PriorityInversionKind>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            kinds.Add(part.ToLowerInvariant() switch
            {
                "runqueue" or "run-queue" => PriorityInversionKind.RunQueue,
                "lock" => PriorityInversionKind.Lock,
                _ => throw new UsageException($"--kind: '{part}' is not a kind of inversion (runqueue, lock)"),
            });
        }
        return kinds.Count > 0 ? kinds : throw new UsageException("--kind needs runqueue, lock or both");
    }

    private static string Ms(TimeSpan span) => span.TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture);

    private static readonly Column<PriorityInversion>[] AlertColumns =
    {
        new("TIME (UTC)", -15, r => r.Timestamp.ToString("HH:mm:ss.ffffff", CultureInfo.InvariantCulture)),
        new("KIND", -8, r => r.Kind.ToString()),
        new("CPU", 3, r => r.Cpu.ToString(CultureInfo.InvariantCulture)),
        new("WAIT(ms)", 9, r => Ms(r.Wait)),
        new("WAITING", -24, r => $"{r.Name}[{r.ThreadId}]"),
        new("PRI", 4, r => r.Priority.ToString(CultureInfo.InvariantCulture)),
        new("POLICY", -6, r => r.Policy.ToString()),
        new("OWNER", -24, r => r.OwnerThreadId is null ? "-" : $"{r.OwnerName}[{r.OwnerThreadId}] {r.OwnerPriority}"),
        new("RAN INSTEAD", -1, r => string.Join(", ", r.GetRanInstead())),
    };

    private static readonly Column<PriorityInversionSummary>[] SummaryColumns =
    {
        new("KIND", -8, r => r.Kind.ToString()),
        new("WAITING", -24, r => $"{r.Name}[{r.ThreadId}]"),
        new("PRI", 4, r => r.Priority.ToString(CultureInfo.InvariantCulture)),
        new("OWNER", -24, r => r.OwnerThreadId is null ? "-" : $"{r.OwnerName}[{r.OwnerThreadId}]"),
        new("RAN INSTEAD", -24, r => $"{r.RanName}[{r.RanThreadId}]"),
        new("PRI", 4, r => r.RanPriority.ToString(CultureInfo.InvariantCulture)),
        new("COUNT", 6, r => r.Count.ToString(CultureInfo.InvariantCulture)),
        new("TOTAL(ms)", 10, r => Ms(r.TotalWait)),
        new("MAX(ms)", 9, r => Ms(r.MaxWait)),
    };
}

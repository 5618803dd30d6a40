using System.Management.Automation;

namespace SchedTrace.PowerShell;

/// <summary>Streams priority-inversion alerts as they happen, or a summary per pair of tasks at the end.</summary>
[Cmdlet(VerbsCommon.Watch, "PriorityInversion", DefaultParameterSetName = NewSession)]
[OutputType(typeof(PriorityInversion), typeof(PriorityInversionSummary))]
public sealed class WatchPriorityInversionCommand : SchedTraceCmdlet
{
    private const string NewSession = "New";
    private const string FromSession = "Session";

    /// <summary>Read the alerts of a session started with Start-SchedTrace -Feature PriorityInversion.</summary>
    [Parameter(ParameterSetName = FromSession, Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public SchedTraceSession? Session { get; set; }

    /// <summary>Only inversions that lasted at least this long (numbers are seconds; default 0.01).</summary>
    [Parameter(Position = 0)]
    [DurationTransformation]
    public TimeSpan Threshold { get; set; } = SchedTraceSessionOptions.DefaultInversionThreshold;

    /// <summary>Which detections: RunQueue, Lock (default: both).</summary>
    [Parameter(ParameterSetName = NewSession)]
    [ValidateNotNullOrEmpty]
    public PriorityInversionKind[]? Kind { get; set; }

    /// <summary>Between two normal tasks, the least nice gap that counts as lower priority.</summary>
    [Parameter(ParameterSetName = NewSession)]
    [ValidateRange(1, 39)]
    public int MinNiceGap { get; set; } = SchedTraceSessionOptions.DefaultInversionMinNiceGap;

    /// <summary>Rate limit in the kernel: alerts per second per CPU (and as many in a burst).</summary>
    [Parameter(ParameterSetName = NewSession)]
    [ValidateRange(1, 1_000_000)]
    public int MaxAlertsPerSecond { get; set; } = SchedTraceSessionOptions.DefaultMaxInversionsPerSecond;

    /// <summary>Only inversions in which a task of these processes takes part.</summary>
    [Parameter]
    [Alias("PID")]
    [ValidateRange(1, int.MaxValue)]
    [ValidateNotNullOrEmpty]
    public int[]? Id { get; set; }

    /// <summary>Only inversions in which a task with a matching name takes part.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ProcessNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Stop after this long (numbers are seconds); without it, until Ctrl+C.</summary>
    [Parameter]
    [DurationTransformation]
    public TimeSpan Duration { get; set; }

    /// <summary>Write one summary per pair of tasks when the watch ends, instead of each alert.</summary>
    [Parameter]
    public SwitchParameter Summary { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            if (Summary && !Bound(nameof(Duration)))
            {
                ThrowIfCtrlCUnreadable("Give -Duration (e.g. -Duration 10) with -Summary, or leave out -Summary to write each alert as it happens.");
            }
            if (Session is not null)
            {
                Watch(Session);
                return;
            }
            using var session = StartSession(new SchedTraceSessionOptions
            {
                Features = SchedTraceFeature.PriorityInversion,
                InversionThreshold = Threshold,
                InversionKinds = Kind,
                InversionMinNiceGap = MinNiceGap,
                MaxInversionsPerSecond = MaxAlertsPerSecond,
            });
            Watch(session);
        }
        catch (SchedTraceException e)
        {
            ThrowTerminating(e, Session);
        }
    }

    private void Watch(SchedTraceSession session)
    {
        var filter = InversionFilter.Create(Id, Name?.Select(n => WildcardPattern.Get(n, WildcardOptions.IgnoreCase)).Select(p => (Func<string, bool>)p.IsMatch).ToList(),
            Session is not null && Bound(nameof(Threshold)) ? Threshold : null);
        var report = new InversionWatchReport();
        TimeSpan? duration = Bound(nameof(Duration)) ? Duration : null;
        if (Summary)
        {
            // Until Ctrl+C the summary is one reading at the end, like a measure's, with its progress.
            var rows = duration is null
                ? Collect(SamplingPlan.UntilStopped, "Watching for priority inversions", progress => Summarize(PriorityInversionWatch.Watch(session, null, filter, Cancellation, report, progress), report))
                : ReadingCtrlC(Summarize(PriorityInversionWatch.Watch(session, duration, filter, Cancellation, report), report));
            foreach (var row in rows)
            {
                WriteObject(row);
            }
        }
        else
        {
            foreach (var alert in ReadingCtrlC(PriorityInversionWatch.Watch(session, duration, filter, Cancellation, report)))
            {
                WriteObject(alert);
            }
        }
        // Suppressed and lost alerts are reported, never silent: here, and on the session object.
        if (report.Suppressed > 0)
        {
            WriteWarning($"{report.Suppressed} priority inversions were not reported because of the rate limit ({InversionWatchReport.DescribeByCpu(report.SuppressedPerCpu)}). Raise -MaxAlertsPerSecond or -Threshold.");
        }
        if (report.Lost > 0)
        {
            WriteWarning($"{report.Lost} priority-inversion alerts were lost because the ring buffer was full ({InversionWatchReport.DescribeByCpu(report.LostPerCpu)}).");
        }
    }

    /// <summary>Runs the watch to its end, then yields one row per pair of tasks.</summary>
    private static IEnumerable<PriorityInversionSummary> Summarize(IEnumerable<PriorityInversion> watch, InversionWatchReport report)
    {
        foreach (var _ in watch)
        {
            // Each alert is kept in the report, which the summary is made from.
        }
        foreach (var row in report.Summary())
        {
            yield return row;
        }
    }
}

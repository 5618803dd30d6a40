using System.Management.Automation;

namespace SchedTrace.PowerShell;

/// <summary>
/// Streams priority-inversion alerts as they happen, or a summary per pair of tasks at the end.
/// Piped sessions are watched one after the other; the ids of other piped objects (Get-Process
/// output) are gathered into the filter of one new session, watched at the end. One parameter
/// set: -Session must bind wherever -Id does, or a piped session's own Id would be taken for a
/// process id; the detection settings are refused with a session (ParameterNotForSession).
/// </summary>
[Cmdlet(VerbsCommon.Watch, "PriorityInversion")]
[OutputType(typeof(PriorityInversion), typeof(PriorityInversionSummary))]
public sealed class WatchPriorityInversionCommand : WatchCmdlet
{
    /// <summary>Read the alerts of a session started with Start-SchedTrace -Feature PriorityInversion.</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNull]
    public SchedTraceSession? Session { get; set; }

    /// <summary>Only inversions that lasted at least this long (numbers are seconds; default 0.01).</summary>
    [Parameter(Position = 0)]
    [DurationTransformation]
    public TimeSpan Threshold { get; set; } = SchedTraceSessionOptions.DefaultInversionThreshold;

    /// <summary>Which detections: RunQueue, Lock (default: both).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public PriorityInversionKind[]? Kind { get; set; }

    /// <summary>Between two normal tasks, the least nice gap that counts as lower priority.</summary>
    [Parameter]
    [ValidateRange(1, 39)]
    public int MinNiceGap { get; set; } = SchedTraceSessionOptions.DefaultInversionMinNiceGap;

    /// <summary>Rate limit in the kernel: alerts per second per CPU (and as many in a burst).</summary>
    [Parameter]
    [ValidateRange(1, 1_000_000)]
    public int MaxAlertsPerSecond { get; set; } = SchedTraceSessionOptions.DefaultMaxInversionsPerSecond;

    /// <summary>Only inversions in which a task of these processes takes part.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("ProcessId", "PID")]
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

    private protected override SchedTraceSession? SessionInput => Session;

    private protected override int[]? ProcessIdInput => Id;

    private protected override string[]? NameInput => Name;

    /// <summary>The detection settings a running session's Start-SchedTrace already fixed (the ids are matched here, for any session).</summary>
    private protected override IEnumerable<string> NewSessionParameters(bool idsOnCommandLine, bool threadIdsOnCommandLine) =>
        new[] { nameof(Kind), nameof(MinNiceGap), nameof(MaxAlertsPerSecond) }.Where(Bound);

    private protected override void CheckEndOfInput()
    {
        if (Summary && !Bound(nameof(Duration)))
        {
            ThrowIfCtrlCUnreadable("Give -Duration (e.g. -Duration 10) with -Summary, or leave out -Summary to write each alert as it happens.");
        }
    }

    /// <summary>The processes are matched in user space, after the kernel's rate limit: the session watches every process.</summary>
    private protected override SchedTraceSessionOptions NewSession(IReadOnlyList<int> processIds, IReadOnlyList<int> threadIds) => new()
    {
        Features = SchedTraceFeature.PriorityInversion,
        InversionThreshold = Threshold,
        InversionKinds = Kind,
        InversionMinNiceGap = MinNiceGap,
        MaxInversionsPerSecond = MaxAlertsPerSecond,
    };

    private protected override void Watch(SchedTraceSession session, IReadOnlyList<int> processIds, bool newSession)
    {
        var names = NamesFilter();
        var byName = names.Filter is null ? null : new Func<string, bool>[] { names.Matches };
        var filter = InversionFilter.Create(processIds, byName, Session is not null && Bound(nameof(Threshold)) ? Threshold : null);
        var report = new InversionWatchReport();
        TimeSpan? duration = Bound(nameof(Duration)) ? Duration : null;
        var progress = new CollectionProgressBar(this, $"Watching for priority inversions (at least {Threshold.TotalMilliseconds:0.###} ms)");
        IEnumerable<object> records = !Summary
            ? ReadingCtrlC(PriorityInversionWatch.Watch(session, duration, filter, Cancellation, report, duration is null ? null : progress.Report))
            // Until Ctrl+C the summary is one reading at the end, like a measure's, with its progress.
            : duration is null
                ? Collect(SamplingPlan.UntilStopped, "Watching for priority inversions", untilStopped => Summarize(PriorityInversionWatch.Watch(session, null, filter, Cancellation, report, untilStopped), report))
                : ReadingCtrlC(Summarize(PriorityInversionWatch.Watch(session, duration, filter, Cancellation, report, progress.Report), report));
        // Suppressed and lost alerts are counted before the filters: they are this watch's, whatever it kept.
        WriteWatch(records, progress, () => LossReport.Of(report));
        foreach (var name in names.LiteralMisses(report.Seen.SelectMany(a => a.TaskNames()).ToHashSet(StringComparer.OrdinalIgnoreCase)))
        {
            WriteError(NotFound($"No priority inversion in the watch involved a task named '{name}'.", ProcessNameFilter.NotFoundId, name,
                "Check the name with Get-Process (the kernel's name of a thread is at most 15 characters). Use a wildcard (-Name 'name*') to watch without this check."));
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

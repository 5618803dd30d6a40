using System.Management.Automation;

namespace SchedTrace.PowerShell;

/// <summary>
/// Streams scheduler events to the pipeline as they happen, until Ctrl+C, -Duration or -Count.
/// Piped sessions are watched one after the other; the ids of other piped objects (Get-Process
/// output) are gathered into one new session, watched at the end. One parameter set: -Session
/// must bind wherever -Id does, or a piped session's own Id would be taken for a process id; the
/// parameters that set up a new session are refused with a session (ParameterNotForSession).
/// </summary>
[Cmdlet(VerbsCommon.Watch, "SchedEvent")]
[OutputType(typeof(SchedSwitchEvent), typeof(SchedWakeupEvent), typeof(SchedMigrateEvent))]
public sealed class WatchSchedEventCommand : WatchCmdlet
{
    /// <summary>Read the events of a session started with Start-SchedTrace -Feature Events.</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNull]
    public SchedTraceSession? Session { get; set; }

    /// <summary>Which events: Switch (default), Wakeup, WakeupNew, Migrate.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public SchedEventType[] Type { get; set; } = { SchedEventType.Switch };

    /// <summary>Only events of these processes (tgids; either side of a switch). Filtered in the kernel.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("ProcessId", "PID")]
    [ValidateNotNullOrEmpty]
    [ValidateRange(1, int.MaxValue)]
    public int[]? Id { get; set; }

    /// <summary>Only events of these threads (either side of a switch). Filtered in the kernel.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("TID")]
    [EmptyWhenNull]
    [ValidateRange(1, int.MaxValue)]
    public int[]? ThreadId { get; set; }

    /// <summary>Only events of tasks with these names; one exact name is filtered in the kernel (for a new
    /// session), wildcards, several names and a -Session's events here.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ProcessNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Only events on this CPU.</summary>
    [Parameter]
    [ValidateRange(0, 4095)]
    public int Cpu { get; set; }

    /// <summary>Only switches whose previous task ran at least this long (numbers are seconds).</summary>
    [Parameter]
    [DurationTransformation]
    public TimeSpan MinRuntime { get; set; }

    /// <summary>Stop after this long (numbers are seconds); without it, until Ctrl+C or -Count.</summary>
    [Parameter]
    [DurationTransformation]
    public TimeSpan Duration { get; set; }

    /// <summary>Stop after this many events.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Count { get; set; }

    /// <summary>Ring buffer size in bytes (e.g. 16MB); rounded up to a power of two.</summary>
    [Parameter]
    [ValidateRange(4096L, 1L << 30)]
    public long BufferSize { get; set; } = SchedTraceSessionOptions.DefaultRingBufferBytes;

    private protected override SchedTraceSession? SessionInput => Session;

    private protected override int[]? ProcessIdInput => Id;

    private protected override int[]? ThreadIdInput => ThreadId;

    private protected override string[]? NameInput => Name;

    /// <summary>What a running session's Start-SchedTrace already fixed: its kernel filters, event types and buffer.</summary>
    private protected override IEnumerable<string> NewSessionParameters(bool idsOnCommandLine, bool threadIdsOnCommandLine) =>
        new[] { nameof(Type), nameof(Cpu), nameof(MinRuntime), nameof(BufferSize) }.Where(Bound)
            .Concat(idsOnCommandLine ? [nameof(Id)] : [])
            .Concat(threadIdsOnCommandLine ? [nameof(ThreadId)] : []);

    private protected override SchedTraceSessionOptions NewSession(IReadOnlyList<int> processIds, IReadOnlyList<int> threadIds) => new()
    {
        Features = SchedTraceFeature.Events,
        EventTypes = Type,
        ProcessIds = processIds,
        ThreadIds = threadIds,
        // One exact name is compared in the kernel; the rest are matched here.
        EventName = NamesFilter().SingleLiteral,
        Cpu = Bound(nameof(Cpu)) ? Cpu : null,
        EventMinRuntime = Bound(nameof(MinRuntime)) ? MinRuntime : null,
        RingBufferBytes = BufferSize,
    };

    /// <summary>The processes and threads are the session's kernel filters: a running session's cannot be narrowed here.</summary>
    private protected override void Watch(SchedTraceSession session, IReadOnlyList<int> processIds, bool newSession)
    {
        var names = NamesFilter();
        Func<SchedEvent, bool>? filter = Name is null ? null : e => names.MatchesAny(e.TaskNames());
        var report = new EventWatchReport();
        var progress = new CollectionProgressBar(this, newSession ? "Watching scheduler events" : $"Watching the events of session '{session.Name}'");
        int? count = Bound(nameof(Count)) ? Count : null;
        var events = SchedEventWatch.Watch(session, count, Bound(nameof(Duration)) ? Duration : null, filter, Cancellation, report, Bound(nameof(Duration)) ? progress.Report : null);
        int written = WriteWatch(ReadingCtrlC(events), progress, () => LossReport.Of(report));
        // A watch cut short by -Count has not looked long enough to say a name met no event.
        if (written != count)
        {
            foreach (var name in names.UnmatchedLiterals)
            {
                WriteError(NotFound($"No task named '{name}' had a scheduler event in the watch.", ProcessNameFilter.NotFoundId, name,
                    "Check the name with Get-Process (the kernel's name of a thread is at most 15 characters); a task that neither ran nor was woken in the watch has no events. Use a wildcard (-Name 'name*') to watch without this check."));
            }
        }
    }
}

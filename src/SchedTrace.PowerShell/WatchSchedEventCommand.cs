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
public sealed class WatchSchedEventCommand : SchedTraceCmdlet
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

    private bool sessionOnCommandLine;
    private bool idsOnCommandLine;
    private bool threadIdsOnCommandLine;
    private bool watchDue;
    private readonly List<int> processIds = new();
    private readonly List<int> threadIds = new();

    protected override void BeginProcessing()
    {
        // A malformed -Name ends the command here, before anything is attached.
        _ = new ProcessNameFilter(Name, this);
        sessionOnCommandLine = Bound(nameof(Session));
        idsOnCommandLine = Bound(nameof(Id));
        threadIdsOnCommandLine = Bound(nameof(ThreadId));
    }

    /// <summary>What a running session's Start-SchedTrace already fixed: its kernel filters, event types and buffer.</summary>
    private IEnumerable<string> NewSessionParameters(bool ids, bool threadIds) =>
        new[] { nameof(Type), nameof(Cpu), nameof(MinRuntime), nameof(BufferSize) }.Where(Bound)
            .Concat(ids ? [nameof(Id)] : [])
            .Concat(threadIds ? [nameof(ThreadId)] : []);

    protected override void ProcessRecord()
    {
        if (Session is not null && !sessionOnCommandLine)
        {
            // A piped session is also bound by property name to -Id, with its own Id: no process id.
            RefuseForSession(NewSessionParameters(idsOnCommandLine, threadIdsOnCommandLine));
            try
            {
                Watch(Session, newSession: false);
            }
            catch (SchedTraceException e)
            {
                WriteInputError(e, Session);
            }
            return;
        }
        processIds.AddRange(Id ?? Array.Empty<int>());
        threadIds.AddRange(ThreadId ?? Array.Empty<int>());
        watchDue = true;
    }

    protected override void EndProcessing()
    {
        if (!watchDue)
        {
            return;
        }
        try
        {
            if (Session is not null)
            {
                RefuseForSession(NewSessionParameters(idsOnCommandLine || processIds.Count > 0, threadIdsOnCommandLine || threadIds.Count > 0));
                Watch(Session, newSession: false);
                return;
            }
            var names = new ProcessNameFilter(Name, this);
            using var session = StartSession(new SchedTraceSessionOptions
            {
                Features = SchedTraceFeature.Events,
                EventTypes = Type,
                ProcessIds = processIds.Distinct().ToList(),
                ThreadIds = threadIds.Distinct().ToList(),
                // One exact name is compared in the kernel; the rest are matched here.
                EventName = names.SingleLiteral,
                Cpu = Bound(nameof(Cpu)) ? Cpu : null,
                EventMinRuntime = Bound(nameof(MinRuntime)) ? MinRuntime : null,
                RingBufferBytes = BufferSize,
            });
            Watch(session, newSession: true);
        }
        catch (SchedTraceException e)
        {
            ThrowTerminating(e, Session);
        }
    }

    private void Watch(SchedTraceSession session, bool newSession)
    {
        // Per watch: which literal names met an event is a question about this session.
        var names = new ProcessNameFilter(Name, this);
        Func<SchedEvent, bool>? filter = Name is null ? null : e => names.MatchesAny(e.TaskNames());
        var report = new EventWatchReport();
        var progress = new CollectionProgressBar(this, newSession ? "Watching scheduler events" : $"Watching the events of session '{session.Name}'");
        int? count = Bound(nameof(Count)) ? Count : null;
        int written = 0;
        foreach (var e in ReadingCtrlC(SchedEventWatch.Watch(session, count, Bound(nameof(Duration)) ? Duration : null, filter, Cancellation, report, Bound(nameof(Duration)) ? progress.Report : null)))
        {
            WriteObject(e);
            written++;
        }
        progress.Complete();
        // Losses are reported, never silent: here, and on the session object.
        WriteLosses(LossReport.Of(report));
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

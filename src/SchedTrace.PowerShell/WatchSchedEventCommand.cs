using System.Management.Automation;

namespace SchedTrace.PowerShell;

/// <summary>Streams scheduler events to the pipeline as they happen, until Ctrl+C, -Duration or -Count.</summary>
[Cmdlet(VerbsCommon.Watch, "SchedEvent", DefaultParameterSetName = NewSession)]
[OutputType(typeof(SchedSwitchEvent), typeof(SchedWakeupEvent), typeof(SchedMigrateEvent))]
public sealed class WatchSchedEventCommand : SchedTraceCmdlet
{
    private const string NewSession = "New";
    private const string FromSession = "Session";

    /// <summary>Read the events of a session started with Start-SchedTrace -Feature Events.</summary>
    [Parameter(ParameterSetName = FromSession, Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public SchedTraceSession? Session { get; set; }

    /// <summary>Which events: Switch (default), Wakeup, WakeupNew, Migrate.</summary>
    [Parameter(ParameterSetName = NewSession, Position = 0)]
    [ValidateNotNullOrEmpty]
    public SchedEventType[] Type { get; set; } = { SchedEventType.Switch };

    /// <summary>Only events of this process (tgid; either side of a switch). Filtered in the kernel.</summary>
    [Parameter(ParameterSetName = NewSession)]
    [Alias("PID")]
    [ValidateRange(1, int.MaxValue)]
    public int Id { get; set; }

    /// <summary>Only events of this thread (either side of a switch). Filtered in the kernel.</summary>
    [Parameter(ParameterSetName = NewSession)]
    [Alias("TID")]
    [ValidateRange(1, int.MaxValue)]
    public int ThreadId { get; set; }

    /// <summary>Only events of tasks with this name; exact names are filtered in the kernel (for a new
    /// session), wildcards and a -Session's events here.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ProcessNameCompleter))]
    public string? Name { get; set; }

    /// <summary>Only events on this CPU.</summary>
    [Parameter(ParameterSetName = NewSession)]
    [ValidateRange(0, 4095)]
    public int Cpu { get; set; }

    /// <summary>Only switches whose previous task ran at least this long (numbers are seconds).</summary>
    [Parameter(ParameterSetName = NewSession)]
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
    [Parameter(ParameterSetName = NewSession)]
    [ValidateRange(4096L, 1L << 30)]
    public long BufferSize { get; set; } = SchedTraceSessionOptions.DefaultRingBufferBytes;

    protected override void ProcessRecord()
    {
        // A -Session's filters were compiled in when it started: a name is matched here.
        bool matchHere = Name is not null && (Session is not null || WildcardPattern.ContainsWildcardCharacters(Name));
        Func<SchedEvent, bool>? filter = null;
        if (matchHere)
        {
            var pattern = WildcardPattern.Get(Name!, WildcardOptions.IgnoreCase);
            filter = e => e.TaskNames().Any(pattern.IsMatch);
        }
        try
        {
            if (Session is not null)
            {
                Watch(Session, filter);
                return;
            }
            using var session = StartSession(new SchedTraceSessionOptions
            {
                Features = SchedTraceFeature.Events,
                EventTypes = Type,
                ProcessId = Bound(nameof(Id)) ? Id : null,
                ThreadId = Bound(nameof(ThreadId)) ? ThreadId : null,
                EventName = matchHere ? null : Name,
                Cpu = Bound(nameof(Cpu)) ? Cpu : null,
                EventMinRuntime = Bound(nameof(MinRuntime)) ? MinRuntime : null,
                RingBufferBytes = BufferSize,
            });
            Watch(session, filter);
        }
        catch (SchedTraceException e)
        {
            ThrowTerminating(e, Session);
        }
    }

    private void Watch(SchedTraceSession session, Func<SchedEvent, bool>? filter)
    {
        var report = new EventWatchReport();
        foreach (var e in ReadingCtrlC(SchedEventWatch.Watch(session, Bound(nameof(Count)) ? Count : null, Bound(nameof(Duration)) ? Duration : null, filter, Cancellation, report)))
        {
            WriteObject(e);
        }
        // Losses are reported, never silent: here, and on the session object.
        if (report.Lost > 0)
        {
            WriteWarning($"{report.Lost} events were lost because the ring buffer was full ({report.DescribeLosses()}). Use a larger -BufferSize or narrower filters.");
        }
    }
}

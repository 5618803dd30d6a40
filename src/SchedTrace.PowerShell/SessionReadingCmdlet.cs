using System.Management.Automation;

namespace SchedTrace.PowerShell;

/// <summary>
/// The reading cmdlets' shared parameters: one reading over -Duration, or -Interval samples, of a
/// session started for the command or of a running -Session (without -Duration or -Interval:
/// since its start). And how they take pipeline input: a piped session is read at once, one
/// reading per session, and a failure is written for that session alone; the process (and
/// thread) ids of other piped objects (Get-Process output, rows of these cmdlets) are gathered,
/// and one reading over all of them is taken at the end.
/// -Session is in both sets, like -Id: wherever -Id binds by property name, a piped session must
/// bind too, or its own Id would be taken for a process id.
/// </summary>
public abstract class SessionReadingCmdlet : SchedTraceCmdlet
{
    internal const string ForDuration = "Duration";
    internal const string ForInterval = "Interval";

    /// <summary>How long to collect; numbers are seconds.</summary>
    [Parameter(ParameterSetName = ForDuration, Position = 0)]
    [DurationTransformation]
    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Emit a sample every interval (numbers are seconds) instead of one reading.</summary>
    [Parameter(ParameterSetName = ForInterval, Mandatory = true)]
    [DurationTransformation]
    public TimeSpan Interval { get; set; }

    /// <summary>
    /// With -Interval: how many samples; without it, until Ctrl+C. In every set, so that -Count
    /// without -Interval reaches the CountWithoutInterval error rather than an ambiguous set.
    /// </summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Count { get; set; }

    /// <summary>Read a running session instead of starting one.</summary>
    [Parameter(ParameterSetName = ForDuration, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ForInterval, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNull]
    public SchedTraceSession? Session { get; set; }

    private bool sessionOnCommandLine;
    private bool processIdsOnCommandLine;
    private bool threadIdsOnCommandLine;
    private bool readingDue;
    private readonly List<int> processIds = new();
    private readonly List<int> threadIds = new();

    /// <summary>
    /// The -Id values typed on the command line. Only these are reported when they matched
    /// nothing (ProcessIdNotFound): a process piped in existed, and one that did not run in the
    /// window simply has no row, as in a reading without -Id.
    /// </summary>
    private protected IReadOnlyCollection<int> TypedProcessIds { get; private set; } = Array.Empty<int>();

    /// <summary>This input's -Id (and -ThreadId, where the cmdlet has one); null when not bound.</summary>
    private protected abstract int[]? ProcessIdInput { get; }

    private protected virtual int[]? ThreadIdInput => null;

    /// <summary>The cmdlet's parameters that only set up a new session (ParameterNotForSession with -Session).</summary>
    private protected virtual IEnumerable<string> NewSessionParameters(bool idsOnCommandLine, bool threadIdsOnCommandLine) => Array.Empty<string>();

    /// <summary>
    /// One reading (or -Interval samples) of <paramref name="session"/>, or of a session started
    /// for it when null, over these process and thread ids (empty: every one).
    /// </summary>
    private protected abstract void Read(SchedTraceSession? session, SamplingPlan plan, IReadOnlyList<int> processIds, IReadOnlyList<int> threadIds);

    /// <summary>What the cmdlet prepares once, before any input (-Name patterns).</summary>
    private protected virtual void Prepare()
    {
    }

    protected override void BeginProcessing()
    {
        // Bad parameters end the command before anything is attached or read.
        if (Bound(nameof(Count)) && !Bound(nameof(Interval)))
        {
            ThrowTerminating(new SchedTraceException(SchedTraceErrorKind.InvalidArgument, "CountWithoutInterval", "-Count sets how many -Interval samples to take; without -Interval there is only one reading.", "Add -Interval (e.g. -Interval 1 -Count 10), or leave out -Count."));
        }
        try
        {
            _ = Plan(null);
        }
        catch (SchedTraceException e)
        {
            ThrowTerminating(e);
        }
        // Only the command line is bound yet: what is bound later came from the pipeline.
        sessionOnCommandLine = Bound(nameof(Session));
        processIdsOnCommandLine = Bound("Id");
        TypedProcessIds = processIdsOnCommandLine ? ProcessIdInput ?? Array.Empty<int>() : Array.Empty<int>();
        threadIdsOnCommandLine = Bound("ThreadId");
        Prepare();
    }

    protected override void ProcessRecord()
    {
        if (Session is not null && !sessionOnCommandLine)
        {
            // A piped session is also bound by property name to -Id (its own Id): no process id,
            // so only the command line's ids count.
            RefuseForSession(NewSessionParameters(processIdsOnCommandLine, threadIdsOnCommandLine));
            try
            {
                Read(Session, Plan(Session), Ids(processIdsOnCommandLine ? ProcessIdInput : null), Ids(threadIdsOnCommandLine ? ThreadIdInput : null));
            }
            catch (SchedTraceException e)
            {
                WriteInputError(e, Session);
            }
            return;
        }
        processIds.AddRange(ProcessIdInput ?? Array.Empty<int>());
        threadIds.AddRange(ThreadIdInput ?? Array.Empty<int>());
        readingDue = true;
    }

    protected override void EndProcessing()
    {
        if (!readingDue)
        {
            return;
        }
        if (Session is not null)
        {
            // Ids piped along with a -Session given on the command line are as good as typed.
            RefuseForSession(NewSessionParameters(processIdsOnCommandLine || processIds.Count > 0, threadIdsOnCommandLine || threadIds.Count > 0));
        }
        try
        {
            Read(Session, Plan(Session), processIds.Distinct().ToList(), threadIds.Distinct().ToList());
        }
        catch (SchedTraceException e)
        {
            ThrowTerminating(e, Session);
        }
    }

    private static IReadOnlyList<int> Ids(int[]? ids) => ids?.Distinct().ToList() ?? (IReadOnlyList<int>)Array.Empty<int>();

    /// <summary>-Interval [-Count], -Duration, or for a -Session without either, since its start.</summary>
    private SamplingPlan Plan(SchedTraceSession? session)
    {
        if (Bound(nameof(Interval)))
        {
            return SamplingPlan.ForIntervals(Interval, Bound(nameof(Count)) ? Count : null);
        }
        if (session is not null && !Bound(nameof(Duration)))
        {
            return SamplingPlan.SinceStart;
        }
        // A cmdlet without a default duration (Zero) collects until Ctrl+C.
        return Bound(nameof(Duration)) || Duration > TimeSpan.Zero ? SamplingPlan.ForDuration(Duration) : SamplingPlan.UntilStopped;
    }
}

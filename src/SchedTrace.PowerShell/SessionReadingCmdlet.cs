using System.Management.Automation;

namespace SchedTrace.PowerShell;

/// <summary>
/// The reading cmdlets' shared parameters: one reading over -Duration, or -Interval samples, of a
/// session started for the command or of a running -Session (without -Duration or -Interval:
/// since its start). Pipeline input is taken as <see cref="SessionInputCmdlet"/> says.
/// -Session is in both sets, like -Id: wherever -Id binds by property name, a piped session must
/// bind too, or its own Id would be taken for a process id.
/// </summary>
public abstract class SessionReadingCmdlet : SessionInputCmdlet
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

    private protected sealed override SchedTraceSession? SessionInput => Session;

    /// <summary>
    /// The session to start when no -Session is given, for these process and thread ids; a query
    /// that session could not answer is refused here, before anything is attached.
    /// </summary>
    private protected abstract SchedTraceSessionOptions NewSession(SamplingPlan plan, IReadOnlyList<int> processIds, IReadOnlyList<int> threadIds);

    /// <summary>
    /// One reading (or -Interval samples) of <paramref name="session"/> over these process and
    /// thread ids (empty: every one); <paramref name="started"/> when this command started it.
    /// </summary>
    private protected abstract void Read(SchedTraceSession session, SamplingPlan plan, IReadOnlyList<int> processIds, IReadOnlyList<int> threadIds, bool started);

    private protected sealed override void Run(SchedTraceSession? session, IReadOnlyList<int> processIds, IReadOnlyList<int> threadIds)
    {
        var plan = Plan(session);
        if (session is not null)
        {
            Read(session, plan, processIds, threadIds, started: false);
            return;
        }
        using var started = StartSession(NewSession(plan, processIds, threadIds));
        Read(started, plan, processIds, threadIds, started: true);
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
        base.BeginProcessing();
    }

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

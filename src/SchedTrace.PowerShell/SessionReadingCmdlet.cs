using System.Management.Automation;

namespace SchedTrace.PowerShell;

/// <summary>
/// The reading cmdlets' shared parameters: one reading over -Duration, -Interval samples, or a
/// running -Session (since its start, or -Interval samples from it).
/// </summary>
public abstract class SessionReadingCmdlet : SchedTraceCmdlet
{
    internal const string ForDuration = "Duration";
    internal const string ForInterval = "Interval";
    internal const string FromSession = "Session";

    /// <summary>How long to collect; numbers are seconds.</summary>
    [Parameter(ParameterSetName = ForDuration, Position = 0)]
    [DurationTransformation]
    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Emit a sample every interval (numbers are seconds) instead of one reading.</summary>
    [Parameter(ParameterSetName = ForInterval, Mandatory = true)]
    [Parameter(ParameterSetName = FromSession)]
    [DurationTransformation]
    public TimeSpan Interval { get; set; }

    /// <summary>With -Interval: how many samples; without it, until Ctrl+C.</summary>
    [Parameter(ParameterSetName = ForInterval)]
    [Parameter(ParameterSetName = FromSession)]
    [ValidateRange(1, int.MaxValue)]
    public int Count { get; set; }

    /// <summary>Read a running session instead of starting one.</summary>
    [Parameter(ParameterSetName = FromSession, Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public SchedTraceSession? Session { get; set; }

    /// <summary>-Duration (or until Ctrl+C), -Session (since its start) or -Interval [-Count], as a sampling plan.</summary>
    protected SamplingPlan Plan()
    {
        if (Bound(nameof(Count)) && !Bound(nameof(Interval)))
        {
            throw new SchedTraceException(SchedTraceErrorKind.InvalidArgument, "CountWithoutInterval", "-Count sets how many -Interval samples to take; without -Interval there is only one reading.", "Add -Interval (e.g. -Interval 1 -Count 10), or leave out -Count.");
        }
        if (Bound(nameof(Interval)))
        {
            return SamplingPlan.ForIntervals(Interval, Bound(nameof(Count)) ? Count : null);
        }
        if (Session is not null)
        {
            return SamplingPlan.SinceStart;
        }
        // A cmdlet without a default duration (Zero) collects until Ctrl+C.
        return Bound(nameof(Duration)) || Duration > TimeSpan.Zero ? SamplingPlan.ForDuration(Duration) : SamplingPlan.UntilStopped;
    }
}

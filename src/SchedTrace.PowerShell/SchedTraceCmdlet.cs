using System.Management.Automation;
using SchedTrace.Interop;

namespace SchedTrace.PowerShell;

/// <summary>
/// What every SchedTrace cmdlet shares: turning core errors into ErrorRecords, starting a session
/// with libbpf's log on -Verbose and notices as warnings, and a token that StopProcessing cancels.
/// </summary>
public abstract class SchedTraceCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource stopping = new();

    /// <summary>Cancelled when the user presses Ctrl+C or the pipeline stops.</summary>
    protected CancellationToken Cancellation => stopping.Token;

    protected override void StopProcessing() => stopping.Cancel();

    /// <summary>
    /// Starts a session; libbpf's log goes to the verbose stream, notices to warnings. The note on
    /// how schedule() is timed is verbose too, unless the session fell back to sched_switch alone,
    /// which measures less: the session's ScheduleMethod (and each row's Method) says which it is.
    /// </summary>
    protected SchedTraceSession StartSession(SchedTraceSessionOptions options)
    {
        // libbpf calls back from native code: collect, then write from here on the pipeline thread.
        var log = new List<string>();
        var notices = new List<string>();
        SchedTraceSession? session = null;
        try
        {
            // Every option as given (filters, event types, buffer, latency), with the callbacks set here.
            session = SchedTraceSession.Start(options with
            {
                Log = (level, text) => log.Add($"libbpf {level.ToString().ToLowerInvariant()}: {text}"),
                Notice = notices.Add,
            });
            return session;
        }
        finally
        {
            log.ForEach(WriteVerbose);
            foreach (var notice in notices)
            {
                if (IsScheduleMethodNote(session, notice))
                {
                    WriteVerbose(notice);
                }
                else
                {
                    WriteWarning(notice);
                }
            }
        }
    }

    private static bool IsScheduleMethodNote(SchedTraceSession? session, string notice) =>
        session is not null
        && notice == session.ScheduleMethodNote
        && session.ScheduleMethod != ScheduleTimeMethod.SwitchTracepoint;

    protected bool Bound(string parameter) => MyInvocation.BoundParameters.ContainsKey(parameter);

    /// <summary>Runs a collection on the pipeline thread, with Write-Progress for a fixed duration.</summary>
    protected IEnumerable<T> Collect<T>(SamplingPlan plan, string activity, Func<Action<CollectionProgress>?, IEnumerable<T>> collect)
    {
        var progress = new ProgressRecord(1, activity, "Collecting in the kernel");
        Action<CollectionProgress>? report = plan.Mode == SamplingMode.Duration
            ? p =>
            {
                progress.PercentComplete = p.PercentComplete;
                progress.SecondsRemaining = (int)Math.Ceiling(p.Remaining.TotalSeconds);
                WriteProgress(progress);
            }
            : null;
        foreach (var item in collect(report))
        {
            if (report is not null)
            {
                progress.RecordType = ProgressRecordType.Completed;
                WriteProgress(progress);
            }
            yield return item;
        }
    }

    /// <summary>A core failure as a terminating error with its stable id, category and advice.</summary>
    protected void ThrowTerminating(SchedTraceException exception, object? target = null) =>
        ThrowTerminatingError(ToErrorRecord(exception, target));

    internal static ErrorRecord ToErrorRecord(SchedTraceException exception, object? target)
    {
        var record = new ErrorRecord(exception, exception.ErrorId, CategoryFor(exception.Kind), target)
        {
            ErrorDetails = new ErrorDetails(exception.Message) { RecommendedAction = exception.RecommendedAction },
        };
        return record;
    }

    internal static ErrorCategory CategoryFor(SchedTraceErrorKind kind) => kind switch
    {
        SchedTraceErrorKind.PermissionDenied => ErrorCategory.PermissionDenied,
        SchedTraceErrorKind.NotSupported => ErrorCategory.NotEnabled,
        SchedTraceErrorKind.NotInstalled => ErrorCategory.NotInstalled,
        SchedTraceErrorKind.AttachFailed => ErrorCategory.ResourceUnavailable,
        SchedTraceErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
        SchedTraceErrorKind.SessionStopped => ErrorCategory.InvalidOperation,
        SchedTraceErrorKind.KernelCallFailed => ErrorCategory.ReadError,
        SchedTraceErrorKind.AlreadyExists => ErrorCategory.ResourceExists,
        _ => ErrorCategory.NotSpecified,
    };

    public void Dispose()
    {
        stopping.Dispose();
        GC.SuppressFinalize(this);
    }
}

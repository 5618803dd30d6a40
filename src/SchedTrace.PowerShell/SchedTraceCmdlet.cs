using System.Globalization;
using System.Management.Automation;
using SchedTrace.Interop;

namespace SchedTrace.PowerShell;

/// <summary>
/// What every SchedTrace cmdlet shares: turning core errors into ErrorRecords, starting a session
/// with libbpf's log on -Verbose and notices as warnings, and a token that ends its collection.
/// </summary>
public abstract class SchedTraceCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource stopping = new();

    /// <summary>
    /// Cancelled when the collection must end: Ctrl+C read as a key in a console (see
    /// <see cref="ReadingCtrlC"/>; the cmdlet then writes what it gathered), or the pipeline
    /// stopping (StopProcessing; nothing more can be written).
    /// </summary>
    protected CancellationToken Cancellation => stopping.Token;

    protected override void StopProcessing()
    {
        try
        {
            stopping.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // A stopped pipeline can dispose a command before StopProcessing reaches it: it has ended already.
        }
    }

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

    /// <summary>
    /// Runs a collection on the pipeline thread, with Ctrl+C read as a key (<see cref="ReadingCtrlC"/>),
    /// and Write-Progress for a fixed duration (the time left) or until Ctrl+C (the time so far).
    /// </summary>
    protected IEnumerable<T> Collect<T>(SamplingPlan plan, string activity, Func<Action<CollectionProgress>?, IEnumerable<T>> collect)
    {
        var progress = new ProgressRecord(1, activity, "Collecting in the kernel");
        Action<CollectionProgress>? report = plan.Mode switch
        {
            SamplingMode.Duration => p =>
            {
                progress.PercentComplete = p.PercentComplete;
                progress.SecondsRemaining = (int)Math.Ceiling(p.Remaining.TotalSeconds);
                WriteProgress(progress);
            },
            SamplingMode.UntilStopped => p =>
            {
                progress.StatusDescription = string.Create(CultureInfo.InvariantCulture, $"Press Ctrl+C to stop and write the reading ({(int)p.Elapsed.TotalHours}:{p.Elapsed:mm\\:ss} so far)");
                WriteProgress(progress);
            },
            _ => null,
        };
        // Cleared before the first output and, should there be none, at the end.
        bool showing = report is not null;
        foreach (var item in ReadingCtrlC(collect(report)))
        {
            if (showing)
            {
                CompleteProgress(progress);
                showing = false;
            }
            yield return item;
        }
        if (showing)
        {
            CompleteProgress(progress);
        }
    }

    private void CompleteProgress(ProgressRecord progress)
    {
        progress.RecordType = ProgressRecordType.Completed;
        WriteProgress(progress);
    }

    /// <summary>
    /// Enumerates a collection with Ctrl+C read as a key where pwsh's console allows it
    /// (<see cref="ConsoleInterrupt"/>): the key cancels <see cref="Cancellation"/>, the core ends
    /// the collection with what it gathered, and the pipeline completes. The terminal's Ctrl+C is
    /// restored when the enumeration ends, however it ends.
    /// </summary>
    protected IEnumerable<T> ReadingCtrlC<T>(IEnumerable<T> collection)
    {
        using var ctrlC = ConsoleInterrupt.TryStart(Host, stopping.Cancel);
        foreach (var item in collection)
        {
            yield return item;
        }
    }

    /// <summary>
    /// Refuses a collection that only Ctrl+C ends where Ctrl+C cannot be read as a key (remoting,
    /// jobs, redirected input): it would run until the pipeline is stopped, and a stopped pipeline
    /// writes nothing. <paramref name="instead"/> says what to do.
    /// </summary>
    protected void ThrowIfCtrlCUnreadable(string instead)
    {
        if (!ConsoleInterrupt.IsAvailable(Host))
        {
            throw new SchedTraceException(
                SchedTraceErrorKind.InvalidArgument,
                "DurationRequired",
                $"Without -Duration, {MyInvocation.MyCommand.Name} collects until Ctrl+C, and this host cannot read Ctrl+C (no console: a remote session, a job, or redirected input). Stopping the pipeline instead would write nothing.",
                instead);
        }
    }

    /// <summary>
    /// Writes a record with the type name of its variant's view inserted first
    /// (<see cref="RecordViews.TypeNameFor"/>), so that a one-shot reading, -Interval samples or
    /// -Total rows each show only the columns they fill.
    /// </summary>
    protected void WriteRecord(object record)
    {
        if (RecordViews.TypeNameFor(record) is not { } viewTypeName)
        {
            WriteObject(record);
            return;
        }
        var decorated = new PSObject(record);
        decorated.TypeNames.Insert(0, viewTypeName);
        WriteObject(decorated);
    }

    /// <summary><see cref="WriteRecord"/> for each of <paramref name="records"/>.</summary>
    protected void WriteRecords<T>(IEnumerable<T> records)
        where T : notnull
    {
        foreach (var record in records)
        {
            WriteRecord(record);
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
        _ => ErrorCategory.NotSpecified,
    };

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            stopping.Dispose();
        }
    }
}

using System.Globalization;
using System.Management.Automation;

namespace SchedTrace.PowerShell;

/// <summary>
/// What every SchedTrace cmdlet shares: turning core errors into ErrorRecords, starting a session
/// (what it set up on -Verbose, libbpf's own log on -Debug, notices as warnings), progress, and a
/// token that ends its collection.
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
    /// Starts a session. -Verbose says what it set up (the core's description: hooks, fallback,
    /// kernel filters, table sizes); libbpf's own log goes to the debug stream, and its debug-level
    /// lines are only formatted with -Debug. Notices are warnings. The note on how schedule() is
    /// timed is verbose too, unless the session fell back to sched_switch alone, which measures
    /// less: the session's ScheduleMethod (and each row's Method) says which it is.
    /// <paramref name="describe"/>: false when the caller says what was set up once the session
    /// has its Id (Start-SchedTrace's kept sessions get it after the attach).
    /// </summary>
    protected SchedTraceSession StartSession(SchedTraceSessionOptions options, bool describe = true)
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
                LogLevel = DebugWanted ? SchedTraceLogLevel.Debug : SchedTraceLogLevel.Info,
                Notice = notices.Add,
            });
            if (describe)
            {
                WriteSetupVerbose(session);
            }
            return session;
        }
        finally
        {
            log.ForEach(WriteDebug);
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

    /// <summary>What <paramref name="session"/> set up, on -Verbose (the core's description).</summary>
    protected void WriteSetupVerbose(SchedTraceSession session)
    {
        foreach (var line in session.DescribeSetup())
        {
            WriteVerbose(line);
        }
    }

    private static bool IsScheduleMethodNote(SchedTraceSession? session, string notice) =>
        session is not null
        && notice == session.ScheduleMethodNote
        && session.ScheduleMethod != ScheduleTimeMethod.SwitchTracepoint;

    protected bool Bound(string parameter) => MyInvocation.BoundParameters.ContainsKey(parameter);

    /// <summary>
    /// A line of -Verbose. PowerShell makes -Debug alone imply verbose output that asks before each
    /// verbose line of a compiled cmdlet (and fails where no one can answer, as in pwsh
    /// -NonInteractive), so under -Debug without -Verbose the line goes to the debug stream.
    /// </summary>
    protected new void WriteVerbose(string text)
    {
        if (Switch("Debug") && !Bound("Verbose"))
        {
            WriteDebug(text);
        }
        else
        {
            base.WriteVerbose(text);
        }
    }

    private bool Switch(string parameter) =>
        MyInvocation.BoundParameters.TryGetValue(parameter, out var value) && (value is SwitchParameter { IsPresent: true } || value is true);

    /// <summary>
    /// Whether this command writes debug output: -Debug, or $DebugPreference without it. Only then
    /// are libbpf's debug-level lines worth formatting.
    /// </summary>
    private bool DebugWanted =>
        Bound("Debug")
            ? Switch("Debug")
            : Enum.TryParse<ActionPreference>(GetVariableValue("DebugPreference")?.ToString(), ignoreCase: true, out var preference)
              && preference is not (ActionPreference.SilentlyContinue or ActionPreference.Ignore);

    /// <summary>
    /// Runs a collection on the pipeline thread, with Ctrl+C read as a key (<see cref="ReadingCtrlC"/>),
    /// and Write-Progress for a fixed duration (the time left) or until Ctrl+C (the time so far, no
    /// percentage: <see cref="CollectionProgressBar"/>).
    /// </summary>
    protected IEnumerable<T> Collect<T>(SamplingPlan plan, string activity, Func<Action<CollectionProgress>?, IEnumerable<T>> collect)
    {
        var progress = new CollectionProgressBar(this, activity);
        Action<CollectionProgress>? report = plan.Mode is SamplingMode.Duration or SamplingMode.UntilStopped ? progress.Report : null;
        // Taken down before the first output and, should there be none, at the end.
        foreach (var item in ReadingCtrlC(collect(report)))
        {
            progress.Complete();
            yield return item;
        }
        progress.Complete();
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

    /// <summary>The verbose line for one reading: its window, and what it kept beyond the kernel filters.</summary>
    protected void WriteReadingVerbose(int sample, DateTime windowStart, DateTime windowEnd, TimeSpan duration, params string[] selection) =>
        WriteVerbose(Narration.Window(sample, windowStart, windowEnd, duration, selection));

    /// <summary>
    /// Parameters that set up a new session mean nothing to a running one, whose kernel side
    /// Start-SchedTrace fixed: given with -Session, they end the command (ParameterNotForSession).
    /// </summary>
    protected void RefuseForSession(IEnumerable<string> parameters)
    {
        var given = parameters.Select(p => "-" + p).ToList();
        if (given.Count == 0)
        {
            return;
        }
        var list = given.Count == 1 ? given[0] : string.Join(", ", given.Take(given.Count - 1)) + " and " + given[^1];
        ThrowTerminating(new SchedTraceException(
            SchedTraceErrorKind.InvalidArgument,
            "ParameterNotForSession",
            $"{list} {(given.Count == 1 ? "sets" : "set")} up a new session; a running session's kernel filters and settings were fixed when Start-SchedTrace started it.",
            $"Leave out {list} to read the session, or leave out -Session to start a new session with {(given.Count == 1 ? "it" : "them")} (Start-SchedTrace takes them too)."));
    }

    /// <summary>A warning for each kind of loss in <paramref name="losses"/> (the core's words, with PowerShell's parameters).</summary>
    protected void WriteLosses(LossReport losses)
    {
        foreach (var warning in losses.Warnings())
        {
            WriteWarning(PowerShellSyntax.Format(warning));
        }
    }

    /// <summary>A failure about one piped input: written, and the next input is still processed.</summary>
    protected void WriteInputError(SchedTraceException exception, object? target) => WriteError(ToErrorRecord(exception, target));

    /// <summary>As Get-Process writes it for a name or id that matched nothing: ObjectNotFound, not terminating.</summary>
    internal static ErrorRecord NotFound(string message, string errorId, object target, string recommendedAction) =>
        new(new ItemNotFoundException(message), errorId, ErrorCategory.ObjectNotFound, target)
        {
            ErrorDetails = new ErrorDetails(message) { RecommendedAction = recommendedAction },
        };

    /// <summary>A core failure as a terminating error with its stable id, category and advice.</summary>
    protected void ThrowTerminating(SchedTraceException exception, object? target = null) =>
        ThrowTerminatingError(ToErrorRecord(exception, target));

    internal static ErrorRecord ToErrorRecord(SchedTraceException exception, object? target)
    {
        var record = new ErrorRecord(exception, exception.ErrorId, CategoryFor(exception.Kind), target)
        {
            // The core names options neutrally; the user reads them as PowerShell parameters.
            ErrorDetails = new ErrorDetails(PowerShellSyntax.Format(exception.MessageText)) { RecommendedAction = PowerShellSyntax.Format(exception.RecommendedActionText) },
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
        SchedTraceErrorKind.LimitReached => ErrorCategory.LimitsExceeded,
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

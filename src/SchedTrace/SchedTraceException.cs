namespace SchedTrace;

/// <summary>What went wrong, in terms a front end can map to its own vocabulary
/// (PowerShell ErrorCategory, CLI exit code).</summary>
public enum SchedTraceErrorKind
{
    /// <summary>Not root and lacking CAP_BPF and CAP_PERFMON.</summary>
    PermissionDenied,
    /// <summary>The kernel lacks a feature SchedTrace needs (BTF, a hook).</summary>
    NotSupported,
    /// <summary>A library SchedTrace needs (libbpf.so.1) is not installed.</summary>
    NotInstalled,
    /// <summary>The BPF object did not load or no hook could be attached.</summary>
    AttachFailed,
    /// <summary>A parameter value the engine cannot use.</summary>
    InvalidArgument,
    /// <summary>The session was stopped: there is nothing more to collect from it (its final figures stay readable).</summary>
    SessionStopped,
    /// <summary>A map read or another kernel call failed after attach.</summary>
    KernelCallFailed,
    /// <summary>Something with that name already exists (a session name that is in use).</summary>
    AlreadyExists,
    /// <summary>A limit of the process or the machine stopped the load (open files, locked memory).</summary>
    LimitReached,
}

/// <summary>
/// Every failure SchedTrace reports. <see cref="ErrorId"/> is stable (PowerShell uses it as
/// the FullyQualifiedErrorId prefix); <see cref="RecommendedAction"/> tells the user what to do.
/// The texts name options neutrally (<see cref="SchedTraceOption"/>): <see cref="Exception.Message"/>
/// and <see cref="RecommendedAction"/> are the neutral spelling, and each front end writes
/// <see cref="MessageText"/> and <see cref="RecommendedActionText"/> in its own syntax.
/// </summary>
public sealed class SchedTraceException : Exception
{
    public SchedTraceException(SchedTraceErrorKind kind, string errorId, SchedTraceMessage.Builder message, SchedTraceMessage.Builder recommendedAction, Exception? inner = null)
        : this(kind, errorId, message.ToMessage(), recommendedAction.ToMessage(), inner)
    {
    }

    private SchedTraceException(SchedTraceErrorKind kind, string errorId, SchedTraceMessage message, SchedTraceMessage recommendedAction, Exception? inner)
        : base(message.ToString(), inner)
    {
        Kind = kind;
        ErrorId = errorId;
        MessageText = message;
        RecommendedActionText = recommendedAction;
    }

    public SchedTraceErrorKind Kind { get; }

    public string ErrorId { get; }

    /// <summary>What went wrong, with the options it names kept apart for a front end to spell.</summary>
    public SchedTraceMessage MessageText { get; }

    /// <summary>What to do, with the options it names kept apart for a front end to spell.</summary>
    public SchedTraceMessage RecommendedActionText { get; }

    /// <summary><see cref="RecommendedActionText"/> in the neutral spelling.</summary>
    public string RecommendedAction => RecommendedActionText.ToString();

    /// <summary>errno of the failed kernel or libbpf call, when there was one.</summary>
    public int? Errno { get; init; }

    /// <summary>For HookAttachFailed: what each attempt said, e.g. "fentry/schedule did not load (...)".</summary>
    internal IReadOnlyList<string> HookFailures { get; init; } = Array.Empty<string>();
}

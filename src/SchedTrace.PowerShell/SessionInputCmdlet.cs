namespace SchedTrace.PowerShell;

/// <summary>
/// How the cmdlets that read a session take pipeline input, readings (<see cref="SessionReadingCmdlet"/>)
/// and streams (<see cref="WatchCmdlet"/>) alike: a piped session is read at once, one reading
/// per session, and a failure is written for that session alone; the process (and thread) ids of
/// other piped objects (Get-Process output, rows of these cmdlets) are gathered, and one reading
/// over all of them is taken at the end, of a new session or of the -Session given on the command
/// line. The parameters themselves are declared by each cmdlet or family (PowerShell lists a
/// base class's parameters after the derived class's own, and their order is part of the help).
/// </summary>
public abstract class SessionInputCmdlet : SchedTraceCmdlet
{
    private bool sessionOnCommandLine;
    private bool processIdsOnCommandLine;
    private bool threadIdsOnCommandLine;
    private readonly PipedIds pipedIds = new();

    /// <summary>
    /// The -Id values typed on the command line. Only these are reported when they matched
    /// nothing (ProcessIdNotFound): a process piped in existed, and one that did not run in the
    /// window simply has no row, as in a reading without -Id.
    /// </summary>
    private protected IReadOnlyCollection<int> TypedProcessIds { get; private set; } = Array.Empty<int>();

    /// <summary>This input's -Session: bound from the command line, or piped (by value or by property name).</summary>
    private protected abstract SchedTraceSession? SessionInput { get; }

    /// <summary>This input's -Id (and -ThreadId, where the cmdlet has one); null when not bound.</summary>
    private protected abstract int[]? ProcessIdInput { get; }

    private protected virtual int[]? ThreadIdInput => null;

    /// <summary>The cmdlet's parameters that only set up a new session (ParameterNotForSession with -Session).</summary>
    private protected virtual IEnumerable<string> NewSessionParameters(bool idsOnCommandLine, bool threadIdsOnCommandLine) => Array.Empty<string>();

    /// <summary>What the cmdlet prepares once, before any input (-Name patterns); a bad parameter ends the command here.</summary>
    private protected virtual void Prepare()
    {
    }

    /// <summary>What only the reading at the end of the input must check before it starts; a refusal ends the command.</summary>
    private protected virtual void CheckEndOfInput()
    {
    }

    /// <summary>
    /// One reading of <paramref name="session"/>, or of a session started for it when null, over
    /// these process and thread ids (empty: every one).
    /// </summary>
    private protected abstract void Run(SchedTraceSession? session, IReadOnlyList<int> processIds, IReadOnlyList<int> threadIds);

    protected override void BeginProcessing()
    {
        // Only the command line is bound yet: what is bound later came from the pipeline.
        sessionOnCommandLine = Bound("Session");
        processIdsOnCommandLine = Bound("Id");
        TypedProcessIds = processIdsOnCommandLine ? ProcessIdInput ?? Array.Empty<int>() : Array.Empty<int>();
        threadIdsOnCommandLine = Bound("ThreadId");
        Prepare();
    }

    protected override void ProcessRecord()
    {
        if (SessionInput is { } piped && !sessionOnCommandLine)
        {
            // A piped session is also bound by property name to -Id (its own Id): no process id,
            // so only the command line's ids count.
            RefuseForSession(NewSessionParameters(processIdsOnCommandLine, threadIdsOnCommandLine));
            try
            {
                Run(piped, Ids(processIdsOnCommandLine ? ProcessIdInput : null), Ids(threadIdsOnCommandLine ? ThreadIdInput : null));
            }
            catch (SchedTraceException e)
            {
                WriteInputError(e, piped);
            }
            return;
        }
        pipedIds.Add(ProcessIdInput, ThreadIdInput);
    }

    protected override void EndProcessing()
    {
        if (!pipedIds.Any)
        {
            return;
        }
        try
        {
            CheckEndOfInput();
            if (SessionInput is not null)
            {
                // Ids piped along with a -Session given on the command line are as good as typed.
                RefuseForSession(NewSessionParameters(processIdsOnCommandLine || pipedIds.HasProcessIds, threadIdsOnCommandLine || pipedIds.HasThreadIds));
            }
            Run(SessionInput, pipedIds.ProcessIds, pipedIds.ThreadIds);
        }
        catch (SchedTraceException e)
        {
            ThrowTerminating(e, SessionInput);
        }
    }

    private static IReadOnlyList<int> Ids(int[]? ids) => ids?.Distinct().ToList() ?? (IReadOnlyList<int>)Array.Empty<int>();
}

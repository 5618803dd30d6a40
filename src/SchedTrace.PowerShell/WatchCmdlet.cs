namespace SchedTrace.PowerShell;

/// <summary>
/// What the two streaming cmdlets share (Watch-SchedEvent, Watch-PriorityInversion): pipeline
/// input as <see cref="SessionInputCmdlet"/> takes it (piped sessions watched one after the other,
/// the ids of other piped objects gathered into one watch at the end), -Name checked before
/// anything is attached, the session they start for a watch and dispose after it, and writing a
/// watch with its progress, Ctrl+C and its losses. Each cmdlet declares its parameters and
/// says what its watch writes.
/// </summary>
public abstract class WatchCmdlet : SessionInputCmdlet
{
    /// <summary>This input's -Name.</summary>
    private protected abstract string[]? NameInput { get; }

    /// <summary>The session to start when no -Session is given, for these process and thread ids.</summary>
    private protected abstract SchedTraceSessionOptions NewSession(IReadOnlyList<int> processIds, IReadOnlyList<int> threadIds);

    /// <summary>One watch of <paramref name="session"/>; <paramref name="newSession"/> when this command started it.</summary>
    private protected abstract void Watch(SchedTraceSession session, IReadOnlyList<int> processIds, bool newSession);

    /// <summary>A malformed -Name ends the command here, before anything is attached.</summary>
    private protected override void Prepare() => _ = NamesFilter();

    /// <summary>A fresh -Name filter: which literal names met a record is a question about one watch.</summary>
    private protected ProcessNameFilter NamesFilter() => new(NameInput, this);

    private protected sealed override void Run(SchedTraceSession? session, IReadOnlyList<int> processIds, IReadOnlyList<int> threadIds)
    {
        if (session is not null)
        {
            Watch(session, processIds, newSession: false);
            return;
        }
        using var started = StartSession(NewSession(processIds, threadIds));
        Watch(started, processIds, newSession: true);
    }

    /// <summary>
    /// Writes each record of <paramref name="watch"/> as it comes (the caller reads Ctrl+C around
    /// it: <see cref="SchedTraceCmdlet.ReadingCtrlC"/>, or <see cref="SchedTraceCmdlet.Collect"/>),
    /// then takes <paramref name="progress"/> down and warns of what the watch lost. Returns how
    /// many records were written.
    /// </summary>
    private protected int WriteWatch<T>(IEnumerable<T> watch, CollectionProgressBar progress, Func<LossReport> losses)
    {
        int written = 0;
        foreach (var record in watch)
        {
            WriteObject(record);
            written++;
        }
        progress.Complete();
        // Losses are reported, never silent: here, and on the session object.
        WriteLosses(losses());
        return written;
    }
}

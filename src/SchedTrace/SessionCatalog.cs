namespace SchedTrace;

/// <summary>
/// The sessions kept for later commands (Start-SchedTrace's), by Id and by name. Only a kept
/// session gets an Id: 1, 2, 3... in the order sessions were kept, never reused, so readings
/// that start a session of their own consume none. Names are unique among kept sessions,
/// ignoring case as PowerShell does; the default is SchedTrace&lt;Id&gt;. Safe to use from
/// several threads (PowerShell runspaces) at once.
/// </summary>
public sealed class SessionCatalog
{
    /// <summary>A session without a name of its own is named this, followed by its Id.</summary>
    public const string DefaultNamePrefix = "SchedTrace";

    private readonly object gate = new();
    private readonly List<SchedTraceSession> sessions = new();

    /// <summary>Names asked for by starts still attaching: taken already, so that two cannot both win.</summary>
    private readonly HashSet<string> starting = new(StringComparer.OrdinalIgnoreCase);

    private int lastId;

    /// <summary>The kept sessions, in Id order (a copy).</summary>
    public IReadOnlyList<SchedTraceSession> Sessions
    {
        get
        {
            lock (gate)
            {
                return sessions.ToArray();
            }
        }
    }

    /// <summary>
    /// Starts a session with <paramref name="start"/> (which attaches it, e.g.
    /// <see cref="SchedTraceSession.Start"/>) and keeps it. A name that a kept session, or one
    /// still starting, already has is refused before anything is attached (SessionNameInUse).
    /// The Id is given once the session has attached, so a start that fails consumes none.
    /// </summary>
    public SchedTraceSession Start(SchedTraceSessionOptions options, Func<SchedTraceSessionOptions, SchedTraceSession> start)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(start);
        string? name = string.IsNullOrWhiteSpace(options.Name) ? null : options.Name;
        if (name is not null)
        {
            lock (gate)
            {
                if (InUse(name) is { } taken)
                {
                    throw NameInUse(name, taken);
                }
                starting.Add(name);
            }
        }
        SchedTraceSession session;
        try
        {
            session = start(options);
        }
        catch
        {
            Release(name);
            throw;
        }
        lock (gate)
        {
            int id = ++lastId;
            // A default name that a session was given on purpose is not taken from it: skip to the next Id.
            while (name is null && InUse(DefaultNamePrefix + id) is not null)
            {
                id = ++lastId;
            }
            session.Keep(id, name ?? DefaultNamePrefix + id);
            sessions.Add(session);
            if (name is not null)
            {
                starting.Remove(name);
            }
        }
        return session;
    }

    /// <summary>Stops <paramref name="session"/>, keeping its final figures, and forgets it: its name is free again.</summary>
    public void Stop(SchedTraceSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        session.Stop();
        lock (gate)
        {
            sessions.Remove(session);
        }
    }

    /// <summary>Releases every kept session without a final reading (the module is going away) and forgets them.</summary>
    public void DisposeAll()
    {
        SchedTraceSession[] all;
        lock (gate)
        {
            all = sessions.ToArray();
            sessions.Clear();
        }
        foreach (var session in all)
        {
            session.Dispose();
        }
    }

    private void Release(string? name)
    {
        if (name is null)
        {
            return;
        }
        lock (gate)
        {
            starting.Remove(name);
        }
    }

    /// <summary>Who has <paramref name="name"/>: the kept session, a start still attaching (""), or nobody (null).</summary>
    private string? InUse(string name)
    {
        var kept = sessions.Find(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
        return kept is not null ? kept.Describe() : starting.Contains(name) ? "" : null;
    }

    private static SchedTraceException NameInUse(string name, string holder) => new(
        SchedTraceErrorKind.AlreadyExists,
        "SessionNameInUse",
        holder.Length > 0
            ? $"The name '{name}' is in use: {holder} has it."
            : $"The name '{name}' is in use: a session of that name is starting.",
        $"Pick another name, or stop that session first ({SchedTraceOption.StopSession} {SchedTraceOption.Named("Name", name)}).");
}

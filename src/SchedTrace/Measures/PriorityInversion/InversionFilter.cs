namespace SchedTrace;

/// <summary>The user-space filters of a priority-inversion watch, shared by the cmdlet and the CLI.</summary>
public static class InversionFilter
{
    /// <summary>
    /// Keeps an alert when any task in it (waiting, owner, or one that ran instead) belongs to one of
    /// <paramref name="processIds"/> and any has a name <paramref name="names"/> matches, and when it
    /// lasted at least <paramref name="minimumWait"/>. Null or empty: no condition. Null when there is
    /// nothing to filter.
    /// </summary>
    public static Func<PriorityInversion, bool>? Create(IReadOnlyCollection<int>? processIds, IReadOnlyCollection<Func<string, bool>>? names, TimeSpan? minimumWait)
    {
        bool byId = processIds is { Count: > 0 }, byName = names is { Count: > 0 }, byWait = minimumWait is not null;
        if (!byId && !byName && !byWait)
        {
            return null;
        }
        return alert =>
            (!byId || alert.ProcessIds().Any(processIds!.Contains))
            && (!byName || alert.TaskNames().Any(n => names!.Any(match => match(n))))
            && (!byWait || alert.Wait >= minimumWait!.Value);
    }
}

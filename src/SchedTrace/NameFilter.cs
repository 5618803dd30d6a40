namespace SchedTrace;

/// <summary>
/// The task-name filter of every cmdlet's -Name and every CLI verb's --name: names matched
/// against the kernel's comm, ignoring case. A name with wildcards is a <see cref="NamePattern"/>;
/// a name without is the name it unescapes to, compared as the kernel keeps it, on its first 15
/// bytes (<see cref="CommName"/>), ignoring case as .NET's ordinal comparison does. As
/// Get-Process does, a front end reports a literal name that matched nothing
/// (<see cref="LiteralMisses"/>); a pattern that matched nothing is not a miss.
/// </summary>
public sealed class NameFilter
{
    /// <summary>Each name as given (unescaped if literal), the comm a task of a literal name has, and the pattern of a wildcard one.</summary>
    private readonly List<(string Text, string Comm, NamePattern? Pattern)> names = new();

    /// <summary>The names a streaming filter has matched so far (<see cref="MatchesAny"/>).</summary>
    private readonly HashSet<string> matched = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Reads each name once; a malformed pattern ('a[') is an InvalidArgument <see cref="SchedTraceException"/> (<see cref="NamePattern.InvalidPatternId"/>).</summary>
    public NameFilter(IEnumerable<string>? names)
    {
        foreach (var name in names ?? Array.Empty<string>())
        {
            if (NamePattern.ContainsWildcards(name))
            {
                this.names.Add((name, name, NamePattern.Parse(name)));
            }
            else
            {
                var literal = NamePattern.Unescape(name);
                this.names.Add((literal, CommName.Of(literal), null));
            }
        }
    }

    /// <summary>The matcher for a core query; null when there are no names (nothing to filter).</summary>
    public Func<string, bool>? Filter => names.Count == 0 ? null : Matches;

    /// <summary>The one literal name, when that is all the filter holds: the kernel can compare it itself.</summary>
    public string? SingleLiteral => names is [{ Pattern: null } only] ? only.Text : null;

    /// <summary>Whether any name matches <paramref name="comm"/>.</summary>
    public bool Matches(string comm) => names.Any(name => NameMatches(name, comm));

    /// <summary>
    /// For a stream (events, alerts): whether any of a record's task names matches, remembering the
    /// ones that did, so <see cref="UnmatchedLiterals"/> can tell at the end which names never met one.
    /// </summary>
    public bool MatchesAny(IEnumerable<string> comms)
    {
        bool any = false;
        foreach (var comm in comms)
        {
            if (Matches(comm))
            {
                any = true;
                matched.Add(comm);
            }
        }
        return any;
    }

    /// <summary>The literal names that <see cref="MatchesAny"/> never matched.</summary>
    public IEnumerable<string> UnmatchedLiterals => LiteralMisses(matched);

    /// <summary>The names without wildcards that match none of <paramref name="comms"/>.</summary>
    public IEnumerable<string> LiteralMisses(IReadOnlyCollection<string> comms) =>
        names.Where(n => n.Pattern is null && !comms.Any(comm => NameMatches(n, comm))).Select(n => n.Text);

    private static bool NameMatches((string Text, string Comm, NamePattern? Pattern) name, string comm) =>
        name.Pattern is { } pattern
            ? pattern.IsMatch(comm)
            : string.Equals(name.Comm, comm, StringComparison.OrdinalIgnoreCase);
}

using System.Management.Automation;

namespace SchedTrace.PowerShell;

/// <summary>
/// The -Name of every cmdlet that filters tasks by name: names matched against the kernel's comm,
/// with wildcards, ignoring case. A literal name longer than a comm is compared as the kernel
/// keeps it, on its first 15 bytes (<see cref="CommName"/>). As Get-Process does, a literal name
/// that matched nothing is an error (<see cref="NotFoundId"/>); a pattern that matched nothing is not.
/// </summary>
internal sealed class ProcessNameFilter
{
    /// <summary>The error id of a literal name that matched nothing, on every cmdlet.</summary>
    internal const string NotFoundId = "ProcessNameNotFound";

    /// <summary>Each name as given (unescaped if literal), the comm a task of a literal name has, and the pattern of a wildcard one.</summary>
    private readonly List<(string Text, string Comm, WildcardPattern? Pattern)> names = new();

    /// <summary>The names a streaming filter has matched so far (<see cref="MatchesAny"/>).</summary>
    private readonly HashSet<string> matched = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Builds each pattern once; a malformed one ('a[') becomes a terminating InvalidNamePattern error.</summary>
    public ProcessNameFilter(IEnumerable<string>? names, Cmdlet cmdlet)
    {
        foreach (var name in names ?? Array.Empty<string>())
        {
            try
            {
                if (WildcardPattern.ContainsWildcardCharacters(name))
                {
                    this.names.Add((name, name, Parsed(WildcardPattern.Get(name, WildcardOptions.IgnoreCase))));
                }
                else
                {
                    var literal = WildcardPattern.Unescape(name);
                    this.names.Add((literal, CommName.Of(literal), null));
                }
            }
            // PowerShell turns some bracket patterns into a regular expression, which fails as
            // an ArgumentException (RegexParseException) rather than a WildcardPatternException.
            catch (Exception e) when (e is WildcardPatternException or ArgumentException)
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(e, "InvalidNamePattern", ErrorCategory.InvalidArgument, name)
                {
                    ErrorDetails = new ErrorDetails($"'{name}' is not a valid wildcard pattern: {e.Message}") { RecommendedAction = "Escape [ and ] with a backtick, or close the bracket." },
                });
            }
        }
    }

    /// <summary>
    /// WildcardPattern.Get only stores the text: the pattern is parsed on its first match. One
    /// match here makes a malformed pattern fail now, as InvalidNamePattern, rather than as a bare
    /// WildcardPatternException from inside a filter once rows arrive.
    /// </summary>
    private static WildcardPattern Parsed(WildcardPattern pattern)
    {
        _ = pattern.IsMatch(string.Empty);
        return pattern;
    }

    /// <summary>The matcher for a core query; null when no -Name was given (nothing to filter).</summary>
    public Func<string, bool>? Filter => names.Count == 0 ? null : Matches;

    /// <summary>The one literal name, when that is all -Name holds: the kernel can compare it itself.</summary>
    public string? SingleLiteral => names is [{ Pattern: null } only] ? only.Text : null;

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

    /// <summary>The names without wildcards that match none of <paramref name="comms"/>: as Get-Process does, those are errors.</summary>
    public IEnumerable<string> LiteralMisses(IReadOnlyCollection<string> comms) =>
        names.Where(n => n.Pattern is null && !comms.Any(comm => NameMatches(n, comm))).Select(n => n.Text);

    private static bool NameMatches((string Text, string Comm, WildcardPattern? Pattern) name, string comm) =>
        name.Pattern is { } pattern
            ? pattern.IsMatch(comm)
            : string.Equals(name.Comm, comm, StringComparison.OrdinalIgnoreCase);
}

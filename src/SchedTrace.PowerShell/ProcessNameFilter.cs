using System.Management.Automation;

namespace SchedTrace.PowerShell;

/// <summary>
/// The -Name of the process cmdlets: names matched against the kernel's comm, with wildcards,
/// ignoring case. A literal name longer than a comm (15 characters) is compared on its first 15.
/// </summary>
internal sealed class ProcessNameFilter
{
    /// <summary>A comm is at most 15 characters: longer literal names are compared on those.</summary>
    private const int CommLength = 15;

    private readonly List<(string Text, WildcardPattern? Pattern)> names = new();

    /// <summary>Builds each pattern once; a malformed one ('a[') becomes a terminating InvalidNamePattern error.</summary>
    public ProcessNameFilter(IEnumerable<string> names, Cmdlet cmdlet)
    {
        foreach (var name in names)
        {
            try
            {
                this.names.Add(WildcardPattern.ContainsWildcardCharacters(name)
                    ? (name, WildcardPattern.Get(name, WildcardOptions.IgnoreCase))
                    : (WildcardPattern.Unescape(name), null));
            }
            catch (WildcardPatternException e)
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(e, "InvalidNamePattern", ErrorCategory.InvalidArgument, name)
                {
                    ErrorDetails = new ErrorDetails($"'{name}' is not a valid wildcard pattern: {e.Message}") { RecommendedAction = "Escape [ and ] with a backtick, or close the bracket." },
                });
            }
        }
    }

    public bool Matches(string comm) => names.Any(name => NameMatches(name, comm));

    /// <summary>The names without wildcards that match none of <paramref name="comms"/>: as Get-Process does, those are errors.</summary>
    public IEnumerable<string> LiteralMisses(IReadOnlyCollection<string> comms) =>
        names.Where(n => n.Pattern is null && !comms.Any(comm => NameMatches(n, comm))).Select(n => n.Text);

    private static bool NameMatches((string Text, WildcardPattern? Pattern) name, string comm) =>
        name.Pattern is { } pattern
            ? pattern.IsMatch(comm)
            : string.Equals(name.Text.Length > CommLength ? name.Text[..CommLength] : name.Text, comm, StringComparison.OrdinalIgnoreCase);
}

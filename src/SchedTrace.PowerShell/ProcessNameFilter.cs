using System.Management.Automation;

namespace SchedTrace.PowerShell;

/// <summary>
/// The -Name of every cmdlet that filters tasks by name: the core's <see cref="NameFilter"/> (the
/// CLI's --name too), with its malformed patterns turned into this module's terminating error
/// and its literal misses into <see cref="NotFoundId"/> errors, which each cmdlet words.
/// </summary>
internal sealed class ProcessNameFilter
{
    /// <summary>The error id of a literal name that matched nothing, on every cmdlet.</summary>
    internal const string NotFoundId = "ProcessNameNotFound";

    private readonly NameFilter names;

    /// <summary>Reads each name once; a malformed pattern ('a[') becomes a terminating InvalidNamePattern error.</summary>
    public ProcessNameFilter(IEnumerable<string>? names, Cmdlet cmdlet)
    {
        var list = names?.ToList() ?? [];
        foreach (var name in list)
        {
            if (NamePattern.ContainsWildcards(name) && !NamePattern.TryParse(name, out _, out var error))
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(error, NamePattern.InvalidPatternId, ErrorCategory.InvalidArgument, name)
                {
                    ErrorDetails = new ErrorDetails(error.Message) { RecommendedAction = error.RecommendedAction },
                });
            }
        }
        this.names = new NameFilter(list);
    }

    /// <summary>The matcher for a core query; null when no -Name was given (nothing to filter).</summary>
    public Func<string, bool>? Filter => names.Filter;

    /// <summary>The one literal name, when that is all -Name holds: the kernel can compare it itself.</summary>
    public string? SingleLiteral => names.SingleLiteral;

    public bool Matches(string comm) => names.Matches(comm);

    /// <inheritdoc cref="NameFilter.MatchesAny"/>
    public bool MatchesAny(IEnumerable<string> comms) => names.MatchesAny(comms);

    /// <inheritdoc cref="NameFilter.UnmatchedLiterals"/>
    public IEnumerable<string> UnmatchedLiterals => names.UnmatchedLiterals;

    /// <summary>The names without wildcards that match none of <paramref name="comms"/>: as Get-Process does, those are errors.</summary>
    public IEnumerable<string> LiteralMisses(IReadOnlyCollection<string> comms) => names.LiteralMisses(comms);
}

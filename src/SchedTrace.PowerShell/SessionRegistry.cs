using System.Management.Automation;

namespace SchedTrace.PowerShell;

/// <summary>
/// The sessions Start-SchedTrace started in this process, so they outlive the command that
/// started them: one catalog for every runspace of the process (ForEach-Object -Parallel, jobs
/// in threads), which is what keeps Ids and names unique there. Removing the module or exiting
/// the process releases every one of them.
/// </summary>
internal static class SessionRegistry
{
    private static readonly SessionCatalog Catalog = new();

    static SessionRegistry() => AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAll();

    /// <summary>Starts a session with <paramref name="start"/> and keeps it, with the next Id and a unique name.</summary>
    internal static SchedTraceSession Start(SchedTraceSessionOptions options, Func<SchedTraceSessionOptions, SchedTraceSession> start) =>
        Catalog.Start(options, start);

    internal static IReadOnlyList<SchedTraceSession> All => Catalog.Sessions;

    /// <summary>Stops a session, keeping its final figures, and forgets it.</summary>
    internal static void Stop(SchedTraceSession session) => Catalog.Stop(session);

    internal static void StopAll() => Catalog.DisposeAll();
}

/// <summary>Called by PowerShell on Remove-Module: nothing stays attached after the module is gone.</summary>
public sealed class ModuleCleanup : IModuleAssemblyCleanup
{
    public void OnRemove(PSModuleInfo psModuleInfo) => SessionRegistry.StopAll();
}

/// <summary>Completes -Name with the names of running sessions.</summary>
public sealed class SessionNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, System.Management.Automation.Language.CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters)
    {
        var pattern = WildcardPattern.Get((wordToComplete ?? string.Empty).Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
        return SessionRegistry.All
            .Where(s => pattern.IsMatch(s.Name))
            .Select(s => new CompletionResult(QuoteIfNeeded(s.Name), s.Name, CompletionResultType.ParameterValue, $"{s.Name} (Id {s.Id}, {s.State})"));
    }

    private static string QuoteIfNeeded(string name) =>
        name.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '$' or '`') ? "'" + name.Replace("'", "''", StringComparison.Ordinal) + "'" : name;
}

/// <summary>Finds sessions by -Name (wildcards) or -Id, as Get-Process does: a literal miss is an error.</summary>
internal static class SessionLookup
{
    internal static List<SchedTraceSession> Find(string[]? names, int[]? ids, Action<ErrorRecord> writeError)
    {
        var all = SessionRegistry.All.ToList();
        var found = new List<SchedTraceSession>();
        if (ids is not null)
        {
            foreach (int id in ids)
            {
                var match = all.FirstOrDefault(s => s.Id == id);
                if (match is null)
                {
                    writeError(NotFound($"No SchedTrace session has Id {id}.", "SessionIdNotFound", id));
                }
                else if (!found.Contains(match))
                {
                    found.Add(match);
                }
            }
            return found;
        }
        if (names is null)
        {
            return all;
        }
        foreach (var name in names)
        {
            var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
            var matches = all.Where(s => pattern.IsMatch(s.Name)).ToList();
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                writeError(NotFound($"No SchedTrace session is named '{name}'.", "SessionNameNotFound", name));
            }
            found.AddRange(matches.Where(m => !found.Contains(m)));
        }
        return found;
    }

    private static ErrorRecord NotFound(string message, string errorId, object target) =>
        new(new ItemNotFoundException(message), errorId, ErrorCategory.ObjectNotFound, target)
        {
            ErrorDetails = new ErrorDetails(message) { RecommendedAction = "List the running sessions with Get-SchedTrace." },
        };
}

using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text;

namespace SchedTrace.PowerShell;

/// <summary>
/// Completes -Name with the names the cmdlet compares against. Get-ProcessCpuTime: the kernel's
/// comm of each process (/proc/&lt;pid&gt;/comm), or of each thread when -PerThread is given,
/// because thread rows carry the thread's own comm. Watch-SchedEvent: the comm of each thread,
/// always, because every scheduler event names the thread it is about (prev_comm, next_comm,
/// comm), and a worker thread's name is often not its process's. Get-Process names can differ
/// (they are not cut to 15 characters), so they would complete to names that never match.
/// </summary>
public sealed class ProcessNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        bool threads = WantsThreadNames(commandName, fakeBoundParameters);
        var comms = ReadComms(threads);
        var counts = comms.GroupBy(c => c, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        string unit = threads ? "thread" : "process";
        return Matching(comms, wordToComplete).Select(name => new CompletionResult(
            CompletionText(name),
            name,
            CompletionResultType.ParameterValue,
            $"{name} ({counts[name]} {unit}{(counts[name] == 1 ? string.Empty : threads ? "s" : "es")})"));
    }

    /// <summary>
    /// Thread names for Watch-SchedEvent and Watch-PriorityInversion (by name, module-qualified or not), and for any command
    /// given -PerThread. The name is the one typed: under an alias of Watch-SchedEvent the
    /// menu falls back to process names, which are the main threads' names.
    /// </summary>
    internal static bool WantsThreadNames(string? commandName, IDictionary? fakeBoundParameters) =>
        IsWatchSchedEvent(commandName) || WantsThreadNames(fakeBoundParameters);

    private static bool IsWatchSchedEvent(string? commandName)
    {
        if (string.IsNullOrEmpty(commandName))
        {
            return false;
        }
        string unqualified = commandName[(commandName.LastIndexOf('\\') + 1)..];
        // Both watches match -Name against the comm of each thread taking part.
        return string.Equals(unqualified, "Watch-SchedEvent", StringComparison.OrdinalIgnoreCase)
            || string.Equals(unqualified, "Watch-PriorityInversion", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>-PerThread is on the command line (and not -PerThread:$false).</summary>
    internal static bool WantsThreadNames(IDictionary? fakeBoundParameters) =>
        fakeBoundParameters is not null
        && fakeBoundParameters.Contains("PerThread")
        && fakeBoundParameters["PerThread"] switch
        {
            bool on => on,
            SwitchParameter on => on.IsPresent,
            _ => true,
        };

    /// <summary>
    /// The distinct names that start with what was typed, sorted for the menu. The typed word
    /// is a wildcard pattern, as -Name is, with a * added as PowerShell's own completers add
    /// one; quotes the user opened are not part of it. A pattern PowerShell would reject (an
    /// unclosed [) completes to nothing rather than failing the completion.
    /// </summary>
    internal static IReadOnlyList<string> Matching(IEnumerable<string> names, string? wordToComplete)
    {
        var typed = (wordToComplete ?? string.Empty).Trim('\'', '"');
        if (!NamePattern.TryParse(typed + "*", out var pattern, out _))
        {
            return Array.Empty<string>();
        }
        return names
            .Where(n => !string.IsNullOrEmpty(n))
            .Distinct(StringComparer.Ordinal)
            .Where(n => pattern.IsMatch(n))
            .OrderBy(n => n, StringComparer.OrdinalIgnoreCase)
            .ThenBy(n => n, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// What to insert for a name. Wildcard characters in a comm are escaped with `, so -Name
    /// takes the name literally; the result is single-quoted unless every character is one
    /// that PowerShell reads as part of a bare word (kworker/0:1H is; (sd-pam) is not).
    /// </summary>
    internal static string CompletionText(string name)
    {
        var escaped = new StringBuilder(name.Length);
        foreach (char c in name)
        {
            if (c is '*' or '?' or '[' or ']' or '`')
            {
                escaped.Append('`');
            }
            escaped.Append(c);
        }
        string text = escaped.ToString();
        bool bare = text == name && name.Length > 0 && name[0] != '-' && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '/' or ':' or '+');
        return bare ? name : "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    /// <summary>
    /// The comm of every process, or of every thread, one entry each (so duplicates count how
    /// many). A process can exit between listing /proc and reading its comm: it is skipped.
    /// </summary>
    internal static List<string> ReadComms(bool threads)
    {
        var comms = new List<string>();
        foreach (var process in Directory.EnumerateDirectories("/proc"))
        {
            if (!IsPid(Path.GetFileName(process)))
            {
                continue;
            }
            foreach (var file in threads ? CommsOfThreads(process) : [Path.Combine(process, "comm")])
            {
                try
                {
                    // The kernel ends comm with a newline; the name itself cannot contain one.
                    comms.Add(File.ReadAllText(file).TrimEnd('\n'));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Exited since the listing: it has no name to offer any more.
                }
            }
        }
        return comms;
    }

    private static IEnumerable<string> CommsOfThreads(string process)
    {
        try
        {
            return Directory.GetDirectories(Path.Combine(process, "task")).Select(task => Path.Combine(task, "comm"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return []; // the process exited since the listing
        }
    }

    private static bool IsPid(string name) => name.Length > 0 && name.All(char.IsAsciiDigit);
}

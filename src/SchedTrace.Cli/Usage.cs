using System.Text;
using SchedTrace.Cli.Verbs;

namespace SchedTrace.Cli;

/// <summary>
/// The text of `schedtrace --help`, made from the verbs: a line per verb, then a section per
/// verb (verbs that take the same options share one) listing each option it is the first to
/// take, and naming the ones an earlier section described. Every line fits an 80-column terminal.
/// </summary>
internal static class Usage
{
    /// <summary>The columns a line may use: an 80-column terminal, its last column left free.</summary>
    internal const int Width = TextLayout.TerminalWidth;

    private const string VerbIndent = "  ";
    private const int VerbColumn = 12;
    /// <summary>An option's syntax fills this many columns (the two of the indent included); its help starts one column later.</summary>
    private const int OptionColumn = 18;

    /// <summary>What is true of every verb: the names --name takes, the signals that stop a collection, the exit codes.</summary>
    private static readonly string[] Closing =
    [
        "Names (--name) are the kernel's names of tasks, at most 15 bytes, in any case: * matches any characters, ? one, "
            + "[abc] and [a-z] one of a set, and a backtick makes the next character literal (`[). A name without wildcards "
            + "is compared on its first 15 bytes.",
        "Signals: SIGINT (Ctrl+C), SIGTERM and SIGHUP end a collection as --duration ending does: the figures gathered are "
            + "printed, everything is detached, and the exit code is 0. SIGINT is handled even when it was inherited ignored "
            + "(a background job of a script); SIGHUP and SIGTERM inherited ignored stay ignored (nohup). A second signal ends "
            + "schedtrace at once.",
        "Exit codes: 0 ok (also when stopped by one of those signals), 2 bad arguments, 3 permission denied, 4 kernel "
            + "feature missing, 5 library missing, 6 BPF load/attach failed, 7 a limit reached (open files, locked memory), "
            + "1 anything else.",
    ];

    internal static string Text(IReadOnlyList<Verb> verbs)
    {
        var text = new StringBuilder();
        text.AppendLine("Usage: schedtrace <verb> [options]").AppendLine().AppendLine("Verbs:");
        foreach (var verb in verbs)
        {
            Hanging(text, VerbIndent + verb.Name.PadRight(VerbColumn), verb.Summary);
        }
        var described = new HashSet<CliOption>(ReferenceEqualityComparer.Instance);
        foreach (var group in Sections(verbs))
        {
            var first = group[0];
            var named = first.Options.Where(described.Contains).Select(o => "--" + o.Name).ToList();
            text.AppendLine();
            string title = $"Options for {Join(group.Select(v => v.Name).ToList())}" + (named.Count > 0 ? $" (and {string.Join(", ", named)})" : "") + ":";
            Hanging(text, "", title, VerbIndent);
            foreach (var option in first.Options.Where(described.Add))
            {
                string syntax = VerbIndent + option.Syntax;
                if (syntax.Length <= OptionColumn)
                {
                    Hanging(text, syntax.PadRight(OptionColumn) + " ", option.Help);
                }
                else
                {
                    text.AppendLine(syntax);
                    Hanging(text, new string(' ', OptionColumn + 1), option.Help);
                }
            }
            if (first.Note is { } note)
            {
                Hanging(text, new string(' ', OptionColumn + 1), note);
            }
        }
        text.AppendLine().AppendLine(VerbIndent + "--help, --version");
        foreach (var paragraph in Closing)
        {
            text.AppendLine();
            Hanging(text, "", paragraph);
        }
        return text.ToString().TrimEnd('\n', '\r');
    }

    /// <summary>Consecutive verbs that take the same options (the latency verbs) share a section.</summary>
    private static List<List<Verb>> Sections(IReadOnlyList<Verb> verbs)
    {
        var sections = new List<List<Verb>>();
        foreach (var verb in verbs)
        {
            if (sections.Count > 0 && sections[^1][0] is var previous && ReferenceEquals(previous.Options, verb.Options) && previous.Note == verb.Note)
            {
                sections[^1].Add(verb);
            }
            else
            {
                sections.Add([verb]);
            }
        }
        return sections;
    }

    /// <summary>"a", "a and b", "a, b and c".</summary>
    private static string Join(IReadOnlyList<string> names) =>
        names.Count == 1 ? names[0] : string.Join(", ", names.Take(names.Count - 1)) + " and " + names[^1];

    /// <summary>
    /// <paramref name="lead"/> then <paramref name="paragraph"/> wrapped at its spaces to
    /// <see cref="Width"/>, its later lines indented by <paramref name="indent"/> (by default,
    /// under the paragraph's start). A word too long for a line is left whole.
    /// </summary>
    private static void Hanging(StringBuilder text, string lead, string paragraph, string? indent = null)
    {
        indent ??= new string(' ', lead.Length);
        var line = new StringBuilder(lead);
        int start = line.Length;
        foreach (var word in paragraph.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > start && line.Length + 1 + word.Length > Width)
            {
                text.AppendLine(line.ToString());
                line.Clear().Append(indent);
                start = line.Length;
            }
            if (line.Length > start)
            {
                line.Append(' ');
            }
            line.Append(word);
        }
        text.AppendLine(line.ToString());
    }
}

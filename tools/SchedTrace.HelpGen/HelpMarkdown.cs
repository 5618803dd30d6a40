using System.Text;
using System.Text.RegularExpressions;

namespace SchedTrace.HelpGen;

/// <summary>
/// Something the help source says about a named thing (a parameter, an input or output type).
/// <paramref name="StatedDefault"/>: a parameter's "Default value: ..." paragraph, the default in
/// words where the code has none to show (null when the section states none).
/// </summary>
internal sealed record DocumentedItem(string Name, IReadOnlyList<string> Paragraphs, int Line, string? StatedDefault = null, int StatedDefaultLine = 0);

/// <summary>An example: the command, the output it printed, and what it shows.</summary>
internal sealed record HelpExample(string Title, string Code, IReadOnlyList<string> Outputs, IReadOnlyList<string> Remarks);

/// <summary>A related link: a web address, or the name of another help topic (empty uri).</summary>
internal sealed record HelpLink(string Text, string Uri);

/// <summary>The prose half of one cmdlet's help, as written in docs/help/&lt;Cmdlet-Name&gt;.md.</summary>
internal sealed record HelpDocument(
    string Path,
    string Name,
    IReadOnlyList<string> Synopsis,
    IReadOnlyList<string> Description,
    IReadOnlyList<HelpExample> Examples,
    IReadOnlyList<DocumentedItem> Parameters,
    IReadOnlyList<DocumentedItem> Inputs,
    IReadOnlyList<DocumentedItem> Outputs,
    IReadOnlyList<string> Notes,
    IReadOnlyList<HelpLink> Links);

/// <summary>A problem in a help source, reported as an MSBuild error so the build stops on it.</summary>
internal sealed record HelpProblem(string Path, int Line, string Message)
{
    public override string ToString() => $"{Path}({Line}): error SCHEDHELP: {Message}";
}

/// <summary>
/// Parses the help markdown: a deliberately small dialect (the PlatyPS section names, plain
/// paragraphs, "- " lists, fenced code only in examples) so that every construct has one MAML
/// rendering and anything else is an error instead of silently lost text.
/// </summary>
internal static partial class HelpMarkdown
{
    private static readonly string[] Sections =
        ["SYNOPSIS", "DESCRIPTION", "EXAMPLES", "PARAMETERS", "INPUTS", "OUTPUTS", "NOTES", "RELATED LINKS"];

    private static readonly HashSet<string> SectionsWithSubsections = ["EXAMPLES", "PARAMETERS", "INPUTS", "OUTPUTS"];

    /// <summary>How a parameter's section states its default in words: a paragraph of one line.</summary>
    public const string DefaultValuePrefix = "Default value:";

    /// <summary>Get-Help shows the default on one short line, beside "Default value".</summary>
    public const int MaxStatedDefaultLength = 40;

    public static HelpDocument Parse(string path, List<HelpProblem> problems)
    {
        var lines = File.ReadAllLines(path);
        string? name = null;
        var sections = new Dictionary<string, Section>(StringComparer.Ordinal);
        Section? section = null;
        Subsection? subsection = null;

        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            int lineNumber = i + 1;
            if (line.StartsWith("# ", StringComparison.Ordinal))
            {
                if (name is not null)
                {
                    problems.Add(new(path, lineNumber, "only one '# <Cmdlet-Name>' heading is allowed"));
                }
                name = line[2..].Trim();
                continue;
            }
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                var title = line[3..].Trim().ToUpperInvariant();
                if (!Sections.Contains(title))
                {
                    problems.Add(new(path, lineNumber, $"unknown section '{line[3..].Trim()}'; use {string.Join(", ", Sections)}"));
                }
                if (sections.ContainsKey(title))
                {
                    problems.Add(new(path, lineNumber, $"section '{title}' appears twice"));
                }
                section = new Section(title, lineNumber);
                sections[title] = section;
                subsection = null;
                continue;
            }
            if (line.StartsWith("### ", StringComparison.Ordinal))
            {
                if (section is null || !SectionsWithSubsections.Contains(section.Title))
                {
                    problems.Add(new(path, lineNumber, "'###' headings belong under EXAMPLES, PARAMETERS, INPUTS or OUTPUTS"));
                    continue;
                }
                subsection = new Subsection(line[4..].Trim(), lineNumber);
                section.Subsections.Add(subsection);
                continue;
            }
            if (section is null)
            {
                if (line.Trim().Length > 0)
                {
                    problems.Add(new(path, lineNumber, "text before the first '##' section"));
                }
                continue;
            }
            if (subsection is not null)
            {
                subsection.Lines.Add((line, lineNumber));
            }
            else if (SectionsWithSubsections.Contains(section.Title) && line.Trim().Length > 0)
            {
                problems.Add(new(path, lineNumber, $"text in {section.Title} must sit under a '###' heading"));
            }
            else
            {
                section.Lines.Add((line, lineNumber));
            }
        }

        var expectedName = System.IO.Path.GetFileNameWithoutExtension(path);
        if (name != expectedName)
        {
            problems.Add(new(path, 1, $"the first line must be '# {expectedName}' (the file's name)"));
        }

        IReadOnlyList<string> Prose(string title, bool required)
        {
            if (!sections.TryGetValue(title, out var found))
            {
                if (required)
                {
                    problems.Add(new(path, 1, $"section '## {title}' is missing"));
                }
                return [];
            }
            var paragraphs = Paragraphs(found.Lines, path, problems);
            if (required && paragraphs.Count == 0)
            {
                problems.Add(new(path, found.Line, $"section '## {title}' is empty"));
            }
            return paragraphs;
        }

        IReadOnlyList<DocumentedItem> Items(string title)
        {
            if (!sections.TryGetValue(title, out var found))
            {
                return [];
            }
            var items = new List<DocumentedItem>();
            foreach (var sub in found.Subsections)
            {
                var (statedDefault, statedLine) = title == "PARAMETERS" ? TakeStatedDefault(sub.Lines, path, problems) : (null, 0);
                var paragraphs = Paragraphs(sub.Lines, path, problems);
                if (paragraphs.Count == 0)
                {
                    problems.Add(new(path, sub.Line, $"'{sub.Title}' has no description"));
                }
                items.Add(new DocumentedItem(sub.Title, paragraphs, sub.Line, statedDefault, statedLine));
            }
            return items;
        }

        var synopsis = Prose("SYNOPSIS", required: true);
        var description = Prose("DESCRIPTION", required: true);
        var notes = Prose("NOTES", required: false);
        var parameters = Items("PARAMETERS");
        foreach (var parameter in parameters.Where(p => !p.Name.StartsWith('-')))
        {
            problems.Add(new(path, parameter.Line, $"parameter headings are written '### -{parameter.Name}'"));
        }

        return new HelpDocument(
            path,
            name ?? expectedName,
            synopsis,
            description,
            Examples(sections.GetValueOrDefault("EXAMPLES"), path, problems),
            parameters.Select(p => p with { Name = p.Name.TrimStart('-') }).ToList(),
            Items("INPUTS"),
            Items("OUTPUTS"),
            notes,
            Links(sections.GetValueOrDefault("RELATED LINKS"), path, problems));
    }

    private static List<HelpExample> Examples(Section? section, string path, List<HelpProblem> problems)
    {
        var examples = new List<HelpExample>();
        if (section is null || section.Subsections.Count == 0)
        {
            problems.Add(new(path, section?.Line ?? 1, "at least one example ('## EXAMPLES', '### Example 1: ...') is required"));
            return examples;
        }
        foreach (var sub in section.Subsections)
        {
            var fences = new List<string>();
            var prose = new List<(string Text, int Line)>();
            StringBuilder? fence = null;
            foreach (var (text, line) in sub.Lines)
            {
                if (text.TrimStart().StartsWith("```", StringComparison.Ordinal))
                {
                    if (fence is null)
                    {
                        fence = new StringBuilder();
                    }
                    else
                    {
                        fences.Add(fence.ToString().TrimEnd('\n'));
                        fence = null;
                    }
                    continue;
                }
                if (fence is not null)
                {
                    fence.Append(text).Append('\n');
                }
                else
                {
                    prose.Add((text, line));
                }
            }
            if (fence is not null)
            {
                problems.Add(new(path, sub.Line, $"example '{sub.Title}' has an unclosed code fence"));
            }
            if (fences.Count == 0)
            {
                problems.Add(new(path, sub.Line, $"example '{sub.Title}' needs a fenced PowerShell command"));
                continue;
            }
            examples.Add(new HelpExample(sub.Title, fences[0], fences.Skip(1).ToList(), Paragraphs(prose, path, problems)));
        }
        return examples;
    }

    private static List<HelpLink> Links(Section? section, string path, List<HelpProblem> problems)
    {
        var links = new List<HelpLink>();
        if (section is null)
        {
            problems.Add(new(path, 1, "section '## RELATED LINKS' is missing (MAML needs at least one link)"));
            return links;
        }
        foreach (var (text, line) in section.Lines.Where(l => l.Text.Trim().Length > 0))
        {
            var match = LinkLine().Match(text.Trim());
            if (!match.Success)
            {
                problems.Add(new(path, line, "related links are written '- [Text](uri)'"));
                continue;
            }
            var uri = match.Groups["uri"].Value;
            // A link to another topic's markdown is a help topic name to Get-Help, not an address.
            bool isWeb = uri.StartsWith("https://", StringComparison.Ordinal) || uri.StartsWith("http://", StringComparison.Ordinal);
            links.Add(new HelpLink(match.Groups["text"].Value, isWeb ? uri : string.Empty));
        }
        if (links.Count == 0)
        {
            problems.Add(new(path, section.Line, "'## RELATED LINKS' needs at least one link"));
        }
        return links;
    }

    /// <summary>
    /// Takes a parameter's "Default value: words" paragraph out of its lines, so that it becomes
    /// the MAML defaultValue instead of description text. The words must be short (one line of
    /// Get-Help), and say something "None" does not; DriftCheck refuses them where the code has a
    /// default of its own.
    /// </summary>
    private static (string? Words, int Line) TakeStatedDefault(List<(string Text, int Line)> lines, string path, List<HelpProblem> problems)
    {
        int index = lines.FindIndex(l => l.Text.Trim().StartsWith(DefaultValuePrefix, StringComparison.Ordinal));
        if (index < 0)
        {
            return (null, 0);
        }
        var (text, line) = lines[index];
        bool Blank(int i) => i < 0 || i >= lines.Count || lines[i].Text.Trim().Length == 0;
        if (!Blank(index - 1) || !Blank(index + 1))
        {
            problems.Add(new(path, line, $"'{DefaultValuePrefix} ...' must be a paragraph of its own, on one line"));
        }
        lines.RemoveAt(index);
        var words = Inline(text.Trim()[DefaultValuePrefix.Length..].Trim());
        if (words.Length == 0)
        {
            problems.Add(new(path, line, $"'{DefaultValuePrefix}' needs the default in words (e.g. '{DefaultValuePrefix} until Ctrl+C')"));
        }
        else if (words.Length > MaxStatedDefaultLength)
        {
            problems.Add(new(path, line, $"a stated default is at most {MaxStatedDefaultLength} characters ('{words}' has {words.Length}); say the rest in the description"));
        }
        else if (words.EndsWith('.'))
        {
            problems.Add(new(path, line, $"a stated default is a few words, not a sentence: drop the final '.' of '{words}'"));
        }
        else if (words.Equals("None", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add(new(path, line, $"'{DefaultValuePrefix} None' says what the help says without it; state what happens instead, or leave it out"));
        }
        return (words, line);
    }

    /// <summary>Blank lines separate paragraphs; each "- " item is a paragraph of its own.</summary>
    private static List<string> Paragraphs(IEnumerable<(string Text, int Line)> lines, string path, List<HelpProblem> problems)
    {
        var paragraphs = new List<string>();
        var current = new StringBuilder();
        void Flush()
        {
            if (current.Length > 0)
            {
                paragraphs.Add(Inline(current.ToString()));
                current.Clear();
            }
        }
        foreach (var (text, line) in lines)
        {
            var trimmed = text.Trim();
            if (trimmed.StartsWith("```", StringComparison.Ordinal))
            {
                problems.Add(new(path, line, "code fences are only allowed in examples"));
                continue;
            }
            if (trimmed.Length == 0)
            {
                Flush();
                continue;
            }
            if (current.Length == 0 && trimmed.StartsWith(DefaultValuePrefix, StringComparison.Ordinal))
            {
                // Parameter sections have had theirs taken out: any left is misplaced or a second one.
                problems.Add(new(path, line, $"'{DefaultValuePrefix} ...' belongs in a parameter's section under PARAMETERS, once"));
            }
            if (trimmed.StartsWith("- ", StringComparison.Ordinal) || trimmed.StartsWith("* ", StringComparison.Ordinal))
            {
                Flush();
                current.Append("- ").Append(trimmed[2..].Trim());
                continue;
            }
            if (current.Length > 0)
            {
                current.Append(' ');
            }
            current.Append(trimmed);
        }
        Flush();
        return paragraphs;
    }

    /// <summary>Console help has no markup: code spans and emphasis become plain text.</summary>
    private static string Inline(string text) =>
        InlineLink().Replace(text, "${text}").Replace("**", string.Empty, StringComparison.Ordinal).Replace("`", string.Empty, StringComparison.Ordinal);

    [GeneratedRegex(@"^[-*]\s+\[(?<text>[^\]]+)\]\((?<uri>[^)]*)\)$")]
    private static partial Regex LinkLine();

    [GeneratedRegex(@"\[(?<text>[^\]]+)\]\([^)]*\)")]
    private static partial Regex InlineLink();

    private sealed class Section(string title, int line)
    {
        public string Title { get; } = title;

        public int Line { get; } = line;

        public List<(string Text, int Line)> Lines { get; } = [];

        public List<Subsection> Subsections { get; } = [];
    }

    private sealed class Subsection(string title, int line)
    {
        public string Title { get; } = title;

        public int Line { get; } = line;

        public List<(string Text, int Line)> Lines { get; } = [];
    }
}

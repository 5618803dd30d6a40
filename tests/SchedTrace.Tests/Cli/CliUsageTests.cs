using System.Text.RegularExpressions;
using SchedTrace.Cli;

namespace SchedTrace.Tests.Cli;

/// <summary>
/// `schedtrace --help`, which is made from the verbs: it fits an 80-column terminal, lists every
/// verb, and under each verb the options that verb accepts, no more and no fewer. The table below
/// is written from the help as users read it, not from the verbs' declarations.
/// </summary>
public sealed class CliUsageTests
{
    private static readonly Dictionary<string, string[]> Expected = new()
    {
        ["switches"] = ["duration", "interval", "count", "total", "pid", "tid", "json", "csv", "raw-tp", "verbose", "debug"],
        ["cputime"] = ["duration", "interval", "count", "top", "pid", "name", "threads", "json", "csv", "raw-tp", "verbose", "debug"],
        ["events"] = ["type", "pid", "tid", "name", "cpu", "min-runtime", "duration", "count", "buffer-size", "perfetto", "svg", "json", "raw-tp", "verbose", "debug"],
        ["runqlat"] = ["duration", "interval", "count", "pid", "name", "cpu", "per-process", "per-cpu", "json", "csv", "raw-tp", "verbose", "debug"],
        ["offcpu"] = ["duration", "interval", "count", "pid", "name", "cpu", "per-process", "per-cpu", "json", "csv", "raw-tp", "verbose", "debug"],
        ["oncpu"] = ["duration", "interval", "count", "pid", "name", "cpu", "per-process", "per-cpu", "json", "csv", "raw-tp", "verbose", "debug"],
        ["switchtime"] = ["duration", "interval", "count", "pid", "name", "cpu", "per-process", "per-cpu", "json", "csv", "raw-tp", "verbose", "debug"],
        ["inversions"] = ["threshold", "duration", "kind", "min-nice-gap", "max-alerts", "pid", "name", "json", "raw-tp", "verbose", "debug"],
        ["runqlen"] = ["duration", "interval", "count", "total", "json", "csv", "verbose", "debug"],
    };

    private static string Help()
    {
        var stdout = new StringWriter();
        Assert.Equal(CommandLine.ExitOk, CommandLine.Run(["--help"], stdout, TextWriter.Null));
        return stdout.ToString();
    }

    [Fact]
    public void EveryLine_FitsAnEightyColumnTerminal()
    {
        var lines = Help().Split('\n');
        Assert.All(lines, line => Assert.True(line.Length < 80, $"{line.Length} columns: {line}"));
        Assert.StartsWith("Usage: schedtrace <verb> [options]", lines[0]);
    }

    [Fact]
    public void WithoutArguments_TheUsageGoesToStdout_AsExitTwo()
    {
        var stdout = new StringWriter();
        Assert.Equal(CommandLine.ExitUsage, CommandLine.Run([], stdout, TextWriter.Null));
        Assert.Equal(Help(), stdout.ToString());
    }

    [Fact]
    public void EveryVerb_HasItsLine_AndItsSection_ListingWhatItAccepts()
    {
        string help = Help();
        var verbLines = help.Split('\n').SkipWhile(l => l != "Verbs:").Skip(1).TakeWhile(l => l.Length > 0)
            .Where(l => !l.StartsWith("   ", StringComparison.Ordinal)).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]).ToList();
        Assert.Equal(Expected.Keys, verbLines);

        // "Options for a, b and c (and --x, --y):" (the heading may wrap), then "  --option ..." lines.
        var sections = Regex.Matches(help, @"^Options for (?<verbs>[^(:]+?)(?: \(and (?<named>[^)]+)\))?:\n(?<body>(?:[ ].*\n?)*)", RegexOptions.Multiline);
        var listed = new Dictionary<string, List<string>>();
        var seen = new HashSet<string>();
        foreach (Match section in sections)
        {
            var verbs = Regex.Split(section.Groups["verbs"].Value, ", | and ");
            var named = Regex.Split(Regex.Replace(section.Groups["named"].Value, @"\s+", " "), ", ").Where(n => n.Length > 0).Select(n => n.TrimStart('-')).ToList();
            var described = Regex.Matches(section.Groups["body"].Value, @"^  --(?<name>[a-z-]+)", RegexOptions.Multiline).Select(m => m.Groups["name"].Value).ToList();
            // A name in "(and ...)" is one an earlier section described.
            Assert.All(named, n => Assert.Contains(n, seen));
            seen.UnionWith(described);
            foreach (var verb in verbs)
            {
                listed[verb.Trim()] = [.. named, .. described];
            }
        }
        Assert.Equal(Expected.Keys.Order(), listed.Keys.Order());
        foreach (var (verb, options) in Expected)
        {
            Assert.Equal(options.Order(), listed[verb].Order());
        }
    }

    /// <summary>What a verb accepts is what its section lists: an option of another verb is refused, as unknown.</summary>
    [Fact]
    public void EveryVerb_RefusesTheOptionsItsSectionDoesNotList()
    {
        var all = Expected.Values.SelectMany(o => o).ToHashSet();
        foreach (var (verb, options) in Expected)
        {
            foreach (var other in all.Except(options))
            {
                var stderr = new StringWriter();
                // With its value joined: a flag and a valued option alike reach the verb's check.
                Assert.Equal(CommandLine.ExitUsage, CommandLine.Run([verb, $"--{other}=1"], TextWriter.Null, stderr));
                Assert.Contains($"unknown option --{other}", stderr.ToString(), StringComparison.Ordinal);
            }
        }
    }
}

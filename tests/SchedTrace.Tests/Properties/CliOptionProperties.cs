using System.Globalization;
using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using SchedTrace.Cli;

namespace SchedTrace.Tests.Properties;

/// <summary>
/// The CLI's option parser (<see cref="Options"/>) and what <see cref="CommandLine.Run"/> makes
/// of bad arguments: every value is read as the help says or refused with the usage error, and a
/// command line with any mistake in it exits 2 with one line on stderr, before anything is
/// attached. The models below are written from the help text, not from the parser.
/// </summary>
public sealed class CliOptionProperties
{
    private enum Kind { Flag, PositiveDuration, NonNegativeDuration, Count, Whole, IdList, ByteSize, EventTypes, InversionKinds, NamePattern }

    private static readonly Dictionary<string, Kind> Kinds = new()
    {
        ["duration"] = Kind.PositiveDuration, ["interval"] = Kind.PositiveDuration, ["threshold"] = Kind.PositiveDuration,
        ["min-runtime"] = Kind.NonNegativeDuration,
        ["count"] = Kind.Count, ["top"] = Kind.Count, ["min-nice-gap"] = Kind.Count, ["max-alerts"] = Kind.Count,
        ["cpu"] = Kind.Whole,
        ["pid"] = Kind.IdList, ["tid"] = Kind.IdList,
        ["buffer-size"] = Kind.ByteSize,
        ["type"] = Kind.EventTypes,
        ["kind"] = Kind.InversionKinds,
        ["name"] = Kind.NamePattern,
        ["total"] = Kind.Flag, ["json"] = Kind.Flag, ["csv"] = Kind.Flag, ["raw-tp"] = Kind.Flag, ["verbose"] = Kind.Flag, ["debug"] = Kind.Flag,
        ["threads"] = Kind.Flag, ["per-process"] = Kind.Flag, ["per-cpu"] = Kind.Flag,
    };

    /// <summary>Each verb's options, as its section of --help lists them (files left out: the properties write none).</summary>
    private static readonly Dictionary<string, string[]> VerbOptions = new()
    {
        ["switches"] = ["duration", "interval", "count", "total", "pid", "tid", "json", "csv", "raw-tp", "verbose", "debug"],
        ["cputime"] = ["duration", "interval", "count", "top", "pid", "name", "threads", "json", "csv", "raw-tp", "verbose", "debug"],
        ["events"] = ["type", "pid", "tid", "name", "cpu", "min-runtime", "duration", "count", "buffer-size", "json", "raw-tp", "verbose", "debug"],
        ["runqlat"] = ["duration", "interval", "count", "pid", "name", "cpu", "per-process", "per-cpu", "json", "csv", "raw-tp", "verbose", "debug"],
        ["offcpu"] = ["duration", "interval", "count", "pid", "name", "cpu", "per-process", "per-cpu", "json", "csv", "raw-tp", "verbose", "debug"],
        ["oncpu"] = ["duration", "interval", "count", "pid", "name", "cpu", "per-process", "per-cpu", "json", "csv", "raw-tp", "verbose", "debug"],
        ["switchtime"] = ["duration", "interval", "count", "pid", "name", "cpu", "per-process", "per-cpu", "json", "csv", "raw-tp", "verbose", "debug"],
        ["inversions"] = ["threshold", "duration", "kind", "min-nice-gap", "max-alerts", "pid", "name", "json", "raw-tp", "verbose", "debug"],
        ["runqlen"] = ["duration", "interval", "count", "total", "json", "csv", "verbose", "debug"],
    };

    /// <summary>
    /// Options that, with a valid value, can sit beside a mistake without mending it: not the
    /// ones whose combinations are the mistakes (duration/interval/count, json/csv, per-process/per-cpu/name).
    /// </summary>
    private static readonly Dictionary<string, string> Harmless = new()
    {
        ["pid"] = "1", ["tid"] = "1", ["raw-tp"] = "", ["total"] = "", ["threads"] = "", ["top"] = "3", ["cpu"] = "0",
        ["type"] = "switch,wakeup", ["min-runtime"] = "1ms", ["buffer-size"] = "8M", ["threshold"] = "10ms", ["kind"] = "runqueue",
        ["min-nice-gap"] = "10", ["max-alerts"] = "100", ["debug"] = "",
    };

    // --- values: each accessor against its model ----------------------------------------------

    private static readonly Gen<string> WholeNumberText = Gen.Frequency(
        (3, Gen.Choose(0, int.MaxValue).Select(n => n.ToString(CultureInfo.InvariantCulture))),
        (3, from lead in Inputs.Space from sign in Inputs.Sign from number in Inputs.NumberText from trail in Inputs.Space select lead + sign + number + trail),
        (1, Gen.Elements("", "0", "00", "01", "2147483647", "2147483648", "-0", "+1", " 1", "1 ", "1e3", "0x1F", "\u0662", "\uff11")));

    private static readonly Gen<string> IdListText =
        from parts in WholeNumberText.NonEmptyListOf()
        from separator in Gen.Elements(",", ", ", " ,", ",,")
        select string.Join(separator, parts.Take(4));

    private static readonly Gen<string> ByteSizeText =
        from digits in Gen.Frequency(
            (4, Gen.Choose(0, 1 << 30).Select(n => n.ToString(CultureInfo.InvariantCulture))),
            (2, Gen.Elements("8589934591", "8589934592", "17179869184", "17179869185", "9223372036854775807", "9223372036854775808", "99999999999999999999")),
            (1, Inputs.NumberText))
        from suffix in Gen.Elements("", "", "K", "k", "M", "m", "G", "g", "T", "B", "KB", "MiB", " K", "K ")
        select digits + suffix;

    private static readonly Gen<string> EventTypesText =
        from parts in Gen.Elements("switch", "Switch", "WAKEUP", "wakeup-new", "wakeupnew", "Wakeup-New", "migrate", "", " ", "swtich", "wake-up", "all", "*", "switches").NonEmptyListOf()
        from separator in Gen.Elements(",", ", ", ";")
        select string.Join(separator, parts.Take(4));

    private static readonly Gen<string> InversionKindsText =
        from parts in Gen.Elements("runqueue", "RunQueue", "run-queue", "lock", "LOCK", "", " ", "locks", "rq", "both", "futex").NonEmptyListOf()
        from separator in Gen.Elements(",", ", ", ";")
        select string.Join(separator, parts.Take(3));

    [Property(MaxTest = 2000)]
    public Property WholeNumbers_AreReadOrRefusedAsDocumented() =>
        Prop.ForAll(WholeNumberText.Shrinking(), Gen.Elements(false, true).ToArbitrary(), (text, allowZero) =>
        {
            var options = Options.Parse(new[] { "--count", text });
            int? model = WholeNumber(text, allowZero);
            return Outcome(() => options.Int("count", allowZero), out var value, out var message)
                ? value == model
                : model is null && message == $"--count needs a whole number{(allowZero ? "" : " greater than 0")}, not '{text}'";
        });

    [Property(MaxTest = 2000)]
    public Property IdLists_AreReadOrRefusedAsDocumented() =>
        Prop.ForAll(IdListText.Shrinking(), text =>
        {
            var parts = text.Split(',').Select(p => WholeNumber(p.Trim(), allowZero: false)).ToList();
            var options = Options.Parse(new[] { "--pid", text });
            return Outcome(() => options.IntList("pid"), out var value, out var message)
                ? parts.All(p => p is not null) && value!.SequenceEqual(parts.Select(p => p!.Value))
                : parts.Any(p => p is null) && message == $"--pid needs whole numbers greater than 0, separated by commas, not '{text}'";
        });

    [Property(MaxTest = 2000)]
    public Property ByteSizes_AreReadOrRefusedAsDocumented() =>
        Prop.ForAll(ByteSizeText.Shrinking(), text =>
        {
            var model = ByteSize(text);
            var options = Options.Parse(new[] { "--buffer-size", text });
            return (Outcome(() => options.ByteSize("buffer-size"), out var value, out var message)
                ? text.Length == 0 ? value is null : model is not null && value == model
                : model is null && message == $"--buffer-size needs a size such as 4M or 65536, not '{text}'")
                .Label($"'{text}': model {model?.ToString(CultureInfo.InvariantCulture) ?? "refused"}");
        });

    [Property(MaxTest = 2000)]
    public Property EventTypes_AreReadOrRefusedAsDocumented() =>
        Prop.ForAll(EventTypesText.Shrinking(), text =>
        {
            var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var known = new Dictionary<string, SchedEventType>
            {
                ["switch"] = SchedEventType.Switch, ["wakeup"] = SchedEventType.Wakeup, ["wakeup-new"] = SchedEventType.WakeupNew,
                ["wakeupnew"] = SchedEventType.WakeupNew, ["migrate"] = SchedEventType.Migrate,
            };
            var unknown = parts.FirstOrDefault(p => !known.ContainsKey(p.ToLowerInvariant()));
            var options = Options.Parse(new[] { "--type", text });
            return Outcome(() => options.EventTypes("type"), out var value, out var message)
                ? parts.Length > 0 && unknown is null && value!.ToHashSet().SetEquals(parts.Select(p => known[p.ToLowerInvariant()]))
                : unknown is not null
                    ? message == $"--type: '{unknown}' is not an event type (switch, wakeup, wakeup-new, migrate)"
                    : parts.Length == 0 && message == "--type needs at least one event type";
        });

    [Property(MaxTest = 2000)]
    public Property Durations_AreReadByTheDurationParser_OrRefusedWithItsError() =>
        Prop.ForAll(Inputs.AnyDurationText.Where(t => t is not null).Select(t => t!).Shrinking(), text =>
        {
            var options = Options.Parse(new[] { "--min-runtime=" + text });
            bool valid = DurationParser.TryParse(text, out var expected);
            try
            {
                var duration = options.Duration("min-runtime");
                return valid && duration == expected;
            }
            catch (SchedTraceException e)
            {
                return !valid && e.ErrorId == "InvalidDuration" && e.Message == $"'{text}' is not a duration for --min-runtime."
                    && CommandLine.ExitCodeFor(e.Kind) == CommandLine.ExitUsage;
            }
        });

    // --- the command line as a whole ------------------------------------------------------------

    /// <summary>Options and values, each written as "--name value" or "--name=value", read back as given.</summary>
    [Property(MaxTest = 1000)]
    public Property OptionsAndValues_RoundTrip_InEitherForm()
    {
        var names = Gen.Frequency(
            (3, Gen.Elements(Kinds.Keys.ToArray())),
            (1, Gen.Elements("a", "x-y", "PID", "Duration", "n\u00e9", "_", "1")));
        var entries =
            from list in (from name in names from value in Inputs.ArgText from equalsForm in Gen.Elements(false, true) select (name, value, equalsForm)).ListOf()
            select list.DistinctBy(e => e.name).ToList();
        return Prop.ForAll(entries.ToArbitrary(), list =>
        {
            var args = new List<string>();
            foreach (var (name, value, equalsForm) in list)
            {
                if (IsFlag(name))
                {
                    args.Add("--" + name);
                }
                else if (equalsForm)
                {
                    args.Add($"--{name}={value}");
                }
                else
                {
                    args.AddRange(["--" + name, value]);
                }
            }
            var options = Options.Parse(args.ToArray());
            options.Allow(list.Select(e => e.Item1).ToArray());
            return list.All(e => options.Flag(e.Item1) && (IsFlag(e.Item1) ? options.Text(e.Item1) is null : options.Text(e.Item1) == e.Item2))
                && Outcome(() => { options.Allow(list.Skip(1).Select(e => e.Item1).ToArray()); return 0; }, out _, out var message) == (list.Count == 0)
                && (list.Count == 0 || message == $"unknown option --{list[0].Item1}");
        });
    }

    /// <summary>A mistake of any kind, among valid options: exit 2, nothing on stdout, one line on stderr, and no session.</summary>
    [Property(MaxTest = 500)]
    public Property EveryMistake_ExitsTwo_WithOneLineOnStderr_BeforeAnythingIsAttached() =>
        Prop.ForAll(Mistake().ToArbitrary(), c =>
        {
            var (stdout, stderr) = (new StringWriter(), new StringWriter());
            // A line that is not a mistake after all would trace until Ctrl+C: fail it instead of waiting.
            var run = Task.Run(() => CommandLine.Run(c.Args, stdout, stderr));
            if (!run.Wait(TimeSpan.FromSeconds(60)))
            {
                return false.Label($"{c.What}: schedtrace {string.Join(" ", c.Args.Select(Quote))} was still running after 60 s: it started tracing");
            }
            int exit = run.Result;
            var lines = stderr.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
            // --verbose is on every line given: a session that started would have said what it attached.
            bool oneLine = lines.Length == 1 && lines[0].StartsWith("schedtrace: ", StringComparison.Ordinal);
            return (exit == CommandLine.ExitUsage && stdout.ToString().Length == 0 && oneLine)
                .Label($"{c.What}: schedtrace {string.Join(" ", c.Args.Select(Quote))} -> exit {exit}, stderr: {stderr}");
        });

    /// <summary>The code each kind of error exits with is the one --help and the README's table give it.</summary>
    [Fact]
    public void ExitCodes_AreTheOnesTheHelpAndTheReadmeGive()
    {
        var help = new StringWriter();
        Assert.Equal(CommandLine.ExitOk, CommandLine.Run(["--help"], help, TextWriter.Null));
        string helpText = System.Text.RegularExpressions.Regex.Replace(help.ToString(), @"\s+", " ");
        var readmeRows = File.ReadAllLines(Path.Combine(Support.RepoPaths.RepoRoot, "README.md"))
            .Select(line => System.Text.RegularExpressions.Regex.Match(line, @"^\| (\d) \| (.+) \|$"))
            .Where(m => m.Success)
            .ToDictionary(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m => m.Groups[2].Value);
        var expected = new (SchedTraceErrorKind Kind, string Help, string Readme)[]
        {
            (SchedTraceErrorKind.InvalidArgument, "2 bad arguments", "bad arguments"),
            (SchedTraceErrorKind.PermissionDenied, "3 permission denied", "permission denied"),
            (SchedTraceErrorKind.NotSupported, "4 kernel feature missing", "a kernel feature is missing"),
            (SchedTraceErrorKind.NotInstalled, "5 library missing", "a library is missing"),
            (SchedTraceErrorKind.AttachFailed, "6 BPF load/attach failed", "BPF failed to load or attach"),
            (SchedTraceErrorKind.KernelCallFailed, "1 anything else", "anything else"),
        };
        foreach (var (kind, helpWords, readmeWords) in expected)
        {
            int code = CommandLine.ExitCodeFor(kind);
            Assert.Contains(helpWords, helpText, StringComparison.Ordinal);
            Assert.StartsWith(helpWords[..1], code.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
            Assert.StartsWith(readmeWords, readmeRows[code], StringComparison.Ordinal);
        }
    }

    private static Gen<(string What, string[] Args)> Mistake() =>
        from verb in Gen.Elements(VerbOptions.Keys.ToArray())
        from extras in Gen.SubListOf(VerbOptions[verb].Where(Harmless.ContainsKey).ToArray())
        from mistake in MistakeFor(verb, extras)
        from before in Gen.Choose(0, extras.Count)
        from verboseAt in Gen.Choose(0, extras.Count)
        select (mistake.What, Assemble(mistake.Verb ?? verb, extras, before, verboseAt, mistake.Tokens));

    private static string[] Assemble(string verb, List<string> extras, int at, int verboseAt, string[] mistake)
    {
        var entries = extras.Select(name => Harmless[name].Length == 0 ? new[] { "--" + name } : new[] { "--" + name, Harmless[name] }).ToList();
        entries.Insert(Math.Min(verboseAt, entries.Count), ["--verbose"]);
        // A missing value only shows at the end of the line; anything else may stand anywhere.
        bool last = mistake is [var only] && only.StartsWith("--", StringComparison.Ordinal) && !only.Contains('=') && !IsFlag(only[2..]);
        entries.Insert(last ? entries.Count : Math.Min(at, entries.Count), mistake);
        return [verb, .. entries.SelectMany(e => e)];
    }

    private static Gen<(string What, string? Verb, string[] Tokens)> MistakeFor(string verb, List<string> extras)
    {
        var allowed = VerbOptions[verb];
        var valued = allowed.Where(o => Kinds[o] != Kind.Flag).ToArray();
        var mistakes = new List<Gen<(string, string?, string[])>>
        {
            UnknownVerb().Select(v => ("unknown verb", (string?)v, Array.Empty<string>())),
            Inputs.ArgText.Where(t => !t.StartsWith("--", StringComparison.Ordinal) || t == "--").Select(t => ("stray argument", (string?)null, new[] { t })),
            Gen.Elements(allowed).Select(o => ("given twice", (string?)null, Kinds[o] == Kind.Flag ? new[] { "--" + o, "--" + o } : new[] { "--" + o, Valid(o), "--" + o, Valid(o) })),
            Gen.Elements(valued).Select(o => ("no value", (string?)null, new[] { "--" + o })),
            UnknownOption(allowed).Select(o => ("unknown option", (string?)null, new[] { o })),
            Gen.Elements(valued.Where(o => !extras.Contains(o)).ToArray()).SelectMany(o => BadValue(o).Select(v => ($"bad --{o}", (string?)null, new[] { $"--{o}={v}" }))),
        };
        var conflicts = new List<string[]>();
        if (allowed.Contains("interval"))
        {
            conflicts.Add(["--duration", "1", "--interval", "1"]);
            conflicts.Add(["--count", "3"]);
        }
        if (allowed.Contains("csv"))
        {
            conflicts.Add(["--json", "--csv"]);
        }
        if (allowed.Contains("per-cpu"))
        {
            conflicts.Add(["--per-process", "--per-cpu"]);
            conflicts.Add(["--per-cpu", "--name", "x"]);
        }
        if (verb == "events")
        {
            conflicts.Add(["--csv"]);
        }
        if (conflicts.Count > 0)
        {
            mistakes.Add(Gen.Elements(conflicts.ToArray()).Select(t => ("conflict", (string?)null, t)));
        }
        return Gen.OneOf(mistakes);
    }

    private static Gen<string> UnknownVerb() => Gen.OneOf(
        Gen.Elements("Switches", "switch", "runqlat ", " runqlat", "run-qlat", "cpu-time", "", "-", "--", "---help", "HELP", "-v", "version", "inversion", "\u0455witches"),
        Inputs.ArgText.Where(t => !VerbOptions.ContainsKey(t) && t is not ("--help" or "-h" or "help" or "--version")));

    private static Gen<string> UnknownOption(string[] allowed) => Gen.OneOf(
        Gen.Elements(Kinds.Keys.Concat(["perfetto", "svg"]).Except(allowed).Select(o => "--" + o).DefaultIfEmpty("--nope").ToArray()),
        Gen.Elements(allowed).Select(o => "--" + o.ToUpperInvariant()),
        Gen.Elements(allowed).Select(o => "--" + o + " "),
        Gen.Elements(allowed).Select(o => "-" + o),
        Gen.Elements("--help", "--version", "--h", "--\u2013pid", "--pid\u200b"));

    /// <summary>A value the option's model refuses.</summary>
    private static Gen<string> BadValue(string option) => Kinds[option] switch
    {
        Kind.PositiveDuration => Inputs.AnyDurationText.Select(t => t ?? "").Where(t => !(DurationParser.TryParse(t, out var d) && d > TimeSpan.Zero)),
        Kind.NonNegativeDuration => Inputs.AnyDurationText.Select(t => t ?? "").Where(t => !(DurationParser.TryParse(t, out var d) && d >= TimeSpan.Zero)),
        Kind.Count => WholeNumberText.Where(t => WholeNumber(t, allowZero: false) is null),
        Kind.Whole => WholeNumberText.Where(t => WholeNumber(t, allowZero: true) is null),
        Kind.IdList => IdListText.Where(t => t.Split(',').Any(p => WholeNumber(p.Trim(), allowZero: false) is null)),
        Kind.ByteSize => ByteSizeText.Where(t => t.Length > 0 && ByteSize(t) is not (>= 4096 and <= 1L << 30)),
        Kind.EventTypes => EventTypesText.Where(t => t.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) is var parts
            && (parts.Length == 0 || parts.Any(p => p.ToLowerInvariant() is not ("switch" or "wakeup" or "wakeup-new" or "wakeupnew" or "migrate")))),
        Kind.InversionKinds => InversionKindsText.Where(t => t.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) is var parts
            && (parts.Length == 0 || parts.Any(p => p.ToLowerInvariant() is not ("runqueue" or "run-queue" or "lock")))),
        // What PowerShell's wildcard parser refuses, or the regular expression it makes of a set.
        Kind.NamePattern => Gen.Elements("a[", "[]", "[z-a]", "x[b[-[a-z]", "[!-[]", "a[b`]", "*[", "[a-c]]["),
        _ => throw new ArgumentException($"--{option} has no bad values", nameof(option)),
    };

    private static string Valid(string option) => Harmless.TryGetValue(option, out var value) && value.Length > 0 ? value : Kinds[option] switch
    {
        Kind.PositiveDuration or Kind.NonNegativeDuration => "1",
        Kind.NamePattern => "x",
        _ => "1",
    };

    private static bool IsFlag(string name) => Kinds.TryGetValue(name, out var kind) && kind == Kind.Flag;

    /// <summary>The help's "whole number (greater than 0)": ASCII digits only, no sign, no space, within an int.</summary>
    private static int? WholeNumber(string? text, bool allowZero) =>
        text is { Length: > 0 } && text.All(char.IsAsciiDigit) && BigInteger.Parse(text, CultureInfo.InvariantCulture) is var value
            && value <= int.MaxValue && (allowZero || value > 0)
            ? (int)value
            : null;

    /// <summary>The help's "size such as 4M or 65536": digits, then K, M or G (either case) for 2^10, 2^20, 2^30; more than 0; a size a long holds.</summary>
    private static long? ByteSize(string text)
    {
        if (text.Length == 0)
        {
            return null;
        }
        BigInteger scale = char.ToUpperInvariant(text[^1]) switch { 'K' => 1 << 10, 'M' => 1 << 20, 'G' => 1 << 30, _ => 1 };
        var digits = scale == 1 ? text : text[..^1];
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit))
        {
            return null;
        }
        var size = BigInteger.Parse(digits, CultureInfo.InvariantCulture) * scale;
        return size > 0 && size <= long.MaxValue ? (long)size : null;
    }

    /// <summary>Runs a parser call: true with its value, or false with the usage error's message.</summary>
    private static bool Outcome<T>(Func<T> call, out T? value, out string? message)
    {
        try
        {
            value = call();
            message = null;
            return true;
        }
        catch (UsageException e)
        {
            value = default;
            message = e.Message;
            return false;
        }
    }

    private static string Quote(string arg) => arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '=' or '.' or ',')
        ? arg
        : "'" + arg.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal) + "'";
}

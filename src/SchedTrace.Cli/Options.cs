using System.Globalization;
using SchedTrace.Cli.Verbs;

namespace SchedTrace.Cli;

/// <summary>A mistake in the command line: exit 2, with the message and a pointer to --help.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>--name value, --name=value and bare --flag, checked against what a verb accepts.</summary>
internal sealed class Options
{
    /// <summary>The options that take no value, in any verb: what the verbs declare (a flag of another verb is then an unknown option, not one that swallows the next argument).</summary>
    private static readonly HashSet<string> Flags = CommandLine.Verbs.SelectMany(v => v.Options).Where(o => o.IsFlag).Select(o => o.Name).ToHashSet(StringComparer.Ordinal);

    private readonly Dictionary<string, string?> values = new(StringComparer.Ordinal);

    internal static Options Parse(ReadOnlySpan<string> args)
    {
        var options = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                throw new UsageException($"unexpected argument '{arg}'");
            }
            var name = arg[2..];
            string? value = null;
            int equals = name.IndexOf('=');
            if (equals >= 0)
            {
                value = name[(equals + 1)..];
                name = name[..equals];
            }
            else if (!Flags.Contains(name))
            {
                if (i + 1 >= args.Length)
                {
                    throw new UsageException($"--{name} needs a value");
                }
                value = args[++i];
            }
            if (!options.values.TryAdd(name, value))
            {
                throw new UsageException($"--{name} given twice");
            }
        }
        return options;
    }

    internal void Allow(params string[] names)
    {
        foreach (var name in values.Keys)
        {
            if (!names.Contains(name))
            {
                throw new UsageException($"unknown option --{name}");
            }
        }
    }

    internal bool Flag(string name) => values.ContainsKey(name);

    internal int? Int(string name, bool allowZero = false)
    {
        if (!values.TryGetValue(name, out var text))
        {
            return null;
        }
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && (value > 0 || allowZero)
            ? value
            : throw new UsageException($"--{name} needs a whole number{(allowZero ? string.Empty : " greater than 0")}, not '{text}'");
    }

    internal string? Text(string name) => values.TryGetValue(name, out var text) ? text : null;

    /// <summary>A file path, made absolute against the current directory.</summary>
    internal string? Path(string name) =>
        values.TryGetValue(name, out var text)
            ? string.IsNullOrWhiteSpace(text) ? throw new UsageException($"--{name} needs a file name") : System.IO.Path.GetFullPath(text)
            : null;

    /// <summary>A size in bytes: "4096", "512K", "8M", "1G".</summary>
    internal long? ByteSize(string name)
    {
        if (!values.TryGetValue(name, out var text) || string.IsNullOrEmpty(text))
        {
            return null;
        }
        long scale = char.ToUpperInvariant(text[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1 };
        var digits = scale == 1 ? text : text[..^1];
        // A product past a long would wrap, and 17179869185G would come out as 1G.
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long value) && value > 0 && value <= long.MaxValue / scale
            ? value * scale
            : throw new UsageException($"--{name} needs a size such as 4M or 65536, not '{text}'");
    }

    /// <summary>Event types: "switch,wakeup,wakeup-new,migrate" (default: switch).</summary>
    internal IReadOnlyCollection<SchedEventType> EventTypes(string name)
    {
        if (!values.TryGetValue(name, out var text))
        {
            return new[] { SchedEventType.Switch };
        }
        var types = new HashSet<SchedEventType>();
        foreach (var part in (text ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            types.Add(part.ToLowerInvariant() switch
            {
                "switch" => SchedEventType.Switch,
                "wakeup" => SchedEventType.Wakeup,
                "wakeup-new" or "wakeupnew" => SchedEventType.WakeupNew,
                "migrate" => SchedEventType.Migrate,
                _ => throw new UsageException($"--{name}: '{part}' is not an event type (switch, wakeup, wakeup-new, migrate)"),
            });
        }
        return types.Count > 0 ? types : throw new UsageException($"--{name} needs at least one event type");
    }

    /// <summary>A comma-separated list of whole numbers greater than 0 ("--pid 12,40").</summary>
    internal IReadOnlyList<int> IntList(string name)
    {
        if (!values.TryGetValue(name, out var text))
        {
            return Array.Empty<int>();
        }
        var list = new List<int>();
        foreach (var part in (text ?? string.Empty).Split(',', StringSplitOptions.TrimEntries))
        {
            list.Add(int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value > 0
                ? value
                : throw new UsageException($"--{name} needs whole numbers greater than 0, separated by commas, not '{text}'"));
        }
        return list;
    }

    /// <summary>
    /// The task names of --name: PowerShell's wildcard language, as the cmdlets' -Name reads it
    /// (<see cref="NameFilter"/>). A malformed pattern is a usage error, before anything is attached.
    /// </summary>
    internal NameFilter? Names(string name)
    {
        if (!values.TryGetValue(name, out var text))
        {
            return null;
        }
        text ??= string.Empty;
        try
        {
            return new NameFilter([text]);
        }
        catch (SchedTraceException e) when (e.ErrorId == NamePattern.InvalidPatternId)
        {
            throw new UsageException($"--{name}: '{text}' is not a valid wildcard pattern; escape [ and ] with a backtick, or close the bracket");
        }
    }

    /// <summary>The matcher of --name for a core query (<see cref="Names"/>); null without --name.</summary>
    internal Func<string, bool>? Pattern(string name) => Names(name)?.Filter;

    internal TimeSpan? Duration(string name) =>
        values.TryGetValue(name, out var text) ? DurationParser.Parse(text, "--" + name) : null;

    /// <summary>The --duration of a watch (events, inversions): more than zero, as --duration is for a reading.</summary>
    internal TimeSpan? WatchDuration(string name) =>
        Duration(name) is { } duration && duration <= TimeSpan.Zero
            ? throw new UsageException($"--{name} needs a duration greater than 0, not '{Text(name)}'")
            : Duration(name);

    /// <summary>--json, --csv or neither (a table).</summary>
    internal OutputFormat OutputFormat() => (Flag(SharedOptions.Json.Name), Flag(SharedOptions.Csv.Name)) switch
    {
        (true, true) => throw new UsageException($"choose one of --{SharedOptions.Json.Name} and --{SharedOptions.Csv.Name}"),
        (true, false) => Cli.OutputFormat.Json,
        (false, true) => Cli.OutputFormat.Csv,
        _ => Cli.OutputFormat.Table,
    };

    /// <summary>--duration for one reading (default 1 s), or --interval [--count] for samples.</summary>
    internal SamplingPlan SamplingPlan()
    {
        string duration = SharedOptions.Duration.Name, interval = SharedOptions.Interval.Name, count = SharedOptions.Count.Name;
        var every = Duration(interval);
        if (every is null)
        {
            if (Flag(count))
            {
                throw new UsageException($"--{count} goes with --{interval}");
            }
            return SchedTrace.SamplingPlan.ForDuration(Duration(duration) ?? TimeSpan.FromSeconds(1));
        }
        if (Flag(duration))
        {
            throw new UsageException($"choose one of --{duration} and --{interval}");
        }
        return SchedTrace.SamplingPlan.ForIntervals(every.Value, Int(count));
    }
}

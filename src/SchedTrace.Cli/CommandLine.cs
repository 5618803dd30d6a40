using System.Globalization;
using System.Reflection;
using SchedTrace.Timeline;

namespace SchedTrace.Cli;

/// <summary>Parses the verb and flags, runs the core call, writes records, maps errors to exit codes.</summary>
internal static class CommandLine
{
    internal const int ExitOk = 0;
    internal const int ExitFailure = 1;
    internal const int ExitUsage = 2;
    internal const int ExitPermission = 3;
    internal const int ExitNotSupported = 4;
    internal const int ExitNotInstalled = 5;
    internal const int ExitAttach = 6;
    internal const int ExitLimit = 7;

    private const string Usage = """
        Usage: schedtrace <verb> [options]

        Verbs:
          switches    Context switches per CPU: voluntary, involuntary, out of idle.
          cputime     On-CPU time per process (or thread), switches, migrations, CPUs used.
          events      Live scheduler events (switches, wakeups, migrations) until Ctrl+C.
          runqlat     Run-queue latency: how long runnable threads waited for a CPU (histogram).
          offcpu      Off-CPU time by reason: sleeping, uninterruptible (I/O), preempted, other.
          switchtime  Time in schedule() and the CPU's switch handover: count, min, mean, max, histogram.
          inversions  Priority inversions as they happen; a summary per pair of tasks at the end.

        Options for switches:
          --duration S     Collect for S seconds (default 1; e.g. 2, 0.5, 500ms).
          --interval S     Print a sample every S seconds instead of one reading.
          --count N        With --interval: stop after N samples (default: until Ctrl+C).
          --total          One machine-wide row instead of one row per CPU.
          --pid N[,N...]   Count only switches of these processes (tgids).
          --tid N[,N...]   Count only switches of these threads.
          --json           One JSON object per line (property names as in PowerShell).
          --csv            CSV with a header row.
          --raw-tp         Attach raw tracepoints instead of tp_btf.
          --verbose        Say on stderr what was attached, the kernel filters, table sizes and each window.
          --debug          With --verbose's lines, libbpf's own log (about a thousand lines per load).

        Options for cputime (and --duration, --interval, --count, --json, --csv, --raw-tp, --verbose, --debug):
          --top N          Only the N busiest rows (default: all), busiest first.
          --pid N[,N...]   Only these processes.
          --name PATTERN   Only processes whose name matches (* and ? wildcards).
          --threads        One row per thread instead of one per process.

        Options for events (and --json, --raw-tp, --verbose, --debug):
          --type T[,T...]  switch (default), wakeup, wakeup-new, migrate.
          --pid N[,N...]   Only events of these processes (either side of a switch).
          --tid N[,N...]   Only events of these threads (either side of a switch).
          --name PATTERN   Only events of tasks with this name (* and ? wildcards).
          --cpu N          Only events on CPU N.
          --min-runtime S  Only switches whose previous task ran at least S seconds (e.g. 1ms).
          --duration S     Stop after S seconds (default: until Ctrl+C).
          --count N        Stop after N events.
          --buffer-size B  Ring buffer bytes (default 4M; K, M, G suffixes).
          --perfetto FILE  When the watch ends, write a trace that ui.perfetto.dev opens (one track per CPU).
          --svg FILE       When the watch ends, write a self-contained SVG timeline (one row per CPU).
                           With either, events go to the files instead of stdout (add --json to get both);
                           existing files are overwritten.

        Options for runqlat, offcpu and switchtime (and --json, --csv, --raw-tp, --verbose, --debug):
          --duration S     Collect for S seconds (default: until Ctrl+C). Either way the figures are
                           printed when collection ends, Ctrl+C included.
          --interval S     Print the figures of every S seconds instead (Ctrl+C stops; --count N).
          --pid N[,N...]   Only these processes.
          --name PATTERN   Only processes whose name matches (* and ? wildcards).
          --cpu N          Only intervals that ended on CPU N.
          --per-process    One row per process (and reason), most time first, as a table.
          --per-cpu        One row per CPU (and reason), as a table.

        Options for inversions (and --json, --raw-tp, --verbose, --debug):
          --threshold S    Only inversions lasting at least S seconds (default 0.01).
          --duration S     Stop after S seconds (default: until Ctrl+C); then print the summary.
          --kind K[,K]     runqueue, lock (default: both; lock needs x86-64).
          --min-nice-gap N Between normal tasks, the least nice gap that counts (default 10).
          --max-alerts N   Rate limit: alerts per second per CPU (default 100); the rest are counted.
          --pid N[,N...]   Only inversions in which a task of these processes takes part.
          --name PATTERN   Only inversions in which a task with this name takes part (* and ?).
                           With --json the summary rows follow the alerts (they have "Count").

          --help, --version

        Signals: SIGINT (Ctrl+C), SIGTERM and SIGHUP end a collection as --duration ending does:
        the figures gathered are printed, everything is detached, and the exit code is 0. SIGINT
        is handled even when it was inherited ignored (a background job of a script); SIGHUP
        and SIGTERM inherited ignored stay ignored (nohup). A second signal ends schedtrace at once.

        Exit codes: 0 ok (also when stopped by one of those signals), 2 bad arguments,
        3 permission denied, 4 kernel feature missing, 5 library missing, 6 BPF load/attach
        failed, 7 a limit reached (open files, locked memory), 1 anything else.
        """;

    /// <summary>Runs a command line; <paramref name="stop"/> ends a collection early (the process's stop signals).</summary>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken stop = default)
    {
        try
        {
            return Execute(args, stdout, stderr, stop);
        }
        catch (UsageException e)
        {
            stderr.WriteLine(OneLine($"schedtrace: {e.Message} (see schedtrace --help)"));
            return ExitUsage;
        }
        catch (SchedTraceException e)
        {
            stderr.WriteLine(OneLine($"schedtrace: {CliSyntax.Format(e.MessageText)} {CliSyntax.Format(e.RecommendedActionText)}"));
            return ExitCodeFor(e.Kind);
        }
        catch (IOException e)
        {
            // Output that cannot be written (a full disk, a terminal gone with the SIGHUP that
            // stopped us): the session is disposed on the way out all the same.
            return OutputFailed(stderr, e);
        }
    }

    /// <summary>Flushes and closes buffered stdout; a write that fails there ends as in <see cref="Run"/>.</summary>
    internal static int Close(TextWriter stdout, TextWriter stderr, int exit)
    {
        try
        {
            stdout.Dispose();
            return exit;
        }
        catch (IOException e)
        {
            return exit == ExitOk ? OutputFailed(stderr, e) : exit;
        }
    }

    private static int OutputFailed(TextWriter stderr, IOException e)
    {
        try
        {
            stderr.WriteLine($"schedtrace: could not write the output: {e.Message}");
        }
        catch (IOException)
        {
            // stderr is gone too: the exit code is all that is left.
        }
        return ExitFailure;
    }

    /// <summary>
    /// An error as one line: messages quote what the user typed, and an argument may hold a line
    /// break ($'1\n'); line breaks and other control characters are shown escaped (\n, \u0085).
    /// </summary>
    internal static string OneLine(string text)
    {
        if (!text.Any(c => c != '\t' && (char.IsControl(c) || c is '\u2028' or '\u2029')))
        {
            return text;
        }
        var line = new System.Text.StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            line.Append(c switch
            {
                '\t' => "\t",
                '\n' => "\\n",
                '\r' => "\\r",
                _ when char.IsControl(c) || c is '\u2028' or '\u2029' => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                _ => c.ToString(),
            });
        }
        return line.ToString();
    }

    internal static int ExitCodeFor(SchedTraceErrorKind kind) => kind switch
    {
        SchedTraceErrorKind.InvalidArgument => ExitUsage,
        SchedTraceErrorKind.PermissionDenied => ExitPermission,
        SchedTraceErrorKind.NotSupported => ExitNotSupported,
        SchedTraceErrorKind.NotInstalled => ExitNotInstalled,
        SchedTraceErrorKind.AttachFailed => ExitAttach,
        SchedTraceErrorKind.LimitReached => ExitLimit,
        _ => ExitFailure,
    };

    private static int Execute(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
        {
            stdout.WriteLine(Usage);
            return args.Length == 0 ? ExitUsage : ExitOk;
        }
        if (args[0] == "--version")
        {
            stdout.WriteLine(typeof(SchedTraceSession).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown");
            return ExitOk;
        }
        var options = Options.Parse(args.AsSpan(1));
        return args[0] switch
        {
            "switches" => Switches(options, stdout, stderr, cancellation),
            "cputime" => CpuTime(options, stdout, stderr, cancellation),
            "events" => Events(options, stdout, stderr, cancellation),
            "runqlat" => LatencyVerbs.Run(LatencyReportKind.RunQueue, options, stdout, stderr, cancellation),
            "offcpu" => LatencyVerbs.Run(LatencyReportKind.OffCpu, options, stdout, stderr, cancellation),
            "switchtime" => LatencyVerbs.Run(LatencyReportKind.ScheduleTime, options, stdout, stderr, cancellation),
            "inversions" => InversionVerb.Run(options, stdout, stderr, cancellation),
            _ => throw new UsageException($"unknown verb '{args[0]}'"),
        };
    }

    private static int Switches(Options options, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        options.Allow("duration", "interval", "count", "total", "pid", "tid", "json", "csv", "raw-tp", "verbose", "debug");
        var format = options.OutputFormat();
        var plan = options.SamplingPlan();
        bool total = options.Flag("total");

        using var session = StartSession(options, stderr, SessionOptions(options, stderr) with
        {
            Features = SchedTraceFeature.ContextSwitches,
            ProcessIds = options.IntList("pid"),
            ThreadIds = options.IntList("tid"),
        });
        var writer = new RecordWriter<ContextSwitchCount>(stdout, format, ContextSwitchColumns);
        foreach (var rows in ContextSwitchCount.Collect(session, plan, total, cancellation))
        {
            if (rows.Count > 0)
            {
                Verbose(options, stderr, Narration.Window(rows[0].Sample, rows[0].WindowStart, rows[0].WindowEnd, rows[0].Duration));
            }
            writer.Write(rows);
            stdout.Flush(); // each sample as soon as it is taken
        }
        return ExitOk;
    }

    private static int CpuTime(Options options, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        options.Allow("duration", "interval", "count", "top", "pid", "name", "threads", "json", "csv", "raw-tp", "verbose", "debug");
        var format = options.OutputFormat();
        var plan = options.SamplingPlan();
        var processIds = options.IntList("pid");
        var query = new CpuTimeQuery
        {
            ProcessIds = processIds,
            NameFilter = options.Pattern("name"),
            PerThread = options.Flag("threads"),
            Top = options.Int("top"),
        };

        // The processes are filtered in the kernel too, so other tasks cost nothing.
        using var session = StartSession(options, stderr, SessionOptions(options, stderr) with { Features = SchedTraceFeature.CpuTime, ProcessIds = processIds });
        var writer = new RecordWriter<ProcessCpuTime>(stdout, format, CpuTimeColumns);
        foreach (var rows in ProcessCpuTime.Collect(session, plan, query, cancellation))
        {
            if (rows.Count > 0)
            {
                Verbose(options, stderr, Narration.Window(rows[0].Sample, rows[0].WindowStart, rows[0].WindowEnd, rows[0].Duration, [Narration.Names(options.Text("name") is { } name ? [name] : null)]));
            }
            writer.Write(rows);
            stdout.Flush(); // each sample as soon as it is taken
        }
        if (session.DroppedTasks > 0)
        {
            stderr.WriteLine($"schedtrace: warning: {session.DroppedTasks} thread updates did not fit in the task table ({session.TaskTableCapacity} entries); their time is missing.");
        }
        return ExitOk;
    }

    private static int Events(Options options, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        options.Allow("type", "pid", "tid", "name", "cpu", "min-runtime", "duration", "count", "buffer-size", "json", "raw-tp", "verbose", "debug", "perfetto", "svg");
        if (options.Flag("csv"))
        {
            throw new UsageException("events are written as a table or --json");
        }
        var perfettoPath = options.Path("perfetto");
        var svgPath = options.Path("svg");
        bool toFiles = perfettoPath is not null || svgPath is not null;
        if (toFiles)
        {
            // A bad path fails now, not after the watch.
            TimelineExport.Check(perfettoPath, svgPath, overwrite: true);
        }
        var name = options.Text("name");
        bool wildcard = name is not null && name.IndexOfAny(new[] { '*', '?' }) >= 0;
        var nameFilter = wildcard ? options.Pattern("name") : null;
        // Read before anything is attached: a mistake in them is exit 2 wherever it is run, not a session's error.
        var count = options.Int("count");
        var duration = options.WatchDuration("duration");
        using var session = StartSession(options, stderr, SessionOptions(options, stderr) with
        {
            Features = SchedTraceFeature.Events,
            ProcessIds = options.IntList("pid"),
            ThreadIds = options.IntList("tid"),
            EventTypes = options.EventTypes("type"),
            Cpu = options.Int("cpu", allowZero: true),
            EventMinRuntime = options.Duration("min-runtime"),
            EventName = wildcard ? null : name,
            RingBufferBytes = options.ByteSize("buffer-size") ?? SchedTraceSessionOptions.DefaultRingBufferBytes,
        });
        // Files replace the live table (a table of a whole machine's switches is unreadable
        // anyway); --json still streams, for a pipe that wants both.
        IRecordSink<SchedEvent>? sink = options.OutputFormat() == OutputFormat.Json
            ? new RecordWriter<SchedEvent>(stdout, OutputFormat.Json, Array.Empty<Column<SchedEvent>>())
            : toFiles ? null : new EventTable(stdout);
        var kept = toFiles ? new List<SchedEvent>() : null;
        var filter = nameFilter is null ? null : new Func<SchedEvent, bool>(e => e.TaskNames().Any(nameFilter));
        // Flush a few times a second, not per event: the reader drains in batches anyway.
        long lastFlush = System.Diagnostics.Stopwatch.GetTimestamp();
        var report = new EventWatchReport();
        foreach (var e in SchedEventWatch.Watch(session, count, duration, filter, cancellation, report))
        {
            sink?.Write(new[] { e });
            kept?.Add(e);
            if (System.Diagnostics.Stopwatch.GetElapsedTime(lastFlush) > TimeSpan.FromMilliseconds(100))
            {
                stdout.Flush();
                lastFlush = System.Diagnostics.Stopwatch.GetTimestamp();
            }
        }
        stdout.Flush();
        // Released before the files are written; no final figures: a Stop would also decode what
        // the buffer gathered since the watch ended, which nobody reads.
        session.Dispose();
        if (kept is not null)
        {
            // Overwrite, as shell redirection and -o options do; the cmdlet is the one that asks for -Force.
            foreach (var file in TimelineExport.Write(kept, perfettoPath, svgPath, overwrite: true))
            {
                stderr.WriteLine($"schedtrace: wrote {file.FullName} ({kept.Count} events)");
            }
        }
        if (report.Lost > 0)
        {
            stderr.WriteLine($"schedtrace: warning: {report.Lost} events were lost because the ring buffer was full ({report.DescribeLosses()}); use a larger --buffer-size or narrower filters.");
        }
        return ExitOk;
    }

    /// <summary>Starts the verb's session; with --verbose, says what it set up (the lines -Verbose writes).</summary>
    internal static SchedTraceSession StartSession(Options options, TextWriter stderr, SchedTraceSessionOptions sessionOptions)
    {
        var session = SchedTraceSession.Start(sessionOptions);
        foreach (var line in session.DescribeSetup())
        {
            Verbose(options, stderr, line);
        }
        return session;
    }

    /// <summary>A --verbose line on stderr (--debug implies --verbose).</summary>
    internal static void Verbose(Options options, TextWriter stderr, string line)
    {
        if (options.Flag("verbose") || options.Flag("debug"))
        {
            stderr.WriteLine($"schedtrace: {line}");
        }
    }

    /// <summary>What every verb starts its session with; libbpf's log only with --debug (it is long).</summary>
    internal static SchedTraceSessionOptions SessionOptions(Options options, TextWriter stderr) =>
        new()
        {
            PreferredHook = options.Flag("raw-tp") ? SchedTraceHook.RawTracepoint : SchedTraceHook.BtfTracepoint,
            Log = options.Flag("debug") ? (level, text) => stderr.WriteLine($"libbpf: {level.ToString().ToLowerInvariant()}: {text}") : null,
            LogLevel = SchedTraceLogLevel.Debug,
            Notice = text => stderr.WriteLine($"schedtrace: warning: {text}"),
        };

    private static readonly Column<ProcessCpuTime>[] CpuTimeColumns =
    {
        new("PID", 7, r => r.ProcessId.ToString(CultureInfo.InvariantCulture)),
        new("TID", 7, r => r.ThreadId?.ToString(CultureInfo.InvariantCulture) ?? "-"),
        new("NAME", -16, r => r.Name),
        new("CPU TIME", 12, r => r.CpuTime.TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture) + " ms"),
        new("CPU%", 7, r => r.CpuPercent.ToString("F1", CultureInfo.InvariantCulture)),
        new("VOL", 7, r => r.Voluntary.ToString(CultureInfo.InvariantCulture)),
        new("INVOL", 7, r => r.Involuntary.ToString(CultureInfo.InvariantCulture)),
        new("MIGR", 6, r => r.Migrations.ToString(CultureInfo.InvariantCulture)),
        new("CPUS", 8, r => r.Cpus),
        new("AFFINITY", 8, r => r.AffinityScore.ToString("F2", CultureInfo.InvariantCulture)),
        new("EXITED", 6, r => r.Exited ? "yes" : ""),
    };

    private static readonly Column<ContextSwitchCount>[] ContextSwitchColumns =
    {
        new("CPU", 5, r => r.Cpu?.ToString(CultureInfo.InvariantCulture) ?? "all"),
        new("SWITCHES", 10, r => r.Switches.ToString(CultureInfo.InvariantCulture)),
        new("VOLUNTARY", 10, r => r.Voluntary.ToString(CultureInfo.InvariantCulture)),
        new("INVOLUNTARY", 12, r => r.Involuntary.ToString(CultureInfo.InvariantCulture)),
        new("FROM IDLE", 10, r => r.FromIdle.ToString(CultureInfo.InvariantCulture)),
        new("PER SEC", 11, r => r.SwitchesPerSecond.ToString("F1", CultureInfo.InvariantCulture)),
        new("WINDOW", 9, r => r.Duration.TotalSeconds.ToString("F3", CultureInfo.InvariantCulture) + "s"),
    };
}

internal sealed class UsageException(string message) : Exception(message);

/// <summary>--name value, --name=value and bare --flag, checked against what a verb accepts.</summary>
internal sealed class Options
{
    private static readonly HashSet<string> Flags = new(StringComparer.Ordinal) { "total", "json", "csv", "raw-tp", "verbose", "debug", "threads", "per-process", "per-cpu" };

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
    /// A * and ? wildcard pattern, matched case-insensitively like PowerShell's -Name. A name
    /// without wildcards is compared as the kernel keeps it, on its first 15 bytes (as -Name and
    /// the kernel's own filter of the events verb do). * and ? span any character, line breaks
    /// included: a comm may hold one.
    /// </summary>
    internal Func<string, bool>? Pattern(string name)
    {
        if (!values.TryGetValue(name, out var text))
        {
            return null;
        }
        text ??= string.Empty;
        if (text.IndexOfAny(['*', '?']) < 0)
        {
            var comm = CommName.Of(text);
            return candidate => string.Equals(candidate, comm, StringComparison.OrdinalIgnoreCase);
        }
        var regex = new System.Text.RegularExpressions.Regex(
            "^" + System.Text.RegularExpressions.Regex.Escape(text).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "\\z",
            System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant | System.Text.RegularExpressions.RegexOptions.Singleline);
        return regex.IsMatch;
    }

    internal TimeSpan? Duration(string name) =>
        values.TryGetValue(name, out var text) ? DurationParser.Parse(text, "--" + name) : null;

    /// <summary>The --duration of a watch (events, inversions): more than zero, as --duration is for a reading.</summary>
    internal TimeSpan? WatchDuration(string name) =>
        Duration(name) is { } duration && duration <= TimeSpan.Zero
            ? throw new UsageException($"--{name} needs a duration greater than 0, not '{Text(name)}'")
            : Duration(name);

    internal OutputFormat OutputFormat() => (Flag("json"), Flag("csv")) switch
    {
        (true, true) => throw new UsageException("choose one of --json and --csv"),
        (true, false) => Cli.OutputFormat.Json,
        (false, true) => Cli.OutputFormat.Csv,
        _ => Cli.OutputFormat.Table,
    };

    /// <summary>--duration for one reading (default 1 s), or --interval [--count] for samples.</summary>
    internal SamplingPlan SamplingPlan()
    {
        var interval = Duration("interval");
        if (interval is null)
        {
            if (Flag("count"))
            {
                throw new UsageException("--count goes with --interval");
            }
            return SchedTrace.SamplingPlan.ForDuration(Duration("duration") ?? TimeSpan.FromSeconds(1));
        }
        if (Flag("duration"))
        {
            throw new UsageException("choose one of --duration and --interval");
        }
        return SchedTrace.SamplingPlan.ForIntervals(interval.Value, Int("count"));
    }
}

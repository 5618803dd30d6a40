namespace SchedTrace.Cli.Verbs;

/// <summary>
/// One `schedtrace` verb: its name, its line in --help, the options it takes (its section of
/// --help and what it accepts), and what it runs. A verb reads all its options before it starts
/// a session, so a mistake is exit 2 wherever it is run, with nothing attached.
/// </summary>
internal abstract class Verb
{
    internal abstract string Name { get; }

    /// <summary>What the verb shows, in one sentence (its line under "Verbs:").</summary>
    internal abstract string Summary { get; }

    /// <summary>The options it takes, in the order --help lists them.</summary>
    internal abstract IReadOnlyList<CliOption> Options { get; }

    /// <summary>What --help adds under the options: how they combine.</summary>
    internal virtual string? Note => null;

    /// <summary>Refuses an option the verb does not take, then runs it.</summary>
    internal int Run(Options options, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        options.Allow(Options.Select(o => o.Name).ToArray());
        return Execute(options, stdout, stderr, cancellation);
    }

    /// <summary>Collects and writes; <paramref name="cancellation"/> is the process's stop signals, which end a collection as its end would.</summary>
    private protected abstract int Execute(Options options, TextWriter stdout, TextWriter stderr, CancellationToken cancellation);

    /// <summary>Starts the verb's session; with --verbose, says what it set up (the lines -Verbose writes).</summary>
    private protected static SchedTraceSession StartSession(Options options, TextWriter stderr, SchedTraceSessionOptions sessionOptions)
    {
        var session = SchedTraceSession.Start(sessionOptions);
        foreach (var line in session.DescribeSetup())
        {
            Verbose(options, stderr, line);
        }
        return session;
    }

    /// <summary>A --verbose line on stderr (--debug implies --verbose).</summary>
    private protected static void Verbose(Options options, TextWriter stderr, string line)
    {
        if (options.Flag(SharedOptions.Verbose.Name) || options.Flag(SharedOptions.Debug.Name))
        {
            stderr.WriteLine($"schedtrace: {line}");
        }
    }

    /// <summary>A warning on stderr: what was lost or left out, and what to do about it.</summary>
    private protected static void Warn(TextWriter stderr, string text) => stderr.WriteLine($"schedtrace: warning: {text}");

    /// <summary>What every verb starts its session with; libbpf's log only with --debug (it is long).</summary>
    private protected static SchedTraceSessionOptions SessionOptions(Options options, TextWriter stderr) =>
        new()
        {
            PreferredHook = options.Flag(SharedOptions.RawTracepoints.Name) ? SchedTraceHook.RawTracepoint : SchedTraceHook.BtfTracepoint,
            Log = options.Flag(SharedOptions.Debug.Name) ? (level, text) => stderr.WriteLine($"libbpf: {level.ToString().ToLowerInvariant()}: {text}") : null,
            LogLevel = SchedTraceLogLevel.Debug,
            Notice = text => Warn(stderr, text),
        };

    /// <summary>
    /// Writes each window of a reading as it ends (one, or one per --interval sample), after its
    /// --verbose line, which names --name too (the kernel filters' line does not show it).
    /// </summary>
    private protected static void WriteWindows<T>(Options options, TextWriter stdout, TextWriter stderr, IEnumerable<IReadOnlyList<T>> windows,
        Func<T, (int Sample, DateTime Start, DateTime End, TimeSpan Duration)> window, Action<IReadOnlyList<T>> write)
    {
        foreach (var rows in windows)
        {
            if (rows.Count > 0)
            {
                var (sample, start, end, duration) = window(rows[0]);
                Verbose(options, stderr, Narration.Window(sample, start, end, duration, [Narration.Names(options.Text(SharedOptions.ProcessName.Name) is { } name ? [name] : null)]));
            }
            write(rows);
            stdout.Flush(); // each window as soon as it ends
        }
    }
}

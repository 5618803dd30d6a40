using System.Globalization;
using System.Reflection;
using SchedTrace.Cli.Verbs;

namespace SchedTrace.Cli;

/// <summary>
/// What every verb shares: the registry of verbs, dispatch to one, --help and --version, and the
/// exit codes errors map to (each error as one line on stderr).
/// </summary>
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

    /// <summary>The verbs, in the order --help lists them: one line each.</summary>
    internal static readonly IReadOnlyList<Verb> Verbs =
    [
        new SwitchesVerb(),
        new CpuTimeVerb(),
        new EventsVerb(),
        new RunQueueLatencyVerb(),
        new OffCpuVerb(),
        new OnCpuVerb(),
        new ScheduleTimeVerb(),
        new InversionsVerb(),
        new RunQueueLengthVerb(),
    ];

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
            stdout.WriteLine(Usage.Text(Verbs));
            return args.Length == 0 ? ExitUsage : ExitOk;
        }
        if (args[0] == "--version")
        {
            stdout.WriteLine(typeof(SchedTraceSession).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown");
            stdout.WriteLine($"libbpf {SchedTraceSession.LibBpfVersion ?? "not found (install libbpf1)"}");
            return ExitOk;
        }
        var options = Options.Parse(args.AsSpan(1));
        var verb = Verbs.FirstOrDefault(v => v.Name == args[0]) ?? throw new UsageException($"unknown verb '{args[0]}'");
        return verb.Run(options, stdout, stderr, cancellation);
    }
}

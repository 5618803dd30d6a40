using System.Globalization;

namespace SchedTrace.Cli.Verbs;

/// <summary>
/// The latency verbs (runqlat, offcpu, switchtime), as the latency cmdlets share LatencyCmdlet:
/// each collects until Ctrl+C (or for --duration, or in --interval windows), then prints one
/// distribution per measure and reason: the histogram view by default, a table with
/// --per-process or --per-cpu, or every figure as JSON lines or CSV. A verb is its report kind
/// and its words.
/// </summary>
/// <param name="name">The verb.</param>
/// <param name="summary">Its line under "Verbs:".</param>
/// <param name="kind">Which report it prints.</param>
/// <param name="what">What it traces, for the line that says how to stop ("tracing run-queue latency; press Ctrl+C ...").</param>
internal abstract class LatencyVerb(string name, string summary, LatencyReportKind kind, string what) : Verb
{
    private static readonly CliOption Duration = new("duration", "S",
        "Collect for S seconds (default: until Ctrl+C). Either way the figures are printed when collection ends, Ctrl+C included.");
    private static readonly CliOption Interval = new("interval", "S", "Print the figures of every S seconds instead (Ctrl+C stops; --count N).");
    private static readonly CliOption Cpu = new("cpu", "N", "Only intervals that ended on CPU N.");
    private static readonly CliOption PerProcess = new("per-process", null, "One row per process (and reason), most time first, as a table.");
    private static readonly CliOption PerCpu = new("per-cpu", null, "One row per CPU (and reason), as a table.");

    /// <summary>One list for the three, so that --help shows them as one section.</summary>
    private static readonly CliOption[] LatencyOptions =
    [
        Duration, Interval, SharedOptions.Count, SharedOptions.ProcessIds, SharedOptions.ProcessName, Cpu, PerProcess, PerCpu,
        SharedOptions.Json, SharedOptions.Csv, SharedOptions.RawTracepoints, SharedOptions.Verbose, SharedOptions.Debug,
    ];

    internal sealed override string Name => name;

    internal sealed override string Summary => summary;

    internal sealed override IReadOnlyList<CliOption> Options => LatencyOptions;

    private protected sealed override int Execute(Options options, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        var format = options.OutputFormat();
        var plan = Plan(options);
        var processIds = options.IntList(SharedOptions.ProcessIds.Name);
        var query = new LatencyQuery
        {
            Kind = kind,
            PerProcess = options.Flag(PerProcess.Name),
            PerCpu = options.Flag(PerCpu.Name),
            ProcessIds = processIds,
            NameFilter = options.Pattern(SharedOptions.ProcessName.Name),
            Cpu = options.Int(Cpu.Name, allowZero: true),
            StartsWithSession = true,
        };
        // Refused before anything is attached: Collect would only check once the user pressed Ctrl+C.
        var own = query.SessionOptions();
        if (LatencyReport.Refusal(query, own.ProcessIds, own.Cpu) is { } refusal)
        {
            // The same rules as the cmdlets', said with the CLI's option names.
            throw new UsageException(refusal.ErrorId switch
            {
                "PerProcessAndPerCpu" => $"choose one of --{PerProcess.Name} and --{PerCpu.Name}",
                "PerCpuWithProcessFilter" => $"--{PerCpu.Name} does not go with --{SharedOptions.ProcessName.Name} (use --{PerProcess.Name})",
                _ => CliSyntax.Format(refusal.MessageText),
            });
        }

        // The processes and the CPU are filtered in the kernel; per-process histograms only where needed.
        using var session = StartSession(options, stderr, SessionOptions(options, stderr) with
        {
            Features = own.Features,
            ProcessIds = own.ProcessIds,
            LatencyPerProcess = own.LatencyPerProcess,
            Cpu = own.Cpu,
        });

        if (format == OutputFormat.Table)
        {
            foreach (var line in Preamble(kind, session, query, options))
            {
                stdout.WriteLine(line);
            }
            stdout.Flush(); // what is hooked, while the user waits
        }
        if (plan.Mode == SamplingMode.UntilStopped)
        {
            stderr.WriteLine($"schedtrace: tracing {what}; press Ctrl+C to stop and print the figures.");
            stderr.Flush();
        }

        var writer = new LatencyWriter(stdout, format);
        WriteWindows(options, stdout, stderr, LatencyReport.Collect(session, plan, query, cancellation), r => (r.Sample, r.WindowStart, r.WindowEnd, r.Duration), rows => writer.Write(rows, query));
        session.Stop();
        if (session.LatencyDropped > 0)
        {
            Warn(stderr, $"{session.LatencyDropped} latency updates did not fit in the per-process table; those processes are missing from the per-process figures.");
        }
        foreach (var warning in new LossReport { LatencyLost = session.LatencyLost }.Warnings())
        {
            Warn(stderr, CliSyntax.Format(warning));
        }
        return CommandLine.ExitOk;
    }

    /// <summary>
    /// --duration: one window; --interval [--count]: consecutive windows; neither: like bcc's
    /// tools, one window from the start until Ctrl+C.
    /// </summary>
    internal static SamplingPlan Plan(Options options)
    {
        if (options.Flag(Duration.Name) || options.Flag(Interval.Name))
        {
            return options.SamplingPlan();
        }
        if (options.Flag(SharedOptions.Count.Name))
        {
            throw new UsageException($"--{SharedOptions.Count.Name} goes with --{Interval.Name}");
        }
        return SamplingPlan.UntilStopped;
    }

    /// <summary>
    /// The lines before the figures: for switchtime, what was hooked and what each measure means
    /// (the method decides both); for any verb, the filters, which the histograms do not repeat.
    /// </summary>
    internal static IEnumerable<string> Preamble(LatencyReportKind kind, SchedTraceSession session, LatencyQuery query, Options options)
    {
        if (kind == LatencyReportKind.ScheduleTime)
        {
            foreach (var line in MethodLines(session.ScheduleMethod, session.Hook == SchedTraceHook.BtfTracepoint ? "tp_btf" : "raw_tp", session.ScheduleMethodNote is not null))
            {
                yield return line;
            }
        }
        var scope = new List<string>();
        if (query.ProcessIds.Count > 0)
        {
            scope.Add((query.ProcessIds.Count == 1 ? "process " : "processes ") + string.Join(", ", query.ProcessIds.Select(p => p.ToString(CultureInfo.InvariantCulture))));
        }
        if (options.Text(SharedOptions.ProcessName.Name) is { } name)
        {
            scope.Add($"processes named '{name}'");
        }
        if (query.Cpu is int cpu)
        {
            scope.Add(string.Create(CultureInfo.InvariantCulture, $"intervals that ended on CPU {cpu}"));
        }
        if (scope.Count > 0)
        {
            yield return "Only " + string.Join("; ", scope) + ".";
        }
        if (kind == LatencyReportKind.ScheduleTime || scope.Count > 0)
        {
            yield return "";
        }
    }

    /// <summary>What switchtime hooked and what its figures mean, for each way of timing schedule().</summary>
    internal static IEnumerable<string> MethodLines(ScheduleTimeMethod method, string hook, bool fentryRefused)
    {
        switch (method)
        {
            case ScheduleTimeMethod.FunctionExit:
                yield return "Method: fentry/fexit on schedule(), the kprobe/kretprobe pair of the classic tool without its overhead.";
                yield return "  Time in schedule() (All): each schedule() call from entry to return, in the calling thread;";
                yield return "    it includes the time off the CPU when the call switched the thread out.";
                break;
            case ScheduleTimeMethod.SchedTracepoints:
                yield return $"Method: {hook} on the sched_entry_tp/sched_exit_tp tracepoints at the start and end of __schedule()" +
                             (fentryRefused ? " (fentry/fexit on schedule() was refused here: see the warning)." : ".");
                yield return "  Time in schedule(): each __schedule() call from entry to return, in the calling thread; it includes";
                yield return "    the time off the CPU when the call switched the thread out. All: every call; Switched: calls that";
                yield return "    switched to another task; NotSwitched: calls that returned without switching.";
                yield return "  Switch handover: on one CPU, from the outgoing task entering __schedule() to the incoming task";
                yield return "    returning from it: the cost of a context switch, from one task stopping to the next starting.";
                break;
            default:
                yield return $"Method: {hook} on sched_switch only (neither fentry/fexit on schedule() nor sched_entry_tp/sched_exit_tp could be used here).";
                yield return "  Time in schedule() (Switched): from a thread's switch-out to its switch-in: the time off the CPU";
                yield return "    of calls that switched away. Calls that returned without switching are not seen.";
                break;
        }
    }
}

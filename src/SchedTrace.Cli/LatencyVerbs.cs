using System.Globalization;

namespace SchedTrace.Cli;

/// <summary>
/// The latency verbs: runqlat, offcpu and switchtime. Each collects until Ctrl+C (or for
/// --duration, or in --interval windows), then prints one distribution per measure and reason:
/// the histogram view by default, a table with --per-process or --per-cpu, or every figure as
/// JSON lines or CSV.
/// </summary>
internal static class LatencyVerbs
{
    private static readonly string[] Allowed =
    {
        "duration", "interval", "count", "pid", "name", "cpu", "per-process", "per-cpu", "json", "csv", "raw-tp", "verbose", "debug",
    };

    internal static int Run(LatencyReportKind kind, Options options, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        options.Allow(Allowed);
        var format = options.OutputFormat();
        var plan = Plan(options);
        var processIds = options.IntList("pid");
        var query = new LatencyQuery
        {
            Kind = kind,
            PerProcess = options.Flag("per-process"),
            PerCpu = options.Flag("per-cpu"),
            ProcessIds = processIds,
            NameFilter = options.Pattern("name"),
            Cpu = options.Int("cpu", allowZero: true),
            StartsWithSession = true,
        };
        // Refused before anything is attached: Collect would only check once the user pressed Ctrl+C.
        var own = query.SessionOptions();
        if (LatencyReport.Refusal(query, own.ProcessIds, own.Cpu) is { } refusal)
        {
            // The same rules as the cmdlets', said with the CLI's option names.
            throw new UsageException(refusal.ErrorId switch
            {
                "PerProcessAndPerCpu" => "choose one of --per-process and --per-cpu",
                "PerCpuWithProcessFilter" => "--per-cpu does not go with --name (use --per-process)",
                _ => CliSyntax.Format(refusal.MessageText),
            });
        }

        // The processes and the CPU are filtered in the kernel; per-process histograms only where needed.
        using var session = CommandLine.StartSession(options, stderr, CommandLine.SessionOptions(options, stderr) with
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
            stderr.WriteLine($"schedtrace: tracing {What(kind)}; press Ctrl+C to stop and print the figures.");
            stderr.Flush();
        }

        var writer = new LatencyWriter(stdout, format);
        foreach (var rows in LatencyReport.Collect(session, plan, query, cancellation))
        {
            if (rows.Count > 0)
            {
                CommandLine.Verbose(options, stderr, Narration.Window(rows[0].Sample, rows[0].WindowStart, rows[0].WindowEnd, rows[0].Duration, [Narration.Names(options.Text("name") is { } name ? [name] : null)]));
            }
            writer.Write(rows, query);
            stdout.Flush(); // each window as soon as it ends
        }
        session.Stop();
        if (session.LatencyDropped > 0)
        {
            stderr.WriteLine($"schedtrace: warning: {session.LatencyDropped} latency updates did not fit in the per-process table; those processes are missing from the per-process figures.");
        }
        return CommandLine.ExitOk;
    }

    /// <summary>
    /// --duration: one window; --interval [--count]: consecutive windows; neither: like bcc's
    /// tools, one window from the start until Ctrl+C.
    /// </summary>
    internal static SamplingPlan Plan(Options options)
    {
        if (options.Flag("duration") || options.Flag("interval"))
        {
            return options.SamplingPlan();
        }
        if (options.Flag("count"))
        {
            throw new UsageException("--count goes with --interval");
        }
        return SamplingPlan.UntilStopped;
    }

    private static string What(LatencyReportKind kind) => kind switch
    {
        LatencyReportKind.RunQueue => "run-queue latency",
        LatencyReportKind.OffCpu => "off-CPU time",
        _ => "time in schedule() and the switch handover",
    };

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
        if (options.Text("name") is { } name)
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

/// <summary>
/// Writes latency windows: histograms (or per-process / per-CPU tables) for a terminal, or
/// records through <see cref="RecordWriter{T}"/> for --json and --csv.
/// </summary>
internal sealed class LatencyWriter
{
    private readonly TextWriter output;
    private readonly OutputFormat format;
    private readonly RecordWriter<LatencyStatistics>? records;
    private bool first = true;

    internal LatencyWriter(TextWriter output, OutputFormat format)
    {
        this.output = output;
        this.format = format;
        if (format != OutputFormat.Table)
        {
            records = new RecordWriter<LatencyStatistics>(output, format, Array.Empty<Column<LatencyStatistics>>());
        }
    }

    internal void Write(IReadOnlyList<LatencyStatistics> rows, LatencyQuery query)
    {
        if (records is not null)
        {
            records.Write(rows);
            return;
        }
        if (!first)
        {
            output.WriteLine();
        }
        first = false;
        if (rows.Count == 0)
        {
            output.WriteLine("No events.");
            return;
        }
        if (!query.PerProcess && !query.PerCpu)
        {
            output.WriteLine(string.Join(Environment.NewLine + Environment.NewLine, rows.Select(r => r.FormatHistogram())));
            return;
        }
        // Per process or CPU: one table per measure and reason, under a line saying which.
        var columns = query.PerProcess ? PerProcessColumns : PerCpuColumns;
        bool firstGroup = true;
        foreach (var group in rows.GroupBy(r => (r.Measure, r.Reason)))
        {
            if (!firstGroup)
            {
                output.WriteLine();
            }
            firstGroup = false;
            output.WriteLine(Heading(group.First()));
            new RecordWriter<LatencyStatistics>(output, OutputFormat.Table, columns).Write(group);
        }
    }

    /// <summary>"Off-CPU time (Sleeping) · 2.0 s · tp_btf sched_switch-out -> ... · sample 3".</summary>
    internal static string Heading(LatencyStatistics row)
    {
        var parts = new List<string> { Title(row.Measure, row.Reason), LatencyStatistics.FormatNs(row.Duration.Ticks * 100.0) };
        if (row.Method.Length > 0)
        {
            parts.Add(row.Method);
        }
        if (row.Sample > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"sample {row.Sample}"));
        }
        return string.Join(" · ", parts);
    }

    internal static string Title(LatencyMeasure measure, string reason)
    {
        string title = measure switch
        {
            LatencyMeasure.RunQueue => "Run-queue latency",
            LatencyMeasure.OffCpu => "Off-CPU time",
            LatencyMeasure.ScheduleCall => "Time in schedule()",
            LatencyMeasure.SwitchHandover => "Switch handover",
            _ => measure.ToString(),
        };
        return reason.Length > 0 ? $"{title} ({reason})" : title;
    }

    private static string Ns(double ns) => LatencyStatistics.FormatNs(ns);

    // Min and max are marked "~" when estimated from the histogram (MinMaxExact false).
    private static string Extreme(LatencyStatistics row, long ns) => (row.MinMaxExact ? "" : "~") + Ns(ns);

    private static readonly Column<LatencyStatistics>[] Figures =
    {
        new("COUNT", 9, r => r.Count.ToString(CultureInfo.InvariantCulture)),
        new("MIN", 10, r => Extreme(r, r.MinNs)),
        new("MEAN", 9, r => Ns(r.MeanNs)),
        new("P50", 9, r => Ns(r.P50Ns)),
        new("P99", 9, r => Ns(r.P99Ns)),
        new("MAX", 10, r => Extreme(r, r.MaxNs)),
        new("TOTAL", 9, r => Ns(r.TotalNs)),
    };

    private static readonly Column<LatencyStatistics>[] PerProcessColumns =
    [
        new("PID", 7, r => r.ProcessId?.ToString(CultureInfo.InvariantCulture) ?? "-"),
        new("NAME", -16, r => r.Name ?? ""),
        .. Figures,
    ];

    private static readonly Column<LatencyStatistics>[] PerCpuColumns =
    [
        new("CPU", 4, r => r.Cpu?.ToString(CultureInfo.InvariantCulture) ?? "-"),
        .. Figures,
    ];
}

using System.Globalization;

namespace SchedTrace.Cli.Verbs;

/// <summary>`schedtrace cputime`: on-CPU time per process (or thread), busiest first with --top.</summary>
internal sealed class CpuTimeVerb : Verb
{
    private static readonly CliOption Top = new("top", "N", "Only the N busiest rows (default: all), busiest first.");
    private static readonly CliOption Threads = new("threads", null, "One row per thread instead of one per process.");

    internal override string Name => "cputime";

    internal override string Summary => "On-CPU time per process (or thread), switches, migrations, CPUs used.";

    internal override IReadOnlyList<CliOption> Options { get; } =
    [
        SharedOptions.Duration, SharedOptions.Interval, SharedOptions.Count, Top, SharedOptions.ProcessIds, SharedOptions.ProcessName, Threads,
        SharedOptions.Json, SharedOptions.Csv, SharedOptions.RawTracepoints, SharedOptions.Verbose, SharedOptions.Debug,
    ];

    private protected override int Execute(Options options, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        var format = options.OutputFormat();
        var plan = options.SamplingPlan();
        var processIds = options.IntList(SharedOptions.ProcessIds.Name);
        var query = new CpuTimeQuery
        {
            ProcessIds = processIds,
            NameFilter = options.Pattern(SharedOptions.ProcessName.Name),
            PerThread = options.Flag(Threads.Name),
            Top = options.Int(Top.Name),
        };

        // The processes are filtered in the kernel too, so other tasks cost nothing.
        using var session = StartSession(options, stderr, SessionOptions(options, stderr) with { Features = SchedTraceFeature.CpuTime, ProcessIds = processIds });
        var writer = new RecordWriter<ProcessCpuTime>(stdout, format, Columns);
        WriteWindows(options, stdout, stderr, ProcessCpuTime.Collect(session, plan, query, cancellation), r => (r.Sample, r.WindowStart, r.WindowEnd, r.Duration), writer.Write);
        if (session.DroppedTasks > 0)
        {
            Warn(stderr, $"{session.DroppedTasks} thread updates did not fit in the task table ({session.TaskTableCapacity} entries); their time is missing.");
        }
        return CommandLine.ExitOk;
    }

    private static readonly Column<ProcessCpuTime>[] Columns =
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
}

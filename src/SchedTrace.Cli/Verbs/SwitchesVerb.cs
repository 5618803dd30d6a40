using System.Globalization;

namespace SchedTrace.Cli.Verbs;

/// <summary>`schedtrace switches`: context switches per CPU (or machine-wide), in one reading or --interval samples.</summary>
internal sealed class SwitchesVerb : Verb
{
    private static readonly CliOption Total = new("total", null, "One machine-wide row instead of one row per CPU.");
    private static readonly CliOption ProcessIds = new("pid", "N[,N...]", "Count only switches of these processes (tgids).");
    private static readonly CliOption ThreadIds = new("tid", "N[,N...]", "Count only switches of these threads.");

    internal override string Name => "switches";

    internal override string Summary => "Context switches per CPU: voluntary, involuntary, out of idle.";

    internal override IReadOnlyList<CliOption> Options { get; } =
    [
        SharedOptions.Duration, SharedOptions.Interval, SharedOptions.Count, Total, ProcessIds, ThreadIds,
        SharedOptions.Json, SharedOptions.Csv, SharedOptions.RawTracepoints, SharedOptions.Verbose, SharedOptions.Debug,
    ];

    private protected override int Execute(Options options, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        var format = options.OutputFormat();
        var plan = options.SamplingPlan();
        bool total = options.Flag(Total.Name);

        using var session = StartSession(options, stderr, SessionOptions(options, stderr) with
        {
            Features = SchedTraceFeature.ContextSwitches,
            ProcessIds = options.IntList(ProcessIds.Name),
            ThreadIds = options.IntList(ThreadIds.Name),
        });
        var writer = new RecordWriter<ContextSwitchCount>(stdout, format, Columns);
        WriteWindows(options, stdout, stderr, ContextSwitchCount.Collect(session, plan, total, cancellation), r => (r.Sample, r.WindowStart, r.WindowEnd, r.Duration), writer.Write);
        return CommandLine.ExitOk;
    }

    private static readonly Column<ContextSwitchCount>[] Columns =
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

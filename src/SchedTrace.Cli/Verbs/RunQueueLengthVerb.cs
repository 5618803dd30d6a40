using System.Globalization;

namespace SchedTrace.Cli.Verbs;

/// <summary>`schedtrace runqlen`: how many tasks waited for each CPU (or for all), sampled at 99 Hz (bcc's runqlen).</summary>
internal sealed class RunQueueLengthVerb : Verb
{
    private static readonly CliOption Total = new("total", null, "One machine-wide row instead of one row per CPU.");

    internal override string Name => "runqlen";

    internal override string Summary => "Run-queue length per CPU: tasks waiting, sampled 99 times a second.";

    internal override IReadOnlyList<CliOption> Options { get; } =
    [
        SharedOptions.Duration, SharedOptions.Interval, SharedOptions.Count, Total,
        SharedOptions.Json, SharedOptions.Csv, SharedOptions.Verbose, SharedOptions.Debug,
    ];

    private protected override int Execute(Options options, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        var format = options.OutputFormat();
        var plan = options.SamplingPlan();
        bool total = options.Flag(Total.Name);

        using var session = StartSession(options, stderr, SessionOptions(options, stderr) with { Features = SchedTraceFeature.RunQueueLength });
        var writer = new RecordWriter<RunQueueLength>(stdout, format, Columns);
        WriteWindows(options, stdout, stderr, RunQueueLength.Collect(session, plan, total, cancellation), r => (r.Sample, r.WindowStart, r.WindowEnd, r.Duration), writer.Write);
        return CommandLine.ExitOk;
    }

    private static readonly Column<RunQueueLength>[] Columns =
    {
        new("CPU", 5, r => r.Cpu?.ToString(CultureInfo.InvariantCulture) ?? "all"),
        new("SAMPLES", 8, r => r.Samples.ToString(CultureInfo.InvariantCulture)),
        new("IDLE%", 6, r => r.IdlePercent.ToString("F1", CultureInfo.InvariantCulture)),
        new("OCCUPIED%", 10, r => r.OccupancyPercent.ToString("F1", CultureInfo.InvariantCulture)),
        new("MEAN", 6, r => r.MeanWaiting.ToString("F2", CultureInfo.InvariantCulture)),
        new("MAX", 4, r => r.MaxWaiting.ToString(CultureInfo.InvariantCulture)),
        new("HISTOGRAM", 0, r => r.Histogram),
    };
}

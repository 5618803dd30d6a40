using SchedTrace.Timeline;

namespace SchedTrace.Cli.Verbs;

/// <summary>`schedtrace events`: scheduler events as they happen, as lines, JSON, or a timeline written when the watch ends.</summary>
internal sealed class EventsVerb : Verb
{
    private static readonly CliOption Types = new("type", "T[,T...]", "switch (default), wakeup, wakeup-new, migrate.");
    private static readonly CliOption ProcessIds = new("pid", "N[,N...]", "Only events of these processes (either side of a switch).");
    private static readonly CliOption ThreadIds = new("tid", "N[,N...]", "Only events of these threads (either side of a switch).");
    private static readonly CliOption TaskName = new("name", "PATTERN", "Only events of tasks with this name (*, ?, [a-z] wildcards).");
    private static readonly CliOption Cpu = new("cpu", "N", "Only events on CPU N.");
    private static readonly CliOption MinRuntime = new("min-runtime", "S", "Only switches whose previous task ran at least S seconds (e.g. 1ms).");
    private static readonly CliOption Duration = new("duration", "S", "Stop after S seconds (default: until Ctrl+C).");
    private static readonly CliOption Count = new("count", "N", "Stop after N events.");
    private static readonly CliOption BufferSize = new("buffer-size", "B", "Ring buffer bytes (default 4M; K, M, G suffixes).");
    private static readonly CliOption Perfetto = new("perfetto", "FILE", "When the watch ends, write a trace that ui.perfetto.dev opens (one track per CPU).");
    private static readonly CliOption Svg = new("svg", "FILE",
        "When the watch ends, write a self-contained SVG timeline (one row per CPU). With either, events go to the files instead of stdout (add --json to get both); existing files are overwritten.");

    internal override string Name => "events";

    internal override string Summary => "Live scheduler events (switches, wakeups, migrations) until Ctrl+C.";

    internal override IReadOnlyList<CliOption> Options { get; } =
    [
        Types, ProcessIds, ThreadIds, TaskName, Cpu, MinRuntime, Duration, Count, BufferSize, Perfetto, Svg,
        SharedOptions.Json, SharedOptions.RawTracepoints, SharedOptions.Verbose, SharedOptions.Debug,
    ];

    private protected override int Execute(Options options, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        var perfettoPath = options.Path(Perfetto.Name);
        var svgPath = options.Path(Svg.Name);
        bool toFiles = perfettoPath is not null || svgPath is not null;
        if (toFiles)
        {
            // A bad path fails now, not after the watch.
            TimelineExport.Check(perfettoPath, svgPath, overwrite: true);
        }
        // One name without wildcards is compared in the kernel; a pattern is matched here.
        var names = options.Names(TaskName.Name);
        var nameFilter = names is { SingleLiteral: null } ? names.Filter : null;
        // Read before anything is attached: a mistake in them is exit 2 wherever it is run, not a session's error.
        var count = options.Int(Count.Name);
        var duration = options.WatchDuration(Duration.Name);
        using var session = StartSession(options, stderr, SessionOptions(options, stderr) with
        {
            Features = SchedTraceFeature.Events,
            ProcessIds = options.IntList(ProcessIds.Name),
            ThreadIds = options.IntList(ThreadIds.Name),
            EventTypes = options.EventTypes(Types.Name),
            Cpu = options.Int(Cpu.Name, allowZero: true),
            EventMinRuntime = options.Duration(MinRuntime.Name),
            EventName = names?.SingleLiteral,
            RingBufferBytes = options.ByteSize(BufferSize.Name) ?? SchedTraceSessionOptions.DefaultRingBufferBytes,
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
            Warn(stderr, $"{report.Lost} events were lost because the ring buffer was full ({report.DescribeLosses()}); use a larger --buffer-size or narrower filters.");
        }
        return CommandLine.ExitOk;
    }
}

using SchedTrace.Cli;
using SchedTrace.Cli.Verbs;

namespace SchedTrace.Tests.Unit;

public sealed class LatencyCliOptionsTests
{
    private static readonly DateTime Start = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void WithoutDurationOrInterval_CollectsUntilCtrlC()
    {
        Assert.Equal(SamplingMode.UntilStopped, LatencyVerb.Plan(Options.Parse(ReadOnlySpan<string>.Empty)).Mode);
        Assert.Throws<UsageException>(() => LatencyVerb.Plan(Options.Parse(new[] { "--count", "2" })));
    }

    [Fact]
    public void DurationAndIntervalArePlans()
    {
        var duration = LatencyVerb.Plan(Options.Parse(new[] { "--duration", "500ms" }));
        Assert.Equal((SamplingMode.Duration, TimeSpan.FromMilliseconds(500)), (duration.Mode, duration.Duration));
        var interval = LatencyVerb.Plan(Options.Parse(new[] { "--interval=2", "--count", "3" }));
        Assert.Equal((SamplingMode.Interval, TimeSpan.FromSeconds(2), (int?)3), (interval.Mode, interval.Interval, interval.Count));
        Assert.Throws<UsageException>(() => LatencyVerb.Plan(Options.Parse(new[] { "--interval", "1", "--duration", "1" })));
    }

    [Fact]
    public void PerProcessAndPerCpuAreFlags()
    {
        // A flag takes no value: the next argument is an option of its own.
        var options = Options.Parse(new[] { "--per-process", "--pid", "7,9", "--per-cpu", "--cpu", "0" });
        options.Allow("per-process", "per-cpu", "pid", "cpu");
        Assert.True(options.Flag("per-process"));
        Assert.True(options.Flag("per-cpu"));
        Assert.Equal(new[] { 7, 9 }, options.IntList("pid"));
        Assert.Equal(0, options.Int("cpu", allowZero: true));
    }

    [Theory]
    [InlineData(false, false, 0, false)]
    [InlineData(false, false, 1, false)] // one process: a kernel constant, no per-process histograms
    [InlineData(false, false, 2, false)] // several: a kernel hash set, no per-process histograms either
    [InlineData(false, true, 0, true)]
    [InlineData(true, false, 0, true)]
    [InlineData(true, false, 1, true)]
    public void PerProcessHistograms_OnlyWhereNeeded(bool perProcess, bool name, int pids, bool needed)
    {
        var query = new LatencyQuery
        {
            PerProcess = perProcess,
            NameFilter = name ? _ => true : null,
            ProcessIds = Enumerable.Range(100, pids).ToArray(),
        };
        Assert.Equal(needed, query.SessionOptions().LatencyPerProcess);
    }

    [Fact]
    public void MethodLines_SayWhatWasHookedAndWhatItMeans()
    {
        var tracepoints = LatencyVerb.MethodLines(ScheduleTimeMethod.SchedTracepoints, "tp_btf", fentryRefused: true).ToList();
        Assert.StartsWith("Method: tp_btf on the sched_entry_tp/sched_exit_tp tracepoints", tracepoints[0]);
        Assert.Contains("fentry/fexit on schedule() was refused", tracepoints[0]);
        Assert.Contains(tracepoints, l => l.Contains("Switch handover", StringComparison.Ordinal));
        Assert.Contains(tracepoints, l => l.Contains("NotSwitched", StringComparison.Ordinal));

        Assert.DoesNotContain("refused", LatencyVerb.MethodLines(ScheduleTimeMethod.SchedTracepoints, "raw_tp", fentryRefused: false).First());
        Assert.StartsWith("Method: fentry/fexit on schedule()", LatencyVerb.MethodLines(ScheduleTimeMethod.FunctionExit, "tp_btf", false).First());
        var switchOnly = LatencyVerb.MethodLines(ScheduleTimeMethod.SwitchTracepoint, "raw_tp", true).ToList();
        Assert.StartsWith("Method: raw_tp on sched_switch only", switchOnly[0]);
        Assert.Contains(switchOnly, l => l.Contains("not seen", StringComparison.Ordinal));
    }

    [Fact]
    public void Text_IsOneHistogramPerRow_OrATablePerReason()
    {
        var rows = new[]
        {
            Row("Sleeping", processId: 42, name: "perl", 20_100_000, 20_300_000),
            Row("Sleeping", processId: 43, name: "sleep", 1_000_000_000),
            Row("Preempted", processId: 42, name: "perl", 3_000),
        };

        var histograms = new StringWriter();
        new LatencyWriter(histograms, OutputFormat.Table).Write(rows, new LatencyQuery { Kind = LatencyReportKind.OffCpu });
        Assert.Equal(string.Join(Environment.NewLine + Environment.NewLine, rows.Select(r => r.FormatHistogram())) + Environment.NewLine, histograms.ToString());

        var tables = new StringWriter();
        new LatencyWriter(tables, OutputFormat.Table).Write(rows, new LatencyQuery { Kind = LatencyReportKind.OffCpu, PerProcess = true });
        var lines = tables.ToString().Split(Environment.NewLine);
        Assert.Equal("Off-CPU time (Sleeping) · 2.0 s · tp_btf test", lines[0]);
        Assert.Matches(@"^\s+PID NAME\s+COUNT\s+MIN\s+MEAN\s+P50\s+P99\s+MAX\s+TOTAL$", lines[1]);
        Assert.Matches(@"^\s+42 perl\s+2\s+20\.1 ms\s+20\.2 ms\s+", lines[3]);
        Assert.Matches(@"^\s+43 sleep\s+1\s+1\.0 s\s+", lines[4]);
        Assert.Equal("", lines[5]);
        Assert.Equal("Off-CPU time (Preempted) · 2.0 s · tp_btf test", lines[6]);

        var nothing = new StringWriter();
        new LatencyWriter(nothing, OutputFormat.Table).Write(Array.Empty<LatencyStatistics>(), new LatencyQuery { PerProcess = true });
        Assert.Equal("No events." + Environment.NewLine, nothing.ToString());
    }

    private static LatencyStatistics Row(string reason, int processId, string name, params ulong[] values)
    {
        var slots = new ulong[LatencyHistogram.Slots];
        foreach (var value in values)
        {
            slots[LatencyHistogram.SlotOf(value)]++;
        }
        var histogram = LatencyHistogram.FromCounters((ulong)values.Length, values.Aggregate(0UL, (a, v) => a + v), values.Min(), values.Max(), slots);
        return LatencyStatistics.Create(histogram, LatencyMeasure.OffCpu, reason, "tp_btf test", Start, Start.AddSeconds(2), TimeSpan.FromSeconds(2), 0, processId, name);
    }
}

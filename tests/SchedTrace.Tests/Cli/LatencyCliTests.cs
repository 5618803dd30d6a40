using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using SchedTrace.Cli;
using SchedTrace.Tests.Kernel;
using SchedTrace.Tests.Support;

namespace SchedTrace.Tests.Cli;

[Collection(KernelCollection.Name)]
public sealed class LatencyCliTests
{
    private static (int Exit, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static List<string> PropertyNames() =>
        typeof(LatencyStatistics).GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name).ToList();

    [Theory]
    [InlineData("count goes with --interval", "runqlat", "--count", "3")]
    [InlineData("choose one of --per-process and --per-cpu", "runqlat", "--per-process", "--per-cpu")]
    [InlineData("--per-cpu does not go with --name", "offcpu", "--per-cpu", "--name", "perl")]
    [InlineData("choose one of --json and --csv", "switchtime", "--json", "--csv")]
    [InlineData("choose one of --duration and --interval", "runqlat", "--interval", "1", "--duration", "1")]
    [InlineData("--pid needs whole numbers", "switchtime", "--pid", "0")]
    [InlineData("not a duration", "switchtime", "--duration", "soon")]
    [InlineData("--cpu needs a whole number", "offcpu", "--cpu", "x")]
    [InlineData("unknown option --top", "offcpu", "--top", "3")]
    [InlineData("unknown option --tid", "runqlat", "--tid", "3")]
    [InlineData("unexpected argument 'stray'", "runqlat", "stray")]
    public void BadArguments_ExitTwoWithOneLineSayingWhy(string why, params string[] args)
    {
        var (exit, output, errors) = Run(args);
        Assert.Equal(CommandLine.ExitUsage, exit);
        Assert.Equal(string.Empty, output);
        var line = Assert.Single(Lines(errors));
        Assert.StartsWith("schedtrace: ", line);
        Assert.Contains(why, line);
    }

    [Fact]
    public void Help_ListsTheLatencyVerbsAndTheirOptions()
    {
        var (exit, output, _) = Run("--help");
        Assert.Equal(0, exit);
        foreach (var text in new[] { "runqlat ", "offcpu ", "switchtime ", "--per-process", "--per-cpu", "default: until Ctrl+C" })
        {
            Assert.Contains(text, output);
        }
    }

    [KernelFact]
    public void CpuOutOfRange_IsAUsageError()
    {
        var (exit, output, errors) = Run("runqlat", "--cpu", "4096", "--duration", "0.1");
        Assert.Equal(CommandLine.ExitUsage, exit);
        Assert.Equal(string.Empty, output);
        Assert.Contains("CPU 4096 does not exist", errors);
    }

    [KernelFact]
    public void SwitchTime_Json_HasEveryPropertyAndNamesTheMethod()
    {
        var (exit, output, errors) = Run("switchtime", "--duration", "0.3", "--json");
        Assert.Equal(0, exit);
        var rows = Lines(output).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.NotEmpty(rows);
        foreach (var row in rows)
        {
            Assert.Equal(PropertyNames(), row.EnumerateObject().Select(p => p.Name).ToList());
            Assert.Equal(0, row.GetProperty("Sample").GetInt32());
            Assert.Equal(JsonValueKind.Null, row.GetProperty("ProcessId").ValueKind);
            Assert.InRange(TimeSpan.Parse(row.GetProperty("Duration").GetString()!, CultureInfo.InvariantCulture).TotalSeconds, 0.29, 5);
            // The histogram is one text property; its counts add up to the row's Count.
            var histogram = row.GetProperty("Histogram").GetString()!;
            long counted = histogram.Length == 0 ? 0 : histogram.Split(';').Sum(b => long.Parse(b[(b.IndexOf(':') + 1)..], CultureInfo.InvariantCulture));
            Assert.Equal(row.GetProperty("Count").GetInt64(), counted);
        }
        var call = rows.First(r => r.GetProperty("Measure").GetString() == "ScheduleCall");
        Assert.True(call.GetProperty("Count").GetInt64() > 0, "no schedule() call in 0.3 s");
        var method = call.GetProperty("Method").GetString()!;
        if (method.StartsWith("fentry/fexit schedule()", StringComparison.Ordinal))
        {
            Assert.DoesNotContain("could not be used", errors);
            return;
        }
        // fentry was refused (lockdown here): the notice says why, on stderr, and the rows say
        // which tracepoints were used instead.
        Assert.Contains("fentry/fexit on schedule() could not be used", errors);
        if (rows.Any(r => r.GetProperty("Measure").GetString() == "SwitchHandover"))
        {
            Assert.Contains("sched_entry_tp -> sched_exit_tp", method);
            Assert.Equal(new[] { "All", "Switched", "NotSwitched", "" }, rows.Select(r => r.GetProperty("Reason").GetString()));
            Assert.Contains("sched_entry_tp -> sched_exit_tp on one CPU", rows[^1].GetProperty("Method").GetString());
        }
        else
        {
            Assert.Contains("sched_switch-out -> sched_switch-in", method);
        }
    }

    [KernelFact]
    public void RunQueue_Csv_HasAHeaderAndAHistogramColumn()
    {
        using var load = PingPong.UntilDisposed();
        var (exit, output, errors) = Run("runqlat", "--duration", "0.3", "--csv");
        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, errors);
        var lines = Lines(output);
        Assert.Equal(2, lines.Length);
        var header = Cells(lines[0]);
        // Every property, as Export-Csv writes them.
        Assert.Equal(PropertyNames(), header);
        var cells = Cells(lines[1]);
        Assert.Equal(header.Count, cells.Count);
        Assert.Equal("RunQueue", cells[header.IndexOf("Measure")]);
        Assert.True(long.Parse(cells[header.IndexOf("Count")], CultureInfo.InvariantCulture) > 0, "no run-queue event under a ping-pong load");
        Assert.Matches(@"^\d+-\d+:\d+(;\d+-\d+:\d+)*$", cells[header.IndexOf("Histogram")]);
        Assert.EndsWith("Z", cells[header.IndexOf("WindowStartUtc")], StringComparison.Ordinal);
    }

    /// <summary>The cells of a CSV line whose every cell is quoted (Method holds commas).</summary>
    private static List<string> Cells(string line) =>
        Regex.Matches(line, "\"((?:[^\"]|\"\")*)\"(,|$)").Select(m => m.Groups[1].Value.Replace("\"\"", "\"", StringComparison.Ordinal)).ToList();

    [KernelFact]
    public void RunQueue_Text_IsTheHistogram()
    {
        using var load = PingPong.UntilDisposed();
        var (exit, output, errors) = Run("runqlat", "--duration", "0.3");
        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, errors);
        var lines = Lines(output);
        // The title and the figures, broken into lines of 79 columns at most, then the bars.
        Assert.StartsWith("Run-queue latency · ", lines[0]);
        int figures = Array.FindIndex(lines, l => l.StartsWith("min ", StringComparison.Ordinal));
        int header = Array.FindIndex(lines, l => Regex.IsMatch(l, @"^\s+range\s+count\s+distribution$"));
        Assert.InRange(figures, 1, header - 1);
        Assert.Contains("sched_wakeup", string.Join(" ", lines[..figures]));
        Assert.Matches(@"^min [\d.]+ (ns|µs|ms|s)  mean .+  max .+  p50 ", lines[figures]);
        Assert.Contains("  p99 ", string.Join("  ", lines[figures..header]));
        Assert.All(lines[..header], l => Assert.InRange(l.Length, 1, TextLayout.TerminalWidth));
        Assert.All(lines.Skip(header + 1), l => Assert.Matches(@"^\s+\S.* \|[* ]{40}\|$", l));
    }

    [KernelFact]
    public void PerCpu_TakesSeveralPids_FilteredInTheKernel()
    {
        // Several --pid go into the kernel's filter, so the per-CPU histograms are those processes' own.
        var (exit, output, errors) = Run("offcpu", "--per-cpu", "--pid", $"{Environment.ProcessId},1", "--duration", "0.3", "--verbose");
        Assert.Equal(0, exit);
        Assert.Contains($"Kernel filters: processes 1, {Environment.ProcessId} (a hash set of 2).", errors);
        var lines = Lines(output);
        Assert.Equal($"Only processes {Environment.ProcessId}, 1.", lines[0]);
        // This process switched in the window: the per-CPU table has its rows, under the column header.
        Assert.Contains(lines, l => l.TrimStart().StartsWith("CPU ", StringComparison.Ordinal));
    }

    [KernelFact]
    public void RunQueue_PerCpu_IsATable_AndIntervalsAreNumbered()
    {
        using var load = PingPong.UntilDisposed();
        var (exit, output, _) = Run("runqlat", "--per-cpu", "--duration", "0.3");
        Assert.Equal(0, exit);
        var lines = Lines(output);
        Assert.StartsWith("Run-queue latency · ", lines[0]);
        Assert.Matches(@"^\s+CPU\s+COUNT\s+MIN\s+MEAN\s+P50\s+P99\s+MAX\s+TOTAL$", lines[1]);
        Assert.All(lines.Skip(3), l => Assert.Matches(@"^\s+\d+\s+\d+\s+", l));

        (exit, output, _) = Run("runqlat", "--interval", "150ms", "--count", "2", "--json");
        Assert.Equal(0, exit);
        Assert.Equal(new[] { 1, 2 }, Lines(output).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("Sample").GetInt32()));
    }

    /// <summary>
    /// A process that sleeps 20 ms at a time: each of its Sleeping intervals is the sleep plus the
    /// wait for a CPU after the wakeup, so at least 20 ms and, on a machine not saturated for
    /// whole milliseconds at a time, not much more.
    /// </summary>
    [KernelFact]
    public void OffCpu_Pid_OfASleepingChild_ShowsItsSleeps()
    {
        using var sleeper = StartSleeper();
        try
        {
            var (exit, output, _) = Run("offcpu", "--pid", sleeper.Id.ToString(CultureInfo.InvariantCulture), "--duration", "0.6", "--json");
            Assert.Equal(0, exit);
            var rows = Lines(output).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal(new[] { "Sleeping", "Uninterruptible", "Preempted", "Other" }, rows.Select(r => r.GetProperty("Reason").GetString()));
            var sleeping = rows[0];
            long count = sleeping.GetProperty("Count").GetInt64();
            Assert.InRange(count, 10, 31); // 0.6 s of 20 ms sleeps: about 29
            Assert.InRange(sleeping.GetProperty("MinNs").GetInt64(), 19_500_000, 40_000_000);
            Assert.InRange(sleeping.GetProperty("P50Ns").GetDouble(), 19_500_000, 25_000_000);
            Assert.InRange(sleeping.GetProperty("MeanNs").GetDouble(), 19_500_000, 30_000_000);
            Assert.InRange(sleeping.GetProperty("TotalNs").GetInt64(), 200_000_000, 700_000_000);

            (exit, output, _) = Run("offcpu", "--pid", sleeper.Id.ToString(CultureInfo.InvariantCulture), "--duration", "0.3");
            Assert.Equal(0, exit);
            var lines = output.Split('\n');
            Assert.Equal($"Only process {sleeper.Id}.", lines[0]);
            Assert.StartsWith("Off-CPU time (Sleeping) · ", lines[2]);
            Assert.Matches(@"^min (~)?[\d.]+ ms  mean [\d.]+ ms", lines.Skip(3).First(l => l.StartsWith("min ", StringComparison.Ordinal)));
        }
        finally
        {
            sleeper.Kill();
            sleeper.WaitForExit();
        }
    }

    [KernelFact]
    public void OffCpu_SeveralPids_PerProcess_KeepsOnlyThem()
    {
        using var first = StartSleeper();
        using var second = StartSleeper();
        try
        {
            string pids = $"{first.Id},{second.Id}";
            var (exit, output, _) = Run("offcpu", "--pid", pids, "--per-process", "--duration", "0.4", "--json");
            Assert.Equal(0, exit);
            var sleeping = Lines(output).Select(l => JsonDocument.Parse(l).RootElement).Where(r => r.GetProperty("Reason").GetString() == "Sleeping").ToList();
            Assert.Equal(new[] { first.Id, second.Id }.Order(), sleeping.Select(r => r.GetProperty("ProcessId").GetInt32()).Order());
            Assert.All(sleeping, r => Assert.Equal("perl", r.GetProperty("Name").GetString()));

            (exit, output, _) = Run("offcpu", "--pid", pids, "--per-process", "--duration", "0.3");
            Assert.Equal(0, exit);
            var lines = Lines(output);
            Assert.Equal($"Only processes {first.Id}, {second.Id}.", lines[0]);
            int heading = Array.FindIndex(lines, l => l.StartsWith("Off-CPU time (Sleeping) · ", StringComparison.Ordinal));
            Assert.Matches(@"^\s+PID NAME\s+COUNT\s+MIN\s+MEAN", lines[heading + 1]);
            Assert.Equal(2, lines.Skip(heading + 3).TakeWhile(l => Regex.IsMatch(l, @"^\s+\d+ perl\s")).Count());
        }
        finally
        {
            first.Kill();
            first.WaitForExit();
            second.Kill();
            second.WaitForExit();
        }
    }

    /// <summary>
    /// The assignment's way of running it: no --duration, Ctrl+C ends it, and then min, max, mean
    /// and count are printed, without an exception, exit 0, every BPF object released.
    /// </summary>
    [KernelFact]
    public void SwitchTime_UntilCtrlC_PrintsTheFiguresAndDetachesEverything()
    {
        var (exit, output, errors, held, stopTime) = CliProcess.RunUntilInterrupted("switchtime");

        Assert.Equal(0, exit);
        Assert.DoesNotContain("Exception", errors);
        Assert.DoesNotContain("Unhandled", errors);
        Assert.Contains("press Ctrl+C to stop", errors);
        Assert.True(stopTime < TimeSpan.FromSeconds(2), $"stopped {stopTime.TotalMilliseconds:F0} ms after Ctrl+C");
        var lines = Lines(output);
        Assert.StartsWith("Method: ", lines[0]);
        Assert.Matches("sched_entry_tp/sched_exit_tp|fentry/fexit|sched_switch", lines[0]);
        // Every measure: a title with the count, then min, mean, max.
        var titles = lines.Where(l => l.StartsWith("Time in schedule()", StringComparison.Ordinal) || l.StartsWith("Switch handover", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(titles);
        Assert.All(titles, t => Assert.Matches(@" · [\d,]+ events? in [\d.]+ (ms|s)( · |$)", t));
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^min ~?[\d.]+ (ns|µs|ms|s)  mean [\d.]+ (ns|µs|ms|s)  max ~?[\d.]+ (ns|µs|ms|s)"));

        CliProcess.AssertReleased(held);
    }

    [KernelFact]
    public void RunQueue_CtrlCDuringDuration_PrintsWhatWasGathered()
    {
        var (exit, output, errors, held, stopTime) = CliProcess.RunUntilInterrupted("runqlat", "--duration", "60", "--json");

        Assert.Equal(0, exit);
        Assert.DoesNotContain("Exception", errors);
        Assert.True(stopTime < TimeSpan.FromSeconds(2), $"stopped {stopTime.TotalMilliseconds:F0} ms after Ctrl+C");
        var row = JsonDocument.Parse(Assert.Single(Lines(output))).RootElement;
        Assert.InRange(TimeSpan.Parse(row.GetProperty("Duration").GetString()!, CultureInfo.InvariantCulture).TotalSeconds, 0.1, 30);
        CliProcess.AssertReleased(held);
    }

    /// <summary>perl sleeping 20 ms at a time for up to 10 s (the test kills it sooner).</summary>
    private static Process StartSleeper()
    {
        var sleeper = Process.Start(new ProcessStartInfo("perl", new[] { "-e", "select(undef, undef, undef, 0.02) for 1 .. 500" }))!;
        Thread.Sleep(100); // past start-up: from here on it only sleeps
        return sleeper;
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using SchedTrace.Cli;
using SchedTrace.Tests.Kernel;
using SchedTrace.Tests.Support;
using Xunit.Abstractions;

namespace SchedTrace.Tests.Faults;

/// <summary>
/// Tables and buffers that fill, seen from the CLI: what did not fit is counted and said on
/// stderr. (The session's own counters: CpuTimeKernelTests, EventKernelTests; the cmdlets'
/// warnings: Faults.Tests.ps1, Watch-SchedEvent.Tests.ps1.)
/// </summary>
[Collection(KernelCollection.Name)]
public sealed partial class FillReportingTests(ITestOutputHelper output)
{
    [KernelFact]
    public void Cli_TaskTableThatFills_IsAWarningOnStderr_WithHowManyThreadsWereLeftOut()
    {
        using var threads = ExitedThreads.Start();
        // One reading, at the end: a reading releases the threads it saw freed, so none may
        // fall while the threads come and go.
        using var process = Process.Start(CliBinary.Start("cputime", "--duration", "5", "--top", "1", "--verbose"))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = new List<string>();
        try
        {
            string Next()
            {
                var line = process.StandardError.ReadLineAsync();
                Assert.True(line.Wait(TimeSpan.FromSeconds(60)), "the CLI stopped writing on stderr");
                Assert.NotNull(line.Result);
                stderr.Add(line.Result);
                return line.Result;
            }
            Assert.StartsWith("schedtrace: Started a session", Next());
            string? tableLine = null;
            while (tableLine is null)
            {
                var line = Next();
                tableLine = line.StartsWith("schedtrace: Tables: task table ", StringComparison.Ordinal) ? line : null;
            }
            int capacity = int.Parse(TableSize().Match(tableLine).Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);

            // Every thread that exits stays in the table until a reading sees it freed: a table's
            // worth and more, all before the one reading, cannot fit. (About a second here.)
            int spawned = capacity + 4096;
            threads.Run(spawned);
            Assert.False(process.HasExited, "the 5 s reading ended before the threads had all exited: the machine is too slow for this test");
            Assert.True(process.WaitForExit(60_000), "the CLI did not end after its --duration");
            stderr.AddRange(process.StandardError.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries));
            output.WriteLine($"task table {capacity}, {spawned} threads started and exited\n{string.Join('\n', stderr)}");

            Assert.Equal(0, process.ExitCode);
            var warnings = stderr.Where(l => l.StartsWith("schedtrace: warning: ", StringComparison.Ordinal)).ToList();
            Assert.True(warnings.Count == 1, $"one warning expected on stderr:\n{string.Join('\n', stderr)}");
            var warning = warnings[0];
            var match = DroppedWarning().Match(warning);
            Assert.True(match.Success, warning);
            long dropped = long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.Equal(capacity, int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture));
            // At least what the table could not hold of these threads (other tasks of the machine
            // may have been left out too, and a thread left out can miss more than one update).
            Assert.True(dropped >= spawned - capacity, $"{spawned} threads in a table of {capacity}: at least {spawned - capacity} left out, but the warning says {dropped}");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    [KernelFact]
    public void Cli_RingBufferThatFills_IsAWarningOnStderr_WithTheLossesPerCpu()
    {
        // A 4 KB ring holds a few dozen switch records; the reader drains every 10 ms while the
        // ping-pong switches tens of thousands of times a second, so the ring overflows.
        (int exit, string stdout, string stderr) run;
        using (PingPong.Start(TimeSpan.FromSeconds(30)))
        {
            run = CliRunner.Run("events", "--buffer-size", "4K", "--duration", "0.5", "--json");
        }
        var (exit, stdout, stderr) = run;
        output.WriteLine(stderr);

        Assert.Equal(CommandLine.ExitOk, exit);
        Assert.NotEmpty(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var match = LostWarning().Match(line);
        Assert.True(match.Success, line);
        long lost = long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(lost > 0);
        // The per-CPU figures add up to the total.
        var perCpu = PerCpuLoss().Matches(match.Groups[2].Value).Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.Equal(lost, perCpu);
    }

    [GeneratedRegex(@"^schedtrace: Tables: task table ([\d,]+) entries")]
    private static partial Regex TableSize();

    [GeneratedRegex(@"^schedtrace: warning: (\d+) thread updates did not fit in the task table \((\d+) entries\); their time is missing\.$")]
    private static partial Regex DroppedWarning();

    [GeneratedRegex(@"^schedtrace: warning: (\d+) events were lost because the ring buffer was full \((.*)\); use a larger --buffer-size or narrower filters\.$")]
    private static partial Regex LostWarning();

    [GeneratedRegex(@"CPU \d+: (\d+)")]
    private static partial Regex PerCpuLoss();
}

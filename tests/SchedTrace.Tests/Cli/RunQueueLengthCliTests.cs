using System.Globalization;
using System.Text.Json;
using SchedTrace.Cli;
using SchedTrace.Engine;
using SchedTrace.Tests.Kernel;
using SchedTrace.Tests.Support;

namespace SchedTrace.Tests.Cli;

/// <summary>`schedtrace runqlen`, in the CLI's three formats, on spinners the test owns.</summary>
[Collection(KernelCollection.Name)]
public sealed class RunQueueLengthCliTests
{
    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// Two spinners pinned to one CPU, runnable throughout: every sample there finds at least one
    /// waiting. One JSON row per online CPU, with every sample in its histogram and at most 99 a
    /// second (plus one at each edge of the window).
    /// </summary>
    [KernelFact]
    public void Json_OneRowPerCpu_TheSpinnersCpuNeverEmpty()
    {
        int cpu = CpuTopology.Online().Max();
        using var spinners = PinnedSpinners.Start(cpu, 2, TimeSpan.FromSeconds(20));
        var (exit, output, errors) = CliRunner.Run(["runqlen", "--duration", "1", "--json"]);
        Assert.True(exit == 0, errors);
        Assert.True(spinners.AllRunnableOn(cpu));
        var rows = Lines(output).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(CpuTopology.Online().Order(), rows.Select(r => r.GetProperty("Cpu").GetInt32()));
        foreach (var row in rows)
        {
            long samples = row.GetProperty("Samples").GetInt64();
            double window = TimeSpan.Parse(row.GetProperty("Duration").GetString()!, CultureInfo.InvariantCulture).TotalSeconds;
            Assert.InRange(samples, 1, (long)(window * RunQueueLength.SampleRate) + 2);
            var cells = row.GetProperty("Histogram").GetString()!.Split(';').Select(c => c.Split(':')).ToList();
            Assert.Equal(samples, cells.Sum(c => long.Parse(c[1], CultureInfo.InvariantCulture)));
        }
        var pinned = rows.Single(r => r.GetProperty("Cpu").GetInt32() == cpu);
        Assert.StartsWith("0:0;", pinned.GetProperty("Histogram").GetString());
        Assert.Equal(100, pinned.GetProperty("OccupancyPercent").GetDouble());
    }

    [KernelFact]
    public void TableAndCsv_Total_IsOneRow()
    {
        var (exit, table, errors) = CliRunner.Run(["runqlen", "--duration", "0.3", "--total"]);
        Assert.True(exit == 0, errors);
        var lines = Lines(table);
        Assert.Matches(@"^\s*CPU\s+SAMPLES\s+IDLE%\s+OCCUPIED%\s+MEAN\s+MAX\s+HISTOGRAM$", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("all ", lines[2].TrimStart());

        (exit, var csv, errors) = CliRunner.Run(["runqlen", "--duration", "0.3", "--total", "--csv"]);
        Assert.True(exit == 0, errors);
        var header = Lines(csv)[0].Split(',').Select(h => h.Trim('"')).ToList();
        Assert.Contains("Histogram", header);
        Assert.Contains("OccupancyPercent", header);
        Assert.Equal(2, Lines(csv).Length);
    }

    [Fact]
    public void ProcessFilter_IsRefused_ARunQueueIsTheCpus()
    {
        var (exit, _, errors) = CliRunner.Run(["runqlen", "--pid", "1"]);
        Assert.Equal(CommandLine.ExitUsage, exit);
        Assert.Contains("--pid", errors);
    }
}

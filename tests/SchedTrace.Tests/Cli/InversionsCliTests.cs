using System.Diagnostics;
using System.Text.Json;
using SchedTrace.Cli;
using SchedTrace.Tests.Kernel;
using SchedTrace.Tests.Support;

namespace SchedTrace.Tests.Cli;

/// <summary>`schedtrace inversions` on the lock scenario of the kernel tests, and its edges.</summary>
[Collection(KernelCollection.Name)]
public sealed class InversionsCliTests
{
    [KernelFact]
    public void Inversions_Json_StreamsTheLockInversion_ThenTheSummaryPerPair()
    {
        InversionWorkload? workload = null;
        var cli = Task.Run(() => CliRunner.Run("inversions", "--kind", "lock", "--threshold", "0.05", "--duration", "3", "--name", "inv-*", "--json"));
        Thread.Sleep(1000); // attached well before the scenario starts
        workload = InversionWorkload.Run("lock", 300);
        var (exit, output, errors) = cli.Result;
        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, errors);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var alerts = lines.Where(l => l.TryGetProperty("RanInstead", out _)).ToList();
        var summary = lines.Where(l => l.TryGetProperty("Count", out _)).ToList();
        Assert.Equal(lines.Count, alerts.Count + summary.Count);
        // Alerts first, then the summary rows, each with the properties of its PowerShell object.
        Assert.True(alerts.Count == 0 || lines.IndexOf(alerts[^1]) < lines.IndexOf(summary.FirstOrDefault()) || summary.Count == 0);
        int low = workload.ThreadIds[0], medium = workload.ThreadIds[1], high = workload.ThreadIds[2];
        var alert = Assert.Single(alerts);
        Assert.Equal(typeof(PriorityInversion).GetProperties().Select(p => p.Name).ToHashSet(), alert.EnumerateObject().Select(p => p.Name).ToHashSet());
        Assert.Equal("Lock", alert.GetProperty("Kind").GetString());
        Assert.Equal(high, alert.GetProperty("ThreadId").GetInt32());
        Assert.Equal(low, alert.GetProperty("OwnerThreadId").GetInt32());
        Assert.Equal("Fifo", alert.GetProperty("Policy").GetString());
        Assert.EndsWith("Z", alert.GetProperty("Timestamp").GetString());
        Assert.True(alert.GetProperty("WaitNs").GetUInt64() >= 50_000_000UL);
        // The tasks that ran instead, as text with every figure: "name[tid] pid P FIFO prio ns".
        Assert.Contains(alert.GetProperty("RanInstead").GetString()!.Split("; "), r => r.Contains($"[{medium}] ", StringComparison.Ordinal) && r.Contains(" FIFO ", StringComparison.Ordinal));
        var row = Assert.Single(summary, r => r.GetProperty("RanThreadId").GetInt32() == medium);
        Assert.Equal(typeof(PriorityInversionSummary).GetProperties().Select(p => p.Name).ToHashSet(), row.EnumerateObject().Select(p => p.Name).ToHashSet());
        Assert.Equal(high, row.GetProperty("ThreadId").GetInt32());
        Assert.Equal(1, row.GetProperty("Count").GetInt32());
        Assert.Equal(alert.GetProperty("WaitNs").GetUInt64(), row.GetProperty("TotalWaitNs").GetUInt64());
    }

    [Theory]
    [InlineData("inversions", "--kind", "bogus")]
    [InlineData("inversions", "--csv")]
    [InlineData("inversions", "--threshold", "soon")]
    [InlineData("inversions", "--min-nice-gap", "40")]
    [InlineData("inversions", "--max-alerts", "0")]
    public void BadArguments_ExitTwo(params string[] args)
    {
        var (exit, output, errors) = CliRunner.Run(args);
        Assert.Equal(CommandLine.ExitUsage, exit);
        Assert.Equal(string.Empty, output);
        Assert.StartsWith("schedtrace: ", errors);
    }

    [KernelFact]
    public void CtrlC_PrintsTheSummary_AndExitsZero()
    {
        var (exit, output, errors, held, _) = CliProcess.RunUntilInterrupted("inversions", "--threshold", "10");

        Assert.Equal(0, exit);
        Assert.DoesNotContain("Exception", errors);
        // Nothing lasts ten seconds here: the summary says so.
        Assert.Contains("No priority inversions.", output);
        CliProcess.AssertReleased(held);
    }
}

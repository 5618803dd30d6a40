using System.Diagnostics;
using System.Text.Json;
using SchedTrace.Cli;
using SchedTrace.Tests.Kernel;
using SchedTrace.Tests.Support;

namespace SchedTrace.Tests.Cli;

[Collection(KernelCollection.Name)]
public sealed class EventsCliTests
{
    private static (int Exit, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [KernelFact]
    public void Events_Json_AreTypedObjectsWithTheirOwnPropertyNames()
    {
        using var load = PingPong.UntilDisposed();
        // A buffer that holds seconds of the ping-pong: a reader starved of CPU on a busy machine
        // loses nothing (and so writes no warning), and this test is about the records' shape.
        var (exit, output, errors) = Run("events", "--type", "switch,wakeup", "--count", "400", "--buffer-size", "67108864", "--json");
        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, errors);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(400, lines.Length);
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line);
            var type = json.RootElement.GetProperty("Type").GetString();
            var expected = (type == "Switch" ? typeof(SchedSwitchEvent) : typeof(SchedWakeupEvent)).GetProperties().Select(p => p.Name).ToHashSet();
            Assert.Equal(expected, json.RootElement.EnumerateObject().Select(p => p.Name).ToHashSet());
            Assert.EndsWith("Z", json.RootElement.GetProperty("Timestamp").GetString());
        }
        Assert.Contains(lines, l => l.Contains("\"Type\":\"Wakeup\""));
    }

    [KernelFact]
    public void Events_Table_ReadsLikeTheLab()
    {
        using var load = PingPong.UntilDisposed();
        var (exit, output, _) = Run("events", "--count", "5", "--pid", Environment.ProcessId.ToString());
        Assert.Equal(0, exit);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(7, lines.Length);
        Assert.StartsWith(" TIME(ms) CPU", lines[0]);
        Assert.All(lines.Skip(2), l => Assert.Matches(@"^\s+\d+\.\d{3}\s+\d+\s+switch\s+.+\[\d+\].* -> .+\[\d+\]$", l));
    }

    [Theory]
    [InlineData("events", "--type", "bogus")]
    [InlineData("events", "--csv")]
    [InlineData("events", "--buffer-size", "12Q")]
    [InlineData("events", "--cpu", "x")]
    public void BadArguments_ExitTwo(params string[] args)
    {
        var (exit, output, errors) = Run(args);
        Assert.Equal(CommandLine.ExitUsage, exit);
        Assert.Equal(string.Empty, output);
        Assert.StartsWith("schedtrace: ", errors);
    }

    [KernelFact]
    public void CtrlC_StopsQuickly_WithoutAnException_AndDetachesEverything()
    {
        var (exit, output, errors, held, stopTime) = CliProcess.RunUntilInterrupted("events", "--json");

        Assert.Equal(0, exit);
        Assert.DoesNotContain("Exception", errors);
        Assert.DoesNotContain("Unhandled", errors);
        Assert.True(stopTime < TimeSpan.FromSeconds(1), $"stopped {stopTime.TotalMilliseconds:F0} ms after Ctrl+C");
        Assert.All(output.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => JsonDocument.Parse(line).Dispose());
        CliProcess.AssertReleased(held);
    }
}

using System.Globalization;
using System.Xml.Linq;
using SchedTrace.Cli;
using SchedTrace.Tests.Kernel;
using SchedTrace.Tests.Support;
using SchedTrace.Timeline;
using Xunit.Abstractions;

namespace SchedTrace.Tests.Timeline;

/// <summary>A recorded ping-pong, exported: its slices must be on the CPU the threads were pinned to.</summary>
[Collection(KernelCollection.Name)]
public sealed class TimelineKernelTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("st-timeline-kernel-");

    public void Dispose() => folder.Delete(recursive: true);

    private string In(string name) => Path.Combine(folder.FullName, name);

    [KernelFact]
    public void PingPong_SlicesAppearOnThePinnedCpu_InBothFiles()
    {
        const int roundTrips = 300;
        int pinned = CpuTopologyLast();
        using var pair = new PipePair(roundTrips, pinToCpu: pinned);
        using var session = SchedTraceSession.Start(new SchedTraceSessionOptions
        {
            Features = SchedTraceFeature.Events,
            ProcessIds = [Environment.ProcessId],
            EventTypes = new[] { SchedEventType.Switch, SchedEventType.Wakeup },
        });
        session.TakeEvents();
        pair.Run();
        var events = session.TakeEvents();
        Assert.Equal(0, session.LostEvents);

        TimelineExport.Write(events, In("pp.json"), In("pp.svg"), overwrite: false);

        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(In("pp.json")));
        var slices = TimelineFileTests.Events(json, "X").ToList();
        var ping = slices.Where(x => x.GetProperty("name").GetString() == $"st-ping [{pair.PingThreadId}]").ToList();
        var pong = slices.Where(x => x.GetProperty("name").GetString() == $"st-pong [{pair.PongThreadId}]").ToList();
        output.WriteLine($"{events.Count} events, {slices.Count} slices: ping {ping.Count}, pong {pong.Count} on CPU {pinned}");
        // Each round trip blocks ping once and pong once: a slice of each that ends in a switch-out.
        Assert.True(ping.Count >= roundTrips, $"{ping.Count} ping slices for {roundTrips} round trips");
        Assert.True(pong.Count >= roundTrips, $"{pong.Count} pong slices for {roundTrips} round trips");
        Assert.All(ping.Concat(pong), x =>
        {
            Assert.Equal(PerfettoTrace.TrackThreadId(pinned), x.GetProperty("tid").GetInt32());
            Assert.Equal(Environment.ProcessId, x.GetProperty("args").GetProperty("pid").GetInt32());
            Assert.True(x.GetProperty("dur").GetDecimal() > 0);
        });
        Assert.Contains(TimelineFileTests.Events(json, "i"), i => i.GetProperty("name").GetString() == $"wakeup st-pong [{pair.PongThreadId}]");

        var svg = XDocument.Load(In("pp.svg"));
        var pingRects = svg.Descendants(TimelineFileTests.Svg + "title")
            .Where(t => t.Value.StartsWith($"st-ping [{pair.PingThreadId}] ", StringComparison.Ordinal))
            .Select(t => t.Parent!.Parent!)
            .ToList();
        Assert.Equal(ping.Count, pingRects.Count);
        Assert.All(pingRects, row => Assert.Equal(pinned.ToString(CultureInfo.InvariantCulture), (string?)row.Attribute("data-cpu")));
    }

    [KernelFact]
    public void Cli_WritesTheFilesInsteadOfTheTable()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        using var load = PingPong.Start(TimeSpan.FromSeconds(1));
        int exit = CommandLine.Run(["events", "--duration", "0.3", "--perfetto", In("c.json"), "--svg", In("c.svg")], stdout, stderr);

        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, stdout.ToString());
        Assert.Contains($"wrote {In("c.svg")}", stderr.ToString());
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(In("c.json")));
        Assert.NotEmpty(TimelineFileTests.Events(json, "X"));
        Assert.Contains(XDocument.Load(In("c.svg")).Descendants(TimelineFileTests.Svg + "rect"), r => (string?)r.Attribute("class") == "slice");
    }

    [Fact]
    public void Cli_ABadPathFailsBeforeTracing()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        // No root needed: the path is checked before any BPF is loaded.
        int exit = CommandLine.Run(["events", "--duration", "5", "--svg", In("no/such/folder/t.svg")], stdout, stderr);

        Assert.Equal(CommandLine.ExitUsage, exit);
        Assert.Equal(string.Empty, stdout.ToString());
        Assert.StartsWith("schedtrace: Could not write", stderr.ToString());
    }

    // The last online CPU: off CPU 0, where most interrupts and the test runner's threads land.
    private static int CpuTopologyLast() => SchedTrace.Engine.CpuTopology.Online().Max();
}

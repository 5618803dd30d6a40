using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using SchedTrace.Timeline;
using static SchedTrace.Tests.Timeline.Synthetic;

namespace SchedTrace.Tests.Timeline;

/// <summary>The structure of the Perfetto trace and of the SVG, parsed back.</summary>
public sealed class TimelineFileTests
{
    internal static readonly XNamespace Svg = SvgTimeline.Namespace;

    private static readonly List<SchedEvent> Schedule = RandomSchedule(cpus: 3, switchesPerCpu: 200, seed: 42);

    internal static JsonDocument PerfettoJson(SchedTimeline timeline)
    {
        using var stream = new MemoryStream();
        PerfettoTrace.Write(timeline, stream);
        return JsonDocument.Parse(stream.ToArray());
    }

    internal static XDocument SvgDocument(SchedTimeline timeline)
    {
        using var stream = new MemoryStream();
        SvgTimeline.Write(timeline, stream);
        stream.Position = 0;
        return XDocument.Load(stream);
    }

    internal static IEnumerable<JsonElement> Events(JsonDocument json, string phase) =>
        json.RootElement.GetProperty("traceEvents").EnumerateArray().Where(e => e.GetProperty("ph").GetString() == phase);

    [Fact]
    public void Perfetto_HasANamedTrackPerCpu_AndASliceEventPerRunSlice()
    {
        var timeline = SchedTimeline.Build(Schedule);
        using var json = PerfettoJson(timeline);

        Assert.Equal("ns", json.RootElement.GetProperty("displayTimeUnit").GetString());
        var metadata = Events(json, "M").ToList();
        var process = Assert.Single(metadata, m => m.GetProperty("name").GetString() == "process_name");
        Assert.Equal("CPUs", process.GetProperty("args").GetProperty("name").GetString());
        int pid = process.GetProperty("pid").GetInt32();
        Assert.NotEqual(0, pid);
        var tracks = metadata.Where(m => m.GetProperty("name").GetString() == "thread_name")
            .ToDictionary(m => m.GetProperty("tid").GetInt32(), m => m.GetProperty("args").GetProperty("name").GetString());
        Assert.Equal(timeline.Cpus.ToDictionary(PerfettoTrace.TrackThreadId, c => (string?)$"CPU {c}"), tracks);

        var slices = Events(json, "X").ToList();
        Assert.Equal(timeline.Slices.Count, slices.Count);
        Assert.All(slices, x =>
        {
            Assert.Equal(pid, x.GetProperty("pid").GetInt32());
            Assert.Contains(x.GetProperty("tid").GetInt32(), tracks.Keys);
            Assert.True(x.GetProperty("ts").GetDecimal() >= 0);
            Assert.True(x.GetProperty("dur").GetDecimal() >= 0);
            var args = x.GetProperty("args");
            Assert.Equal($"{args.GetProperty("comm").GetString()} [{args.GetProperty("tid").GetInt32()}]", x.GetProperty("name").GetString());
            Assert.InRange(args.GetProperty("prio").GetInt32(), 0, 139);
            Assert.False(string.IsNullOrEmpty(args.GetProperty("end_state").GetString()));
            Assert.True(args.GetProperty("pid").GetInt32() > 0);
        });
        foreach (var track in slices.GroupBy(x => x.GetProperty("tid").GetInt32()))
        {
            var spans = track.Select(x => (Start: x.GetProperty("ts").GetDecimal(), End: x.GetProperty("ts").GetDecimal() + x.GetProperty("dur").GetDecimal())).OrderBy(s => s.Start).ToList();
            Assert.All(spans.Zip(spans.Skip(1)), p => Assert.True(p.First.End <= p.Second.Start, $"track {track.Key}: slices overlap at {p.Second.Start}"));
        }
    }

    [Fact]
    public void Perfetto_TimesAreExactMicroseconds_AndInstantsSitOnTheirCpu()
    {
        var timeline = SchedTimeline.Build(new SchedEvent[]
        {
            Switch(1_000_000_123_457, 2, Idle, new SimTask(7, 8, "work \"quoted\"")),
            Wakeup(1_000_000_200_000, 2, new SimTask(9, 9, "waker"), targetCpu: 0),
            Migrate(1_000_000_300_000, 0, new SimTask(9, 9, "waker"), 2, 0),
            Switch(1_000_000_623_458, 2, new SimTask(7, 8, "work \"quoted\""), Idle, prevRuntimeNs: 500_001),
        });
        using var json = PerfettoJson(timeline);

        var slice = Assert.Single(Events(json, "X"));
        Assert.Equal(1_000_000_123.457m, slice.GetProperty("ts").GetDecimal());
        Assert.Equal(500.001m, slice.GetProperty("dur").GetDecimal());
        Assert.Equal("work \"quoted\" [8]", slice.GetProperty("name").GetString());
        Assert.Equal("S", slice.GetProperty("args").GetProperty("end_state").GetString());

        var instants = Events(json, "i").ToList();
        Assert.Equal(2, instants.Count);
        Assert.All(instants, i => Assert.Equal("t", i.GetProperty("s").GetString()));
        var wakeup = Assert.Single(instants, i => i.GetProperty("name").GetString() == "wakeup waker [9]");
        Assert.Equal(PerfettoTrace.TrackThreadId(2), wakeup.GetProperty("tid").GetInt32());
        Assert.Equal(0, wakeup.GetProperty("args").GetProperty("target_cpu").GetInt32());
        var migrate = Assert.Single(instants, i => i.GetProperty("name").GetString() == "migrate waker [9]");
        Assert.Equal(PerfettoTrace.TrackThreadId(0), migrate.GetProperty("tid").GetInt32());
        Assert.Equal((2, 0), (migrate.GetProperty("args").GetProperty("orig_cpu").GetInt32(), migrate.GetProperty("args").GetProperty("dest_cpu").GetInt32()));
    }

    [Fact]
    public void Svg_IsWellFormed_WithARowPerCpu_AndARectPerSlice()
    {
        var timeline = SchedTimeline.Build(Schedule);
        var svg = SvgDocument(timeline);

        Assert.Equal(Svg + "svg", svg.Root!.Name);
        var rows = svg.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "cpu").ToList();
        Assert.Equal(timeline.Cpus.Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)), rows.Select(r => (string?)r.Attribute("data-cpu")));
        double width = (double)svg.Root.Attribute("width")!;
        foreach (var row in rows)
        {
            int cpu = (int)row.Attribute("data-cpu")!;
            Assert.Contains(row.Elements(Svg + "text"), t => t.Value == $"CPU {cpu}");
            var rects = row.Elements(Svg + "rect").Where(r => (string?)r.Attribute("class") == "slice").ToList();
            var slices = timeline.Slices.Where(s => s.Cpu == cpu).ToList();
            Assert.Equal(slices.Count, rects.Count);
            // Same order as the slices: each tooltip names its task, and the colour is its process's.
            Assert.All(rects.Zip(slices), p =>
            {
                Assert.StartsWith($"{p.Second.Label} pid {p.Second.ProcessId}", p.First.Element(Svg + "title")!.Value);
                Assert.Equal(SvgTimeline.ProcessColor(p.Second.ProcessId), (string?)p.First.Attribute("fill"));
                Assert.InRange((double)p.First.Attribute("x")!, 0, width);
                Assert.InRange((double)p.First.Attribute("x")! + (double)p.First.Attribute("width")!, 0, width + 1);
                Assert.True((double)p.First.Attribute("width")! > 0);
            });
            // Rows do not overlap each other.
            Assert.Single(rects.Select(r => (double)r.Attribute("y")!).Distinct());
        }
        Assert.Equal(rows.Count, rows.Select(r => (double)r.Elements(Svg + "rect").First().Attribute("y")!).Distinct().Count());
    }

    [Fact]
    public void Svg_HasATimeAxisAndALegendOfTheBusiestProcesses()
    {
        var timeline = SchedTimeline.Build(Schedule);
        var svg = SvgDocument(timeline);

        var axis = svg.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "axis");
        var labels = axis.Elements(Svg + "text").Select(t => t.Value).ToList();
        Assert.InRange(labels.Count, 4, 12);
        Assert.Matches(@"^0(\.0+)? (ns|µs|ms|s)$", labels[0]);
        var legend = svg.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "legend");
        var busiest = timeline.BusiestProcesses(3);
        var legendTexts = legend.Elements(Svg + "text").Skip(1).Select(t => t.Value).ToList();
        Assert.Equal(busiest.Select(p => $"{p.Name} (pid {p.ProcessId})"), legendTexts.Take(3).Select(t => t[..t.IndexOf(')', StringComparison.Ordinal)] + ")"));
    }

    [Fact]
    public void Svg_RefersToNothingOutsideItself()
    {
        // Task names are user-controlled: one that looks like markup must stay text.
        var markup = new SimTask(66, 66, "<script>x</script>");
        var events = Schedule.Append(Switch(9_000_000_000_000, 0, Idle, markup)).Append(Switch(9_000_000_001_000, 0, markup, Idle, 1_000)).ToList();
        using var stream = new MemoryStream();
        SvgTimeline.Write(SchedTimeline.Build(events), stream);
        var text = Encoding.UTF8.GetString(stream.ToArray());
        var svg = XDocument.Parse(text);

        string[] external = ["script", "image", "foreignObject", "use", "a", "style", "link", "iframe"];
        Assert.DoesNotContain(svg.Descendants(), e => external.Contains(e.Name.LocalName));
        Assert.DoesNotContain(svg.Descendants().Attributes(), a => a.Name.LocalName is "href" or "src" || a.Name.LocalName.StartsWith("on", StringComparison.Ordinal));
        Assert.DoesNotContain("url(", text, StringComparison.Ordinal);
        Assert.DoesNotContain("@import", text, StringComparison.Ordinal);
        // The only address in the file is the SVG namespace name, which no viewer fetches.
        Assert.Equal(1, System.Text.RegularExpressions.Regex.Count(text, "https?://"));
        Assert.Contains(svg.Descendants(Svg + "title"), t => t.Value.StartsWith("<script>x</script> [66]", StringComparison.Ordinal));
    }

    [Fact]
    public void EmptyTimeline_StillWritesValidFiles()
    {
        var timeline = SchedTimeline.Build(Array.Empty<SchedEvent>());
        using var json = PerfettoJson(timeline);
        Assert.Empty(Events(json, "X"));
        var svg = SvgDocument(timeline);
        Assert.Contains(svg.Descendants(Svg + "text"), t => t.Value == "No scheduler events.");
    }

    [Theory]
    [InlineData(0.9, 1)]
    [InlineData(1, 1)]
    [InlineData(130, 200)]
    [InlineData(300, 500)]
    [InlineData(62_500_000, 100_000_000)]
    public void TickSteps_AreOneTwoOrFiveTimesAPowerOfTen(double rough, double step) => Assert.Equal(step, SvgTimeline.NiceStep(rough));

    [Fact]
    public void ProcessColours_AreStable_AndNeighboursDiffer()
    {
        Assert.Equal(SvgTimeline.ProcessColor(4242), SvgTimeline.ProcessColor(4242));
        var colours = Enumerable.Range(4000, 10).Select(SvgTimeline.ProcessColor).ToList();
        Assert.All(colours, c => Assert.Matches("^#[0-9a-f]{6}$", c));
        Assert.Equal(10, colours.Distinct().Count());
    }
}

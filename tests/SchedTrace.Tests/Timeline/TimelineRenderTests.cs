using System.Globalization;
using SchedTrace.Tests.Surface;
using SchedTrace.Timeline;
using Xunit.Abstractions;
using static SchedTrace.Tests.Timeline.Synthetic;

namespace SchedTrace.Tests.Timeline;

/// <summary>
/// The SVG as a browser draws it: headless Chromium takes a screenshot, and the PNG must show
/// the slices in their colours where the SVG put them. Needs chromium (scripts/install-deps.sh
/// installs it); a machine without it fails rather than skipping the check.
/// </summary>
public sealed class TimelineRenderTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("st-render-");

    public void Dispose() => folder.Delete(recursive: true);

    internal static Png Screenshot(string svgPath, DirectoryInfo workDir, ITestOutputHelper output)
    {
        var chromium = new[] { "chromium", "chromium-browser", "google-chrome" }
            .Select(name => Environment.GetEnvironmentVariable("PATH")!.Split(':').Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists))
            .FirstOrDefault(path => path is not null)
            ?? throw new FileNotFoundException("chromium is not installed; run scripts/install-deps.sh (as root) to install it.");
        var png = Path.Combine(workDir.FullName, "out.png");
        var result = ExternalTool.Run(chromium,
            ["--headless", "--no-sandbox", "--disable-gpu", $"--user-data-dir={Path.Combine(workDir.FullName, "profile")}",
             $"--screenshot={png}", "--window-size=1200,600", new Uri(svgPath).AbsoluteUri],
            workDir.FullName);
        // Chromium's stderr is dbus noise on a headless machine: shown only when it failed.
        output.WriteLine($"chromium exited {result.ExitCode}");
        Assert.True(File.Exists(png), $"chromium wrote no screenshot: {result}");
        return Png.Decode(File.ReadAllBytes(png));
    }

    [Fact]
    public void Chromium_DrawsTheSlicesInTheirColoursWhereTheSvgPutThem()
    {
        var big = new SimTask(4321, 4321, "big");
        var other = new SimTask(77, 78, "other");
        // CPU 0: big for the first half. CPU 1: other for the second half.
        var events = new SchedEvent[]
        {
            Switch(1_000_000, 0, Idle, big),
            Switch(51_000_000, 0, big, Idle, 50_000_000),
            Switch(51_000_000, 1, Idle, other),
            Switch(101_000_000, 1, other, Idle, 50_000_000),
        };
        var svgPath = Path.Combine(folder.FullName, "t.svg");
        TimelineExport.Write(events, null, svgPath, overwrite: false);
        var svg = System.Xml.Linq.XDocument.Load(svgPath);

        var shot = Screenshot(svgPath, folder, output);

        Assert.Equal((1200, 600), (shot.Width, shot.Height));
        foreach (var (cpu, task, inside, outside) in new[] { (0, big, 0.25, 0.75), (1, other, 0.75, 0.25) })
        {
            var rect = svg.Descendants(TimelineFileTests.Svg + "g").Single(g => (string?)g.Attribute("data-cpu") == cpu.ToString(CultureInfo.InvariantCulture))
                .Elements(TimelineFileTests.Svg + "rect").Single(r => (string?)r.Attribute("class") == "idle");
            double x0 = (double)rect.Attribute("x")!, w = (double)rect.Attribute("width")!;
            int y = (int)((double)rect.Attribute("y")! + (double)rect.Attribute("height")! / 2);
            var colour = SvgTimeline.ProcessColor(task.Pid);
            var expected = (R: Convert.ToByte(colour[1..3], 16), G: Convert.ToByte(colour[3..5], 16), B: Convert.ToByte(colour[5..7], 16));
            var drawn = shot[(int)(x0 + w * inside), y];
            var idle = shot[(int)(x0 + w * outside), y];
            output.WriteLine($"CPU {cpu}: expected {expected}, slice pixel {drawn}, idle pixel {idle}");
            Assert.True(Close(drawn, expected), $"CPU {cpu}: the slice of {task.Name} should be {colour}, the screenshot has {drawn}");
            Assert.False(Close(idle, expected), $"CPU {cpu}: the idle half should not be {colour}");
        }
        // Text (titles, axis, legend) is drawn too: dark pixels exist.
        int dark = 0;
        for (int y = 0; y < shot.Height; y += 2)
        {
            for (int x = 0; x < shot.Width; x += 2)
            {
                var p = shot[x, y];
                dark += p.R + p.G + p.B < 150 ? 1 : 0;
            }
        }
        Assert.True(dark > 200, $"only {dark} dark pixels: text was not drawn");
    }

    private static bool Close((byte R, byte G, byte B) a, (byte R, byte G, byte B) b) =>
        Math.Abs(a.R - b.R) <= 6 && Math.Abs(a.G - b.G) <= 6 && Math.Abs(a.B - b.B) <= 6;
}

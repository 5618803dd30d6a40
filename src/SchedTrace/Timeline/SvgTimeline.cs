using System.Globalization;
using System.Text;
using System.Xml;

namespace SchedTrace.Timeline;

/// <summary>
/// Draws a timeline as one self-contained SVG file: a row per CPU, a rectangle per run slice
/// coloured by process, tooltips, a time axis and a legend of the busiest processes. It refers
/// to nothing outside itself (no scripts, fonts, images or stylesheets), so a browser shows it
/// offline and it can be mailed or attached to an issue as it is.
/// </summary>
public static class SvgTimeline
{
    public const string Namespace = "http://www.w3.org/2000/svg";

    private const double Width = 1200;
    private const double Left = 80;      // room for "CPU 127"
    private const double Right = 24;     // room for the last tick label
    private const double RowsTop = 58;   // below the title and the summary line
    private const double RowHeight = 26;
    private const double RowGap = 6;
    private const double LegendLine = 18;
    private const int LegendColumns = 3;
    private const int LegendEntries = 12;

    // Narrower rectangles than this disappear under antialiasing; a busy CPU would look idle.
    private const double MinSliceWidth = 0.5;

    private static double PlotWidth => Width - Left - Right;

    /// <summary>Writes the SVG document (UTF-8).</summary>
    public static void Write(SchedTimeline timeline, Stream output, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        ArgumentNullException.ThrowIfNull(output);
        var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true, IndentChars = " " };
        using var xml = XmlWriter.Create(output, settings);

        int rows = Math.Max(timeline.Cpus.Count, 1);
        double axisY = RowsTop + rows * (RowHeight + RowGap);
        var legend = timeline.BusiestProcesses(LegendEntries);
        double legendTop = axisY + 44;
        double height = legendTop + Math.Ceiling(Math.Max(legend.Count, 1) / (double)LegendColumns) * LegendLine + 12;

        xml.WriteStartDocument();
        xml.WriteStartElement("svg", Namespace);
        Attr(xml, "width", Width);
        Attr(xml, "height", height);
        xml.WriteAttributeString("viewBox", $"0 0 {N(Width)} {N(height)}");
        // Generic family names only: a named font would be a reference to something the viewer may lack.
        xml.WriteAttributeString("font-family", "sans-serif");
        xml.WriteAttributeString("font-size", "12");

        Rect(xml, 0, 0, Width, height, "#ffffff", "background");
        Text(xml, 12, 22, title ?? "SchedTrace timeline", size: 15, weight: "bold");
        ulong span = Math.Max(timeline.EndNs - timeline.StartNs, 1);
        Text(xml, 12, 42, Summary(timeline, span), fill: "#555555");

        if (timeline.Cpus.Count == 0)
        {
            Text(xml, Left, RowsTop + RowHeight / 2 + 4, "No scheduler events.", fill: "#555555");
        }
        var slicesByCpu = timeline.Slices.ToLookup(s => s.Cpu);
        for (int row = 0; row < timeline.Cpus.Count; row++)
        {
            int cpu = timeline.Cpus[row];
            double y = RowsTop + row * (RowHeight + RowGap);
            xml.WriteStartElement("g", Namespace);
            xml.WriteAttributeString("class", "cpu");
            xml.WriteAttributeString("data-cpu", cpu.ToString(CultureInfo.InvariantCulture));
            Text(xml, Left - 8, y + RowHeight / 2 + 4, $"CPU {cpu}", anchor: "end");
            // The row's background is the idle (or unknown) time: slices are drawn over it.
            Rect(xml, Left, y, PlotWidth, RowHeight, "#eef0f3", "idle");
            foreach (var slice in slicesByCpu[cpu])
            {
                double x = X(timeline, span, slice.StartNs);
                double w = Math.Max(slice.DurationNs / (double)span * PlotWidth, MinSliceWidth);
                Rect(xml, x, y, w, RowHeight, ProcessColor(slice.ProcessId), "slice", Tooltip(timeline, slice));
            }
            xml.WriteEndElement();
        }

        Axis(xml, span, axisY);
        Legend(xml, timeline, legend, span, legendTop);

        xml.WriteEndElement();
        xml.WriteEndDocument();
    }

    /// <summary>A colour per process (tgid) that stays the same from one file to the next.</summary>
    public static string ProcessColor(int processId)
    {
        // A multiplicative hash (Knuth's) spreads nearby pids over the hue circle and over three
        // lightness levels, so neighbours in a busy row rarely look alike.
        uint h = unchecked((uint)processId * 2654435761u);
        double hue = (h >> 16) % 360;
        double lightness = ((h >> 8) % 3) switch { 0 => 0.38, 1 => 0.50, _ => 0.62 };
        return Hsl(hue, 0.65, lightness);
    }

    private static string Summary(SchedTimeline t, ulong span)
    {
        var start = t.StartTime is { } s ? s.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + " UTC" : "no events";
        return $"{start}, {FormatDuration(span)} on {t.Cpus.Count} CPU{(t.Cpus.Count == 1 ? "" : "s")}, {t.Slices.Count} run slices. Gaps are idle; hover a slice for details.";
    }

    private static string Tooltip(SchedTimeline t, RunSlice s)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{s.Label} pid {s.ProcessId} prio {s.Priority} on CPU {s.Cpu}\n");
        text.Append(CultureInfo.InvariantCulture, $"start +{FormatDuration(s.StartNs - t.StartNs)}{(s.StartKnown ? "" : " (or earlier)")}, ran {FormatDuration(s.DurationNs)}");
        text.Append(s.EndState is { } state ? $", left {state}" : ", still running or end not seen");
        return text.ToString();
    }

    private static void Axis(XmlWriter xml, ulong span, double axisY)
    {
        xml.WriteStartElement("g", Namespace);
        xml.WriteAttributeString("class", "axis");
        Line(xml, Left, axisY, Left + PlotWidth, axisY, "#333333");
        double step = NiceStep(span / 8.0);
        var (unit, suffix) = step switch { < 1e3 => (1.0, "ns"), < 1e6 => (1e3, "µs"), < 1e9 => (1e6, "ms"), _ => (1e9, "s") };
        int decimals = Math.Max(0, -(int)Math.Floor(Math.Log10(step / unit) + 1e-9));
        for (double offset = 0; offset <= span + step * 1e-6; offset += step)
        {
            double x = Left + offset / span * PlotWidth;
            // A faint guide across the rows makes "what ran at the same time" readable.
            Line(xml, x, RowsTop - 4, x, axisY, "#d0d4da");
            Line(xml, x, axisY, x, axisY + 5, "#333333");
            var label = (offset / unit).ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + " " + suffix;
            Text(xml, x, axisY + 18, label, anchor: "middle", fill: "#333333");
        }
        xml.WriteEndElement();
    }

    private static void Legend(XmlWriter xml, SchedTimeline t, IReadOnlyList<(int ProcessId, string Name, ulong RuntimeNs)> busiest, ulong span, double top)
    {
        xml.WriteStartElement("g", Namespace);
        xml.WriteAttributeString("class", "legend");
        Text(xml, 12, top - 10, "Busiest processes (time on CPU, share of all traced CPU time):", fill: "#333333");
        double capacity = (double)span * Math.Max(t.Cpus.Count, 1);
        double columnWidth = (Width - 24) / LegendColumns;
        for (int i = 0; i < busiest.Count; i++)
        {
            var (pid, name, runtime) = busiest[i];
            double x = 12 + (i % LegendColumns) * columnWidth;
            double y = top + (i / LegendColumns) * LegendLine;
            Rect(xml, x, y, 12, 12, ProcessColor(pid), "swatch");
            Text(xml, x + 18, y + 10, $"{name} (pid {pid}) {FormatDuration(runtime)}, {runtime / capacity * 100:F1}%");
        }
        xml.WriteEndElement();
    }

    private static double X(SchedTimeline t, ulong span, ulong ns) => Left + (ns - t.StartNs) / (double)span * PlotWidth;

    /// <summary>1, 2 or 5 times a power of ten, at least <paramref name="rough"/>.</summary>
    internal static double NiceStep(double rough)
    {
        double power = Math.Pow(10, Math.Floor(Math.Log10(Math.Max(rough, 1))));
        foreach (double m in new[] { 1.0, 2.0, 5.0, 10.0 })
        {
            if (m * power >= rough)
            {
                return m * power;
            }
        }
        return 10 * power;
    }

    internal static string FormatDuration(ulong ns) => ns switch
    {
        < 1_000 => $"{ns} ns",
        < 1_000_000 => (ns / 1e3).ToString("0.###", CultureInfo.InvariantCulture) + " µs",
        < 1_000_000_000 => (ns / 1e6).ToString("0.###", CultureInfo.InvariantCulture) + " ms",
        _ => (ns / 1e9).ToString("0.######", CultureInfo.InvariantCulture) + " s",
    };

    private static void Rect(XmlWriter xml, double x, double y, double w, double h, string fill, string cssClass, string? title = null)
    {
        xml.WriteStartElement("rect", Namespace);
        xml.WriteAttributeString("class", cssClass);
        Attr(xml, "x", x);
        Attr(xml, "y", y);
        Attr(xml, "width", w);
        Attr(xml, "height", h);
        xml.WriteAttributeString("fill", fill);
        if (title is not null)
        {
            xml.WriteElementString("title", Namespace, title);
        }
        xml.WriteEndElement();
    }

    private static void Line(XmlWriter xml, double x1, double y1, double x2, double y2, string stroke)
    {
        xml.WriteStartElement("line", Namespace);
        Attr(xml, "x1", x1);
        Attr(xml, "y1", y1);
        Attr(xml, "x2", x2);
        Attr(xml, "y2", y2);
        xml.WriteAttributeString("stroke", stroke);
        xml.WriteAttributeString("stroke-width", "1");
        xml.WriteEndElement();
    }

    private static void Text(XmlWriter xml, double x, double y, string text, string? anchor = null, string? fill = null, int? size = null, string? weight = null)
    {
        xml.WriteStartElement("text", Namespace);
        Attr(xml, "x", x);
        Attr(xml, "y", y);
        if (anchor is not null)
        {
            xml.WriteAttributeString("text-anchor", anchor);
        }
        if (fill is not null)
        {
            xml.WriteAttributeString("fill", fill);
        }
        if (size is not null)
        {
            xml.WriteAttributeString("font-size", size.Value.ToString(CultureInfo.InvariantCulture));
        }
        if (weight is not null)
        {
            xml.WriteAttributeString("font-weight", weight);
        }
        xml.WriteString(text);
        xml.WriteEndElement();
    }

    private static void Attr(XmlWriter xml, string name, double value) => xml.WriteAttributeString(name, N(value));

    // Two decimals: a hundredth of a pixel is finer than any screen, and it keeps large files small.
    private static string N(double value) => Math.Round(value, 2).ToString("0.##", CultureInfo.InvariantCulture);

    private static string Hsl(double hue, double saturation, double lightness)
    {
        double c = (1 - Math.Abs(2 * lightness - 1)) * saturation;
        double h = hue / 60;
        double x = c * (1 - Math.Abs(h % 2 - 1));
        var (r, g, b) = h switch
        {
            < 1 => (c, x, 0.0),
            < 2 => (x, c, 0.0),
            < 3 => (0.0, c, x),
            < 4 => (0.0, x, c),
            < 5 => (x, 0.0, c),
            _ => (c, 0.0, x),
        };
        double m = lightness - c / 2;
        return $"#{Byte(r + m):x2}{Byte(g + m):x2}{Byte(b + m):x2}";

        static int Byte(double v) => (int)Math.Round(Math.Clamp(v, 0, 1) * 255);
    }
}

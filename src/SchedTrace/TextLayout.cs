using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SchedTrace;

/// <summary>
/// Text laid out for a terminal and for export, shared by the format views, the histograms and
/// the CLI. PowerShell's own table wrapping cuts cells at the column width, in the middle of a
/// word; a cell broken here at its spaces, into lines that each fit, wraps whole words instead.
/// </summary>
public static class TextLayout
{
    /// <summary>
    /// The columns a line may use on an 80-column terminal: PowerShell's console host keeps the
    /// last one free (an 80-character table row is cut to 79 there), so every view fits 79.
    /// </summary>
    public const int TerminalWidth = 79;

    /// <summary>
    /// <paramref name="text"/> broken at spaces into lines of at most <paramref name="width"/>
    /// characters, joined by "\n" (which a table cell with &lt;Wrap/&gt; shows as lines). Its own
    /// line breaks are kept. Where a break is needed it goes first after a task ("name[tid]") or
    /// before an arrow, and only then at any space, so that a task whose name has spaces stays on
    /// one line: "S 51.0µs -> .NET TP Worker[7448]" breaks before "->", "inv-high[4102] FIFO 69"
    /// after "]". A word longer than the width is left whole, on a line of its own.
    /// </summary>
    public static string Wrap(string? text, int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        return string.Join('\n', WrapLines(text ?? "", width));
    }

    // The spaces where a break is preferred: after "name[tid]", and before "->".
    private static readonly Regex PhraseBreak = new(@"(?<=\]) | (?=-> )", RegexOptions.CultureInvariant);

    /// <summary>The lines of <see cref="Wrap"/>.</summary>
    internal static IEnumerable<string> WrapLines(string text, int width)
    {
        foreach (var paragraph in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var phrases = PhraseBreak.Split(paragraph);
            bool any = false;
            foreach (var line in Flow(phrases, " ", width))
            {
                any = true;
                yield return line;
            }
            if (!any)
            {
                yield return "";
            }
        }
    }

    /// <summary>
    /// Items joined by <paramref name="separator"/> into lines of at most <paramref name="width"/>
    /// characters: an item that would pass the width starts a new line (the separator is left
    /// off there), and an item longer than the width is broken at its spaces.
    /// </summary>
    internal static IEnumerable<string> Flow(IEnumerable<string> items, string separator, int width)
    {
        var line = new StringBuilder();
        foreach (var item in items)
        {
            if (line.Length > 0 && line.Length + separator.Length + item.Length <= width)
            {
                line.Append(separator).Append(item);
                continue;
            }
            if (line.Length > 0)
            {
                yield return line.ToString();
                line.Clear();
            }
            var pieces = Words(item, width).ToList();
            for (int i = 0; i < pieces.Count - 1; i++)
            {
                yield return pieces[i];
            }
            line.Append(pieces.Count > 0 ? pieces[^1] : "");
        }
        if (line.Length > 0)
        {
            yield return line.ToString();
        }
    }

    /// <summary>Greedy word wrapping at spaces.</summary>
    private static IEnumerable<string> Words(string text, int width)
    {
        var line = new StringBuilder();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                yield return line.ToString();
                line.Clear();
            }
            if (line.Length > 0)
            {
                line.Append(' ');
            }
            line.Append(word);
        }
        if (line.Length > 0)
        {
            yield return line.ToString();
        }
    }

    /// <summary>A buffer size as the kernel was given it: "4 MiB", "256 KiB", "4000 bytes".</summary>
    internal static string Bytes(uint bytes) =>
        bytes % (1u << 20) == 0 ? $"{bytes >> 20} MiB"
        : bytes % (1u << 10) == 0 ? $"{bytes >> 10} KiB"
        : $"{bytes} bytes";

    /// <summary>A short duration in words: "1.5 ms", "250 µs".</summary>
    internal static string ShortDuration(TimeSpan value) =>
        value.TotalMilliseconds >= 1 ? $"{value.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture)} ms" : $"{(value.Ticks / 10.0).ToString("0.#", CultureInfo.InvariantCulture)} µs";

    /// <summary>
    /// An instant as round-trip ISO 8601 text in UTC ("2026-12-01T22:58:08.9590414Z"): every tick
    /// of the DateTime, and the zone. Export-Csv writes a DateTime in the culture's short form,
    /// to the second and without a zone; the *Utc text properties of the records carry this.
    /// </summary>
    internal static string Utc(DateTime time) =>
        (time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : DateTime.SpecifyKind(time, DateTimeKind.Utc))
            .ToString("O", CultureInfo.InvariantCulture);

    /// <summary><see cref="Utc(DateTime)"/>, or null for no instant (a session not yet stopped).</summary>
    internal static string? Utc(DateTime? time) => time is DateTime value ? Utc(value) : null;

    /// <summary><see cref="LatencyStatistics.FormatNs"/> as one word ("850ns", "51.0µs", "4.1ms"), so that wrapping keeps it whole.</summary>
    internal static string CompactNs(double ns) => LatencyStatistics.FormatNs(ns).Replace(" ", "", StringComparison.Ordinal);
}

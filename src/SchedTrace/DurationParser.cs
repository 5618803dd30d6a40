using System.Globalization;

namespace SchedTrace;

/// <summary>
/// Durations as people type them: a number of seconds ("2", "0.5"), optionally with a unit
/// ("500ms", "2s", "1.5m"), or a TimeSpan ("00:00:02"). Shared by the CLI's flags and the
/// cmdlets' -Duration / -Interval, where PowerShell on its own would read 2 as 2 ticks.
/// </summary>
public static class DurationParser
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        text = text.Trim();
        (string number, double scale) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) => (text[..^2], 1e-3),
            _ when text.EndsWith("us", StringComparison.OrdinalIgnoreCase) => (text[..^2], 1e-6),
            _ when text.EndsWith('s') || text.EndsWith('S') => (text[..^1], 1.0),
            _ when text.EndsWith('m') || text.EndsWith('M') => (text[..^1], 60.0),
            _ when text.EndsWith('h') || text.EndsWith('H') => (text[..^1], 3600.0),
            _ => (text, 1.0),
        };
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
        {
            return FromSeconds(value * scale, out duration);
        }
        return text.Contains(':') && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration);
    }

    /// <summary>A number of seconds as a TimeSpan; false for NaN, infinities and out-of-range values.</summary>
    public static bool FromSeconds(double seconds, out TimeSpan duration)
    {
        duration = default;
        if (!double.IsFinite(seconds) || Math.Abs(seconds) > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return false;
        }
        duration = TimeSpan.FromTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));
        return true;
    }

    /// <summary>Parses or throws an InvalidArgument <see cref="SchedTraceException"/> naming the parameter.</summary>
    public static TimeSpan Parse(string? text, string parameter)
    {
        if (TryParse(text, out var duration))
        {
            return duration;
        }
        throw new SchedTraceException(
            SchedTraceErrorKind.InvalidArgument,
            "InvalidDuration",
            $"'{text}' is not a duration for {parameter}.",
            "Give seconds (2, 0.5), a value with a unit (500ms, 2s, 1m), or a TimeSpan (00:00:02).");
    }
}

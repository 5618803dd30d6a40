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
        (string number, decimal scale) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) => (text[..^2], 0.001m),
            _ when text.EndsWith("us", StringComparison.OrdinalIgnoreCase) => (text[..^2], 0.000001m),
            _ when text.EndsWith('s') || text.EndsWith('S') => (text[..^1], 1m),
            _ when text.EndsWith('m') || text.EndsWith('M') => (text[..^1], 60m),
            _ when text.EndsWith('h') || text.EndsWith('H') => (text[..^1], 3600m),
            _ => (text, 1m),
        };
        // Decimal first: "367487479.5100725" is that many ticks exactly, which a double product
        // misses by one. Doubles for what a decimal cannot hold (1e30, NaN, Infinity): refused below.
        if (decimal.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out decimal exact))
        {
            if (Math.Abs(exact) > MaxSeconds / scale)
            {
                return false;
            }
            duration = TimeSpan.FromTicks((long)Math.Round(exact * scale * TimeSpan.TicksPerSecond));
            return true;
        }
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
        {
            return FromSeconds(value * (double)scale, out duration);
        }
        return text.Contains(':') && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration);
    }

    /// <summary>The largest magnitude taken, in seconds: half of TimeSpan's range, so that a sum of two stays in it.</summary>
    private static readonly decimal MaxSeconds = (decimal)(TimeSpan.MaxValue.Ticks / 2) / TimeSpan.TicksPerSecond;

    /// <summary>A number of seconds as a TimeSpan; false for NaN, infinities and out-of-range values.</summary>
    public static bool FromSeconds(double seconds, out TimeSpan duration)
    {
        duration = default;
        if (!double.IsFinite(seconds) || Math.Abs(seconds) > (double)MaxSeconds)
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

using System.Globalization;

namespace SchedTrace;

/// <summary>
/// One power-of-two bucket of a latency distribution: the events whose value lies in
/// [<see cref="LowerNs"/>, <see cref="UpperNs"/>).
/// </summary>
public sealed class LatencyBucket
{
    internal LatencyBucket(ulong lowerNs, ulong upperNs, long count)
    {
        LowerNs = lowerNs;
        UpperNs = upperNs;
        Count = count;
        Range = FormatRange(lowerNs, upperNs);
    }

    /// <summary>The smallest value the bucket holds, in nanoseconds.</summary>
    public ulong LowerNs { get; }

    /// <summary>
    /// The first value past the bucket, in nanoseconds (exclusive). <see cref="ulong.MaxValue"/>
    /// on the last, open-ended bucket, which holds every value from 2^43 ns (about 2.4 hours) up.
    /// </summary>
    public ulong UpperNs { get; }

    /// <summary>Events in the bucket.</summary>
    public long Count { get; }

    /// <summary>
    /// The bounds for a reader, like "1.02-2.05 µs": three significant figures, in the unit of the
    /// lower bound (ns below 1 µs, µs below 1 ms, ms below 1 s, then s), so that the buckets of a
    /// power-of-two histogram, whose bounds are not round decimal figures, still read at a glance.
    /// The exact bounds are <see cref="LowerNs"/> and <see cref="UpperNs"/>.
    /// </summary>
    public string Range { get; }

    /// <summary>The last bucket has no upper bound.</summary>
    internal bool IsOpen => UpperNs == ulong.MaxValue;

    /// <summary>The bucket as one "lowerNs-upperNs:count" item of <see cref="LatencyStatistics.Histogram"/>.</summary>
    internal string ToCell() => string.Create(CultureInfo.InvariantCulture, $"{LowerNs}-{UpperNs}:{Count}");

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Range}: {Count}");

    internal static string FormatRange(ulong lowerNs, ulong upperNs)
    {
        var (divisor, unit) = lowerNs switch
        {
            < 1_000 => (1.0, "ns"),
            < 1_000_000 => (1e3, "µs"),
            < 1_000_000_000 => (1e6, "ms"),
            _ => (1e9, "s"),
        };
        string lower = ThreeFigures(lowerNs / divisor);
        return upperNs == ulong.MaxValue ? $"≥ {lower} {unit}" : $"{lower}-{ThreeFigures(upperNs / divisor)} {unit}";
    }

    /// <summary>
    /// Three significant figures ("1.02", "16.4", "131"); whole numbers as they are ("8", "1024"),
    /// so that nanosecond bounds stay exact and a bound past 999 keeps its digits.
    /// </summary>
    private static string ThreeFigures(double value)
    {
        string format = value == Math.Floor(value) || value >= 99.95 ? "F0" : value >= 9.995 ? "F1" : "F2";
        return value.ToString(format, CultureInfo.InvariantCulture);
    }
}

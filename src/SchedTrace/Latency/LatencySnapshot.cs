using SchedTrace.Engine;

namespace SchedTrace;

/// <summary>
/// A session's latency histograms at one instant, cumulative since it started: per kind and
/// CPU (index = CPU), and per process and kind when the session keeps those. <paramref name="Final"/>
/// when read at the session's stop.
/// </summary>
internal sealed record LatencySnapshot(
    DateTime Utc,
    long Timestamp,
    IReadOnlyDictionary<LatencyKind, LatencyHistogram[]> PerCpu,
    IReadOnlyDictionary<(int ProcessId, LatencyKind Kind), (string Name, LatencyHistogram Histogram)> PerProcess,
    bool Final = false)
{
    internal static LatencySnapshot Empty(DateTime utc, long timestamp) =>
        new(utc, timestamp, new Dictionary<LatencyKind, LatencyHistogram[]>(), new Dictionary<(int, LatencyKind), (string, LatencyHistogram)>());

    /// <summary>One kind over every CPU.</summary>
    internal LatencyHistogram Total(LatencyKind kind) =>
        PerCpu.TryGetValue(kind, out var cpus) ? cpus.Aggregate(LatencyHistogram.Empty, (sum, h) => sum.Merge(h)) : LatencyHistogram.Empty;

    /// <summary>One kind on one CPU (empty where nothing was recorded yet).</summary>
    internal LatencyHistogram OnCpu(LatencyKind kind, int cpu) =>
        PerCpu.TryGetValue(kind, out var cpus) && cpu < cpus.Length ? cpus[cpu] : LatencyHistogram.Empty;
}

namespace SchedTrace.Measures;

/// <summary>
/// The latency histograms at one instant, cumulative since the session started: per kind and
/// CPU (index = CPU), and per process and kind when the session keeps those. What every
/// measure of the latency family reads (<see cref="LatencyTables.Read"/>).
/// </summary>
internal sealed record LatencyFigures(
    IReadOnlyDictionary<LatencyKind, LatencyHistogram[]> PerCpu,
    IReadOnlyDictionary<(int ProcessId, LatencyKind Kind), (string Name, LatencyHistogram Histogram)> PerProcess)
{
    internal static LatencyFigures Empty { get; } =
        new(new Dictionary<LatencyKind, LatencyHistogram[]>(), new Dictionary<(int, LatencyKind), (string, LatencyHistogram)>());

    /// <summary>One kind over every CPU.</summary>
    internal LatencyHistogram Total(LatencyKind kind) =>
        PerCpu.TryGetValue(kind, out var cpus) ? cpus.Aggregate(LatencyHistogram.Empty, (sum, h) => sum.Merge(h)) : LatencyHistogram.Empty;

    /// <summary>One kind on one CPU (empty where nothing was recorded yet).</summary>
    internal LatencyHistogram OnCpu(LatencyKind kind, int cpu) =>
        PerCpu.TryGetValue(kind, out var cpus) && cpu < cpus.Length ? cpus[cpu] : LatencyHistogram.Empty;
}

namespace SchedTrace;
public sealed class LatencyHistogram
{
    public ulong Count, SumNs, MinNs, MaxNs; public ulong[] Slots = new ulong[656];
    public double Percentile(double p) { ulong rank = (ulong)Math.Ceiling(p / 100 * Count); ulong seen = 0; for (int i = 0; i < Slots.Length; i++) { seen += Slots[i]; if (seen >= rank && Slots[i] > 0) return i < 16 ? i : (double)((16UL + (ulong)(i % 16)) << (i / 16 + 3 - 4)); } return MaxNs; }
    public LatencyHistogram Since(LatencyHistogram e) => new() { Count = Count - e.Count, SumNs = SumNs - e.SumNs, MinNs = MinNs, MaxNs = MaxNs, Slots = Slots.Zip(e.Slots, (a, b) => a - b).ToArray() };
    public static LatencyHistogram Empty { get; } = new();
    public static LatencyHistogram FromCounters(ulong c, ulong s, ulong mi, ulong ma, ulong[] slots) => new() { Count = c, SumNs = s, MinNs = mi, MaxNs = ma, Slots = slots };
    public LatencyHistogram Merge(LatencyHistogram o) => new() { Count = Count + o.Count, SumNs = SumNs + o.SumNs, MinNs = MinNs == 0 ? o.MinNs : (o.MinNs == 0 ? MinNs : Math.Min(MinNs, o.MinNs)), MaxNs = Math.Max(MaxNs, o.MaxNs), Slots = Slots.Zip(o.Slots, (a, b) => a + b).ToArray() };
}

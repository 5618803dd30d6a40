namespace SchedTrace;
public sealed class LatencyHistogram
{
    public ulong Count, SumNs, MinNs, MaxNs; public ulong[] Slots = new ulong[656];
    public static LatencyHistogram Empty { get; } = new();
    public static LatencyHistogram FromCounters(ulong c, ulong s, ulong mi, ulong ma, ulong[] slots) => new() { Count = c, SumNs = s, MinNs = mi, MaxNs = ma, Slots = slots };
    public LatencyHistogram Merge(LatencyHistogram o) => new() { Count = Count + o.Count, SumNs = SumNs + o.SumNs, MinNs = MinNs == 0 ? o.MinNs : (o.MinNs == 0 ? MinNs : Math.Min(MinNs, o.MinNs)), MaxNs = Math.Max(MaxNs, o.MaxNs), Slots = Slots.Zip(o.Slots, (a, b) => a + b).ToArray() };
}

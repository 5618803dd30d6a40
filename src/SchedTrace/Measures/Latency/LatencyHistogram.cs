using System.Collections.ObjectModel;
using System.Numerics;

namespace SchedTrace;

/// <summary>
/// A latency distribution as the kernel keeps it (bpf/ <c>struct latency_hist</c>): a count, a sum,
/// the extremes, and 656 slots that are exact below 16 ns and then split every power of two into
/// 16 linear sub-slots, so that every slot is at most 1/16 (6.25 %) as wide as the values it holds.
/// That bounds the error of a percentile read from it without keeping the values, whatever the
/// scale: 3 ns and 3 s are measured with the same relative precision.
/// </summary>
/// <remarks>
/// Immutable. Readings of the kernel's counters are cumulative; <see cref="Since"/> turns two of
/// them into the distribution of one interval, and <see cref="Merge"/> adds distributions (per-CPU
/// copies, several threads of one process).
/// </remarks>
public sealed class LatencyHistogram
{
    /// <summary>Linear sub-slots per power of two (the kernel's HIST_SUB).</summary>
    public const int SubSlots = 16;

    /// <summary>Slots in a histogram (the kernel's HIST_SLOTS).</summary>
    public const int Slots = 656;

    /// <summary>
    /// The largest power of two that has its own 16 sub-slots: values of 2^44 ns (about 4.9 hours)
    /// and more all land in the last slot, which is therefore open-ended.
    /// </summary>
    private const int TopExponent = 43;

    private readonly ulong[] _slots;

    private LatencyHistogram(ulong count, ulong sumNs, ulong minNs, ulong maxNs, ulong[] slots, bool minExact = true, bool maxExact = true)
    {
        Count = count;
        SumNs = sumNs;
        MinNs = minNs;
        MaxNs = maxNs;
        _slots = slots;
        SlotCounts = Array.AsReadOnly(slots);
        MinExact = minExact;
        MaxExact = maxExact;
    }

    /// <summary>A histogram with no events.</summary>
    public static LatencyHistogram Empty { get; } = new(0, 0, 0, 0, new ulong[Slots]);

    /// <summary>Events recorded.</summary>
    public ulong Count { get; }

    /// <summary>Sum of the recorded values in nanoseconds (wraps at 2^64 ns, 584 years, as the kernel's does).</summary>
    public ulong SumNs { get; }

    /// <summary>The smallest value in nanoseconds; 0 while <see cref="Count"/> is 0 (and for a recorded 0).</summary>
    public ulong MinNs { get; }

    /// <summary>The largest value in nanoseconds; 0 while <see cref="Count"/> is 0.</summary>
    public ulong MaxNs { get; }

    /// <summary>The 656 slot counts, indexed as <see cref="SlotOf"/> numbers them.</summary>
    public IReadOnlyList<ulong> SlotCounts { get; }

    /// <summary>
    /// True when <see cref="MinNs"/> and <see cref="MaxNs"/> are values that were recorded; false
    /// when <see cref="Since"/> had to estimate one of them from slot bounds, because the
    /// cumulative extreme did not change in the interval and so says nothing about it.
    /// </summary>
    public bool ExtremesExact => MinExact && MaxExact;

    /// <summary><see cref="MinNs"/> is a recorded value, not an estimate (see <see cref="ExtremesExact"/>).</summary>
    public bool MinExact { get; }

    /// <summary><see cref="MaxNs"/> is a recorded value, not an estimate (see <see cref="ExtremesExact"/>).</summary>
    public bool MaxExact { get; }

    /// <summary>Mean value in nanoseconds; 0 without events.</summary>
    public double MeanNs => Count == 0 ? 0 : (double)SumNs / Count;

    /// <summary>
    /// A histogram from the kernel's counters. The slots are copied. They are not checked against
    /// <paramref name="count"/>: a reading taken while the kernel records can be off by an event or
    /// two between the fields, which is no reason to refuse it.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="slots"/> does not hold exactly <see cref="Slots"/> counts.</exception>
    public static LatencyHistogram FromCounters(ulong count, ulong sumNs, ulong minNs, ulong maxNs, ReadOnlySpan<ulong> slots)
    {
        if (slots.Length != Slots)
        {
            throw new ArgumentException($"A latency histogram has {Slots} slots, not {slots.Length}.", nameof(slots));
        }
        return new LatencyHistogram(count, sumNs, minNs, maxNs, slots.ToArray());
    }

    /// <summary>
    /// The slot the kernel puts a value in: the value itself below 16; above, 16 linear sub-slots
    /// per power of two 2^4 .. 2^43; everything from 2^44 ns on in the last slot.
    /// </summary>
    public static int SlotOf(ulong ns)
    {
        if (ns < SubSlots)
        {
            return (int)ns;
        }
        int e = BitOperations.Log2(ns);
        if (e > TopExponent)
        {
            return Slots - 1;
        }
        return ((e - 3) * SubSlots) + (int)((ns >> (e - 4)) & (SubSlots - 1));
    }

    /// <summary>The smallest value a slot holds, in nanoseconds.</summary>
    public static ulong SlotLowerNs(int slot)
    {
        CheckSlot(slot);
        if (slot < SubSlots)
        {
            return (ulong)slot;
        }
        int e = (slot / SubSlots) + 3;
        return (ulong)(SubSlots + (slot % SubSlots)) << (e - 4);
    }

    /// <summary>
    /// The first value past a slot, in nanoseconds (the bound is exclusive). The last slot is
    /// open-ended (it holds everything from 31·2^39 ns up, including values of 2^44 ns and more);
    /// its bound is given as <see cref="ulong.MaxValue"/>, which stands for "no bound": the value
    /// ulong.MaxValue itself (584 years) also belongs to that slot.
    /// </summary>
    public static ulong SlotUpperNs(int slot)
    {
        CheckSlot(slot);
        if (slot == Slots - 1)
        {
            return ulong.MaxValue;
        }
        if (slot < SubSlots)
        {
            return (ulong)slot + 1;
        }
        int e = (slot / SubSlots) + 3;
        return (ulong)(SubSlots + 1 + (slot % SubSlots)) << (e - 4);
    }

    private static void CheckSlot(int slot)
    {
        if ((uint)slot >= Slots)
        {
            throw new ArgumentOutOfRangeException(nameof(slot), slot, $"A slot is 0 to {Slots - 1}.");
        }
    }

    /// <summary>
    /// The two distributions together: counts and sums add, the minimum is the smaller of the two
    /// (an empty histogram's 0 is not a value and is ignored), the maximum the larger.
    /// </summary>
    public LatencyHistogram Merge(LatencyHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var slots = new ulong[Slots];
        for (int i = 0; i < Slots; i++)
        {
            slots[i] = unchecked(_slots[i] + other._slots[i]);
        }
        // A histogram without events has 0 for its extremes, which are not values.
        var (min, minExact) = Count == 0 ? (other.MinNs, other.MinExact)
            : other.Count == 0 || MinNs < other.MinNs ? (MinNs, MinExact)
            : other.MinNs < MinNs ? (other.MinNs, other.MinExact)
            : (MinNs, MinExact || other.MinExact);
        var (max, maxExact) = Count == 0 ? (other.MaxNs, other.MaxExact)
            : other.Count == 0 || MaxNs > other.MaxNs ? (MaxNs, MaxExact)
            : other.MaxNs > MaxNs ? (other.MaxNs, other.MaxExact)
            : (MaxNs, MaxExact || other.MaxExact);
        return new LatencyHistogram(unchecked(Count + other.Count), unchecked(SumNs + other.SumNs), min, max, slots, minExact, maxExact);
    }

    /// <summary>
    /// The distribution of the events recorded between <paramref name="earlier"/> and this reading
    /// of the same cumulative counters. Count, sum and slots subtract exactly. The interval's
    /// minimum is exact when the cumulative minimum changed (the new one happened in the interval)
    /// or when nothing was recorded before; otherwise the interval's smallest value is only known to
    /// lie in its lowest non-empty slot, and that slot's lower bound is used, clamped into this
    /// reading's [MinNs, MaxNs]. The maximum likewise, with the highest slot's upper bound − 1
    /// (in the open-ended last slot, this reading's MaxNs).
    /// A bound from a 1-ns slot (values below 16 ns) is the value itself and counts as exact.
    /// </summary>
    /// <exception cref="ArgumentException">A counter went down: the readings are not of the same counters, or not in this order.</exception>
    public LatencyHistogram Since(LatencyHistogram earlier)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        if (Count < earlier.Count)
        {
            throw new ArgumentException($"The earlier reading counts {earlier.Count} events, this one {Count}: not a later reading of the same counters.", nameof(earlier));
        }
        var slots = new ulong[Slots];
        int lowest = -1, highest = -1;
        for (int i = 0; i < Slots; i++)
        {
            if (_slots[i] < earlier._slots[i])
            {
                throw new ArgumentException($"Slot {i} went from {earlier._slots[i]} to {_slots[i]}: not a later reading of the same counters.", nameof(earlier));
            }
            slots[i] = _slots[i] - earlier._slots[i];
            if (slots[i] != 0)
            {
                if (lowest < 0)
                {
                    lowest = i;
                }
                highest = i;
            }
        }
        ulong count = Count - earlier.Count;
        ulong sum = unchecked(SumNs - earlier.SumNs);
        if (count == 0 && lowest < 0)
        {
            return new LatencyHistogram(0, sum, 0, 0, slots);
        }
        if (earlier.Count == 0)
        {
            // Everything this reading holds happened in the interval.
            return new LatencyHistogram(count, sum, MinNs, MaxNs, slots, MinExact, MaxExact);
        }

        bool minExact = MinNs != earlier.MinNs, maxExact = MaxNs != earlier.MaxNs;
        ulong min = MinNs, max = MaxNs;
        if (!minExact && lowest >= 0)
        {
            min = ClampToExtremes(SlotLowerNs(lowest));
            minExact = lowest < SubSlots;
        }
        if (!maxExact && highest >= 0)
        {
            // The last slot has no upper bound (its ulong.MaxValue means none, and − 1 would be
            // below a recorded ulong.MaxValue): the cumulative maximum is the bound there.
            max = highest == Slots - 1 ? MaxNs : ClampToExtremes(SlotUpperNs(highest) - 1);
            maxExact = highest < SubSlots;
        }
        return new LatencyHistogram(count, sum, min, max, slots, minExact, maxExact);
    }

    private ulong ClampToExtremes(ulong ns) => MinNs <= MaxNs ? Math.Clamp(ns, MinNs, MaxNs) : ns;

    /// <summary>
    /// The value below which <paramref name="percent"/> % of the events lie, in nanoseconds, as a
    /// double because inside a wide slot it is an estimate, not a recorded value. The rank is
    /// ceil(p/100 × n) with n the events the slots hold (equal to <see cref="Count"/> in a
    /// consistent reading); p is taken as written, so p99.9 of 1000 events is the 999th, not the
    /// 1000th. In slots 0..15 the answer is exact. In a wider slot [lo, hi) holding n events, the
    /// k-th is placed at lo + (hi − lo)(k − ½)/n, as if they were spread evenly; the last slot has
    /// no upper bound, so there <see cref="MaxNs"/> + 1 serves as one. The result is clamped into
    /// [<see cref="MinNs"/>, <see cref="MaxNs"/>]. The first and the last event are the minimum and
    /// the maximum themselves, so p100 is <see cref="MaxNs"/>, and any p whose rank is 1 (any p at
    /// all with one event) is <see cref="MinNs"/>.
    /// </summary>
    /// <returns>0 for a histogram without events: it has no percentiles (check <see cref="Count"/>).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="percent"/> is not in (0, 100].</exception>
    public double Percentile(double percent)
    {
        if (!(percent > 0 && percent <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(percent), percent, "A percentile is more than 0 and at most 100.");
        }
        UInt128 total = 0;
        foreach (var slot in _slots)
        {
            total += slot;
        }
        if (total == 0)
        {
            return 0;
        }
        // Decimal, not double: 99.9 / 100 × 1000 is 999.0000000000001 in doubles, whose ceiling
        // would pick the wrong event. (decimal)99.9 is 99.9 exactly (15 significant digits).
        var rank = (UInt128)Math.Ceiling((decimal)percent * (decimal)total / 100m);
        rank = rank < 1 ? 1 : rank > total ? total : rank;
        bool extremesKnown = Count > 0 && MinNs <= MaxNs;
        if (extremesKnown && (rank == total || rank == 1))
        {
            // The last event is the maximum and the first the minimum: no need to estimate them.
            return rank == total ? MaxNs : MinNs;
        }

        UInt128 before = 0;
        int s = 0;
        while (before + _slots[s] < rank)
        {
            before += _slots[s];
            s++;
        }
        double value;
        if (s < SubSlots)
        {
            value = s;
        }
        else
        {
            double lo = SlotLowerNs(s);
            double hi = s == Slots - 1 ? Math.Max(lo + 1, (double)MaxNs + 1) : SlotUpperNs(s);
            double k = (double)(rank - before), n = _slots[s];
            value = lo + ((hi - lo) * (k - 0.5) / n);
        }
        return extremesKnown ? Math.Clamp(value, MinNs, MaxNs) : value;
    }

    /// <summary>
    /// The distribution in power-of-two buckets [2^k, 2^(k+1)) ns, as bcc's runqlat prints it, with
    /// the value 0 in a bucket of its own [0, 1). Each bucket is the sum of whole slots, so the
    /// counts are exact. The last bucket starts at 2^43 ns (about 2.4 hours) and is open-ended
    /// (<see cref="LatencyBucket.UpperNs"/> = <see cref="ulong.MaxValue"/>), because the kernel's
    /// last slot is. Trimmed to run from the first to the last non-empty bucket; empty buckets in
    /// between are kept, so that gaps show. No events: no buckets.
    /// </summary>
    public LatencyBucket[] Log2Buckets()
    {
        // Bucket 0 is [0, 1); bucket b >= 1 is [2^(b-1), 2^b); bucket 44 is [2^43, open).
        const int buckets = TopExponent + 2;
        var counts = new UInt128[buckets];
        for (int s = 0; s < Slots; s++)
        {
            counts[BucketOfSlot(s)] += _slots[s];
        }
        int first = Array.FindIndex(counts, c => c != 0);
        if (first < 0)
        {
            return [];
        }
        int last = Array.FindLastIndex(counts, c => c != 0);
        var result = new LatencyBucket[last - first + 1];
        for (int b = first; b <= last; b++)
        {
            ulong lower = b == 0 ? 0 : 1UL << (b - 1);
            ulong upper = b == buckets - 1 ? ulong.MaxValue : 1UL << b;
            result[b - first] = new LatencyBucket(lower, upper, counts[b] > long.MaxValue ? long.MaxValue : (long)counts[b]);
        }
        return result;
    }

    private static int BucketOfSlot(int slot) => slot switch
    {
        0 => 0,
        < SubSlots => BitOperations.Log2((uint)slot) + 1,
        _ => (slot / SubSlots) + 3 + 1,
    };

    public override string ToString() =>
        Count == 0 ? "no events" : $"{Count} events, min {MinNs} ns, max {MaxNs} ns{(ExtremesExact ? "" : " (estimated)")}";
}

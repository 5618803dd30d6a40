using System.Globalization;
using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace SchedTrace.Tests.Properties;

/// <summary>
/// The histogram maths of <see cref="LatencyHistogram"/> and <see cref="LatencyStatistics"/>,
/// checked against the values a histogram was made from: slot bounds, percentiles, merging,
/// differences of cumulative readings, and the figures a row shows. The values span every order
/// of magnitude a u64 of nanoseconds holds, with the exact slots below 16 ns, the powers of two
/// where slots change width, and the open-ended last slot from 2^44 ns on.
/// </summary>
public sealed class LatencyHistogramProperties
{
    /// <summary>A latency: small exact values, values at and around powers of two, any order of magnitude, the top of the range.</summary>
    private static readonly Gen<ulong> Value = Gen.Frequency(
        (2, Gen.Choose(0, 20).Select(v => (ulong)v)),
        (3, Gen.Choose(4, 63).Zip(Gen.Choose(-2, 2), (bit, offset) => unchecked((1UL << bit) + (ulong)(long)offset))),
        (6, Inputs.LogUniform),
        (1, Gen.Elements((1UL << 44) - 1, 1UL << 44, 31UL << 39, (31UL << 39) - 1, (ulong)long.MaxValue, ulong.MaxValue - 1, ulong.MaxValue)));

    /// <summary>Values of realistic size (under 2^50 ns, 13 days), whose sum cannot wrap.</summary>
    private static readonly Gen<ulong> ModestValue = Value.Select(v => v & ((1UL << 50) - 1));

    private static readonly Gen<List<ulong>> Values = Gen.Frequency((1, Gen.Constant(new List<ulong>())), (9, Value.ListOf()));

    private static readonly Gen<List<ulong>> NonEmptyValues = Value.NonEmptyListOf();

    /// <summary>The percentiles rows show, and any other in (0, 100].</summary>
    private static readonly Gen<double> Percent = Gen.Frequency(
        (2, Gen.Elements(50.0, 90.0, 99.0, 99.9, 100.0, 0.001, 1e-9, double.Epsilon, 99.99999)),
        (3, Gen.Choose(1, 100_000).Select(p => p / 1000.0)));

    [Property(MaxTest = 10_000)]
    public Property EveryValue_LiesInItsSlot_AndSlotsAreNarrow() =>
        Prop.ForAll(Value.ToArbitrary(), ns =>
        {
            int slot = LatencyHistogram.SlotOf(ns);
            ulong lower = LatencyHistogram.SlotLowerNs(slot), upper = LatencyHistogram.SlotUpperNs(slot);
            bool inSlot = lower <= ns && (ns < upper || (slot == LatencyHistogram.Slots - 1 && upper == ulong.MaxValue));
            // Every slot but the open-ended last is at most 1/16 as wide as the values it holds, 1 ns below 16 ns.
            bool narrow = slot == LatencyHistogram.Slots - 1 || (slot < LatencyHistogram.SubSlots ? upper - lower == 1 : (upper - lower) * 16 <= lower);
            return (inSlot && narrow).Label($"{ns} ns in slot {slot} [{lower}, {upper})");
        });

    [Property(MaxTest = 1000)]
    public Property Slots_Tile_TheWholeRange_InOrder() =>
        Prop.ForAll(Gen.Choose(0, LatencyHistogram.Slots - 2).ToArbitrary(), slot =>
            LatencyHistogram.SlotUpperNs(slot) == LatencyHistogram.SlotLowerNs(slot + 1)
            && LatencyHistogram.SlotLowerNs(slot) < LatencyHistogram.SlotLowerNs(slot + 1)
            && LatencyHistogram.SlotOf(LatencyHistogram.SlotLowerNs(slot)) == slot
            && LatencyHistogram.SlotOf(LatencyHistogram.SlotUpperNs(slot) - 1) == slot
            && LatencyHistogram.SlotLowerNs(0) == 0);

    [Property(MaxTest = 1000)]
    public Property SlotNumbersOutOfRange_AreTheDocumentedError() =>
        Prop.ForAll(Gen.OneOf(Gen.Choose(int.MinValue, -1), Gen.Choose(LatencyHistogram.Slots, int.MaxValue)).ToArbitrary(), slot =>
            Throws<ArgumentOutOfRangeException>(() => LatencyHistogram.SlotLowerNs(slot), "slot")
            && Throws<ArgumentOutOfRangeException>(() => LatencyHistogram.SlotUpperNs(slot), "slot"));

    [Property(MaxTest = 1000)]
    public Property CountersOfTheWrongLength_AreTheDocumentedError() =>
        Prop.ForAll(Gen.Choose(0, 2000).Where(n => n != LatencyHistogram.Slots).ToArbitrary(), length =>
            Throws<ArgumentException>(() => LatencyHistogram.FromCounters(1, 1, 1, 1, new ulong[length]), "slots"));

    [Property(MaxTest = 2000)]
    public Property APercentile_LiesInTheSlotOfTheValueOfItsRank() =>
        Prop.ForAll(NonEmptyValues.Shrinking(), Percent.ToArbitrary(), (values, percent) =>
        {
            var histogram = Of(values);
            var sorted = values.Order().ToList();
            // The rank as documented: ceil(p/100 × n), at least 1.
            int rank = (int)Math.Max(1, Math.Ceiling((decimal)percent * sorted.Count / 100m));
            ulong truth = sorted[rank - 1];
            int slot = LatencyHistogram.SlotOf(truth);
            double estimate = histogram.Percentile(percent);
            bool inSlot = estimate >= LatencyHistogram.SlotLowerNs(slot) && (slot == LatencyHistogram.Slots - 1 || estimate <= LatencyHistogram.SlotUpperNs(slot));
            bool inRange = estimate >= histogram.MinNs && estimate <= histogram.MaxNs;
            bool exactWhereKnown = (rank == sorted.Count ? estimate == sorted[^1] : true) && (rank == 1 ? estimate == sorted[0] : true) && (truth >= 16 || estimate == truth);
            return (inSlot && inRange && exactWhereKnown).Label($"p{percent} of {sorted.Count}: rank {rank} is {truth} ns (slot {slot}), estimate {estimate}");
        });

    [Property(MaxTest = 2000)]
    public Property Percentiles_GrowWithP() =>
        Prop.ForAll(NonEmptyValues.Shrinking(), Percent.ToArbitrary(), Percent.ToArbitrary(), (values, a, b) =>
        {
            var histogram = Of(values);
            var (low, high) = a <= b ? (a, b) : (b, a);
            return histogram.Percentile(low) <= histogram.Percentile(high) && histogram.Percentile(100) == histogram.MaxNs;
        });

    [Property(MaxTest = 1000)]
    public Property PercentsOutsideZeroToHundred_AreTheDocumentedError()
    {
        var bad = Gen.OneOf(
            Gen.Elements(0.0, -0.0, -1e-300, 100.0000001, 101.0, double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.MaxValue, double.MinValue),
            Gen.Choose(1, int.MaxValue).Select(n => -n / 1000.0),
            Gen.Choose(1, int.MaxValue).Select(n => 100 + (n / 1000.0)));
        return Prop.ForAll(Values.Shrinking(), bad.ToArbitrary(), (values, percent) =>
            Throws<ArgumentOutOfRangeException>(() => Of(values).Percentile(percent), "percent"));
    }

    [Property(MaxTest = 1000)]
    public Property Merging_IsTheHistogramOfAllTheValues() =>
        Prop.ForAll(Values.Shrinking(), Values.Shrinking(), (xs, ys) =>
        {
            var merged = Of(xs).Merge(Of(ys));
            return Same(merged, Of([.. xs, .. ys])) && Same(merged, Of(ys).Merge(Of(xs)))
                && Same(Of(xs).Merge(LatencyHistogram.Empty), Of(xs)) && merged.ExtremesExact;
        });

    [Property(MaxTest = 1000)]
    public Property Merging_IsAssociative() =>
        Prop.ForAll(Values.Shrinking(), Values.Shrinking(), Values.ToArbitrary(), (xs, ys, zs) =>
            Same(Of(xs).Merge(Of(ys)).Merge(Of(zs)), Of(xs).Merge(Of(ys).Merge(Of(zs)))));

    [Property(MaxTest = 1000)]
    public Property TheDifferenceOfTwoReadings_IsTheLaterValues_WithExtremesInTheirSlots() =>
        Prop.ForAll(Values.Shrinking(), Values.Shrinking(), (before, during) =>
        {
            var earlier = Of(before);
            var later = Of([.. before, .. during]);
            var interval = later.Since(earlier);
            var expected = Of(during);
            bool counts = interval.Count == expected.Count && interval.SumNs == expected.SumNs && interval.SlotCounts.SequenceEqual(expected.SlotCounts);
            if (during.Count == 0)
            {
                return (counts && interval.MinNs == 0 && interval.MaxNs == 0).Label("no events in the interval");
            }
            ulong min = during.Min(), max = during.Max();
            // An estimated minimum is the lower bound of the true minimum's slot (never above it); an estimated maximum the last value of the true maximum's slot.
            bool minOk = interval.MinExact ? interval.MinNs == min : interval.MinNs <= min && interval.MinNs >= LatencyHistogram.SlotLowerNs(LatencyHistogram.SlotOf(min));
            int maxSlot = LatencyHistogram.SlotOf(max);
            bool maxOk = interval.MaxExact
                ? interval.MaxNs == max
                : interval.MaxNs >= max && (maxSlot == LatencyHistogram.Slots - 1 || interval.MaxNs < LatencyHistogram.SlotUpperNs(maxSlot));
            return (counts && minOk && maxOk).Label($"interval min {interval.MinNs} ({interval.MinExact}) max {interval.MaxNs} ({interval.MaxExact}), true {min}..{max}");
        });

    [Property(MaxTest = 1000)]
    public Property AnEarlierReadingAfterALaterOne_IsTheDocumentedError() =>
        Prop.ForAll(Values.Shrinking(), NonEmptyValues.Shrinking(), (before, during) =>
            Throws<ArgumentException>(() => Of(before).Since(Of([.. before, .. during])), "earlier"));

    [Property(MaxTest = 2000)]
    public Property ARow_ShowsFiguresInOrder_AndBucketsThatAddUp() =>
        Prop.ForAll(Values.Shrinking(), values =>
        {
            var histogram = Of(values);
            var row = LatencyStatistics.Create(histogram, LatencyMeasure.RunQueue, "", "tp_btf sched_switch", DateTime.UnixEpoch, DateTime.UnixEpoch.AddSeconds(1), TimeSpan.FromSeconds(1));
            var buckets = row.GetBuckets();
            bool total = row.Count == values.Count && buckets.Sum(b => b.Count) == values.Count;
            bool tiled = buckets.Zip(buckets.Skip(1)).All(p => p.First.UpperNs == p.Second.LowerNs)
                && buckets.All(b => b.LowerNs == 0 ? b.UpperNs == 1 : BitOperations.IsPow2(b.LowerNs) && (b.UpperNs == ulong.MaxValue || b.UpperNs == 2 * b.LowerNs));
            bool cells = row.Histogram == string.Join(";", buckets.Select(b => string.Create(CultureInfo.InvariantCulture, $"{b.LowerNs}-{b.UpperNs}:{b.Count}")));
            if (values.Count == 0)
            {
                return (total && buckets.Count == 0 && row.Histogram.Length == 0 && row.P50Ns == 0 && row.P999Ns == 0 && row.MinNs == 0 && row.MaxNs == 0).Label("empty");
            }
            bool bucketsCoverTheValues = buckets[0].LowerNs <= values.Min() && (buckets[^1].UpperNs == ulong.MaxValue || values.Max() < buckets[^1].UpperNs);
            bool ordered = row.MinNs <= row.P50Ns && row.P50Ns <= row.P90Ns && row.P90Ns <= row.P99Ns && row.P99Ns <= row.P999Ns && row.P999Ns <= row.MaxNs;
            // The sum wraps at 2^64 as the kernel's does; the mean is only meaningful when it did not.
            var sum = values.Aggregate(BigInteger.Zero, (s, v) => s + v);
            bool mean = sum > ulong.MaxValue
                || (row.MeanNs >= row.MinNs && row.MeanNs <= row.MaxNs && row.TotalNs == (sum > long.MaxValue ? long.MaxValue : (long)sum));
            return (total && tiled && cells && bucketsCoverTheValues && ordered && mean)
                .Label($"count {row.Count} min {row.MinNs} p50 {row.P50Ns} p90 {row.P90Ns} p99 {row.P99Ns} p99.9 {row.P999Ns} max {row.MaxNs} mean {row.MeanNs} buckets {row.Histogram}");
        });

    [Property(MaxTest = 1000)]
    public Property RealisticRows_HaveAnExactTotal_AndAMeanBetweenTheExtremes() =>
        Prop.ForAll(ModestValue.NonEmptyListOf().ToArbitrary(), values =>
        {
            var row = LatencyStatistics.Create(Of(values), LatencyMeasure.OffCpu, "Sleeping", "", DateTime.UnixEpoch, DateTime.UnixEpoch, TimeSpan.Zero);
            ulong sum = values.Aggregate(0UL, (s, v) => s + v);
            return row.TotalNs == (long)sum && row.MeanNs >= row.MinNs && row.MeanNs <= row.MaxNs
                && Math.Abs(row.MeanNs - ((double)sum / values.Count)) <= row.MeanNs * 1e-12;
        });

    [Property(MaxTest = 10_000)]
    public Property FormattedDurations_ReadBackToTheValue_WithinTheirLastDigit() =>
        Prop.ForAll(Gen.OneOf(Inputs.LogUniform.Select(v => (double)v), Gen.Choose(-1_000_000, 1_000_000).Select(v => v * 1.7)).ToArbitrary(), ns =>
        {
            string text = LatencyStatistics.FormatNs(ns);
            var parts = text.Split(' ');
            double scale = parts[1] switch { "ns" => 1, "\u00b5s" => 1e3, "ms" => 1e6, "s" => 1e9, _ => double.NaN };
            double figure = double.Parse(parts[0], CultureInfo.InvariantCulture);
            // Whole nanoseconds below 1 µs; one decimal of the unit above; a figure of at least 1 in its unit.
            double lastDigit = scale == 1 ? 1 : scale / 10;
            bool close = Math.Abs((figure * scale) - ns) <= (lastDigit / 2) + (Math.Abs(ns) * 1e-15);
            bool unitFits = scale == 1 ? Math.Abs(figure) < 1000 : Math.Abs(figure) >= 1 && (scale == 1e9 || Math.Abs(figure) < 1000);
            return (parts.Length == 2 && close && unitFits).Label($"{ns} -> '{text}'");
        });

    /// <summary>The histogram the kernel would hold after recording <paramref name="values"/>.</summary>
    private static LatencyHistogram Of(IReadOnlyCollection<ulong> values)
    {
        var slots = new ulong[LatencyHistogram.Slots];
        ulong sum = 0;
        foreach (var value in values)
        {
            slots[LatencyHistogram.SlotOf(value)]++;
            sum = unchecked(sum + value);
        }
        return LatencyHistogram.FromCounters((ulong)values.Count, sum, values.Count == 0 ? 0 : values.Min(), values.Count == 0 ? 0 : values.Max(), slots);
    }

    private static bool Same(LatencyHistogram a, LatencyHistogram b) =>
        a.Count == b.Count && a.SumNs == b.SumNs && a.MinNs == b.MinNs && a.MaxNs == b.MaxNs && a.SlotCounts.SequenceEqual(b.SlotCounts);

    private static bool Throws<T>(Action action, string parameter)
        where T : ArgumentException
    {
        try
        {
            action();
            return false;
        }
        catch (T e)
        {
            return e.ParamName == parameter;
        }
    }
}

using System.Globalization;

namespace SchedTrace.Tests.Unit;

public sealed class LatencyHistogramTests
{
    private const int Last = LatencyHistogram.Slots - 1;

    private static readonly DateTime Start = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>A histogram holding exactly these values, as the kernel would have recorded them.</summary>
    private static LatencyHistogram Of(params ulong[] values)
    {
        var slots = new ulong[LatencyHistogram.Slots];
        foreach (var value in values)
        {
            slots[LatencyHistogram.SlotOf(value)]++;
        }
        ulong sum = values.Aggregate(0UL, (a, v) => unchecked(a + v));
        return LatencyHistogram.FromCounters((ulong)values.Length, sum, values.Length == 0 ? 0 : values.Min(), values.Length == 0 ? 0 : values.Max(), slots);
    }

    /// <summary>A histogram with the given slot counts and extremes, for values placed by hand.</summary>
    private static LatencyHistogram Raw(ulong min, ulong max, params (int Slot, ulong Count)[] slots)
    {
        var counts = new ulong[LatencyHistogram.Slots];
        foreach (var (slot, count) in slots)
        {
            counts[slot] += count;
        }
        ulong total = (ulong)slots.Sum(s => (long)s.Count);
        return LatencyHistogram.FromCounters(total, 0, min, max, counts);
    }

    private static LatencyStatistics Stats(LatencyHistogram histogram, string reason = "Preempted") =>
        LatencyStatistics.Create(histogram, LatencyMeasure.RunQueue, reason, "tp_btf sched_switch + sched_wakeup", Start, Start.AddSeconds(10), TimeSpan.FromSeconds(10));

    /// <summary>The kernel's rule, transcribed from the C comment with a loop for floor(log2).</summary>
    private static int KernelSlot(ulong v)
    {
        if (v < 16)
        {
            return (int)v;
        }
        int e = 63;
        while ((v >> e) == 0)
        {
            e--;
        }
        return e > 43 ? 655 : ((e - 3) * 16) + (int)((v >> (e - 4)) & 15);
    }

    // ---- slots ----

    [Fact]
    public void EverySlot_ItsBoundsMapBackToIt_AndSlotsTileTheRange()
    {
        Assert.Equal(0UL, LatencyHistogram.SlotLowerNs(0));
        for (int slot = 0; slot < LatencyHistogram.Slots; slot++)
        {
            ulong lower = LatencyHistogram.SlotLowerNs(slot), upper = LatencyHistogram.SlotUpperNs(slot);
            Assert.True(lower < upper, $"slot {slot}: [{lower}, {upper})");
            Assert.Equal(slot, LatencyHistogram.SlotOf(lower));
            Assert.Equal(slot, LatencyHistogram.SlotOf(upper - 1));
            Assert.Equal(KernelSlot(lower), slot);
            if (slot < Last)
            {
                Assert.Equal(upper, LatencyHistogram.SlotLowerNs(slot + 1));
                Assert.Equal(slot + 1, LatencyHistogram.SlotOf(upper));
                // Every closed slot is at most 1/16 as wide as the values it holds (1 ns below 16).
                Assert.True(slot < 16 ? upper - lower == 1 : (upper - lower) * 16 <= lower, $"slot {slot} is too wide: [{lower}, {upper})");
            }
        }
    }

    [Theory]
    [InlineData(0UL, 0)]
    [InlineData(15UL, 15)]
    [InlineData(16UL, 16)]
    [InlineData(31UL, 31)]
    [InlineData(32UL, 32)]
    [InlineData(33UL, 32)]
    [InlineData(34UL, 33)]
    [InlineData(1023UL, 111)]
    [InlineData(1024UL, 112)]
    [InlineData(8_796_093_022_208UL, 640)] // 2^43
    [InlineData(17_592_186_044_415UL, 655)] // 2^44 - 1: the last sub-slot of 2^43
    [InlineData(17_592_186_044_416UL, 655)] // 2^44: overflow
    [InlineData(ulong.MaxValue, 655)]
    public void SlotOf_Boundaries(ulong ns, int slot)
    {
        Assert.Equal(slot, LatencyHistogram.SlotOf(ns));
        Assert.Equal(KernelSlot(ns), LatencyHistogram.SlotOf(ns));
    }

    [Fact]
    public void SlotOf_MatchesTheKernelRule_AtEveryMagnitude()
    {
        var random = new Random(42);
        for (int bits = 1; bits <= 64; bits++)
        {
            for (int i = 0; i < 200; i++)
            {
                ulong value = (ulong)random.NextInt64() >> (64 - bits) | (bits == 64 ? 1UL << 63 : 0);
                Assert.Equal(KernelSlot(value), LatencyHistogram.SlotOf(value));
            }
        }
    }

    [Fact]
    public void LastSlot_IsOpen()
    {
        Assert.Equal(31UL << 39, LatencyHistogram.SlotLowerNs(Last));
        Assert.Equal(ulong.MaxValue, LatencyHistogram.SlotUpperNs(Last));
        Assert.Throws<ArgumentOutOfRangeException>(() => LatencyHistogram.SlotLowerNs(LatencyHistogram.Slots));
        Assert.Throws<ArgumentOutOfRangeException>(() => LatencyHistogram.SlotUpperNs(-1));
    }

    [Fact]
    public void FromCounters_RefusesTheWrongNumberOfSlots_AndCopies()
    {
        Assert.Throws<ArgumentException>(() => LatencyHistogram.FromCounters(0, 0, 0, 0, new ulong[655]));
        var slots = new ulong[LatencyHistogram.Slots];
        slots[3] = 2;
        var histogram = LatencyHistogram.FromCounters(2, 6, 3, 3, slots);
        slots[3] = 99;
        Assert.Equal(2UL, histogram.SlotCounts[3]);
        Assert.Equal(LatencyHistogram.Slots, histogram.SlotCounts.Count);
    }

    [Fact]
    public void MapValueMirror_ReadsTheKernelLayout()
    {
        // struct latency_hist: count, sum, min, max, then the slots, each a u64 (bpf/lib/latency.bpf.h).
        var words = new ulong[4 + LatencyHistogram.Slots];
        (words[0], words[1], words[2], words[3]) = (3, 3000, 500, 1500);
        words[4 + LatencyHistogram.SlotOf(500)] = 1;
        words[4 + LatencyHistogram.SlotOf(1000)] = 1;
        words[4 + LatencyHistogram.SlotOf(1500)] = 1;
        var bytes = new byte[words.Length * sizeof(ulong)];
        Buffer.BlockCopy(words, 0, bytes, 0, bytes.Length);
        var histogram = System.Runtime.InteropServices.MemoryMarshal.Read<SchedTrace.Measures.BpfLatencyHist>(bytes).ToHistogram();
        Assert.Equal((3UL, 3000UL, 500UL, 1500UL), (histogram.Count, histogram.SumNs, histogram.MinNs, histogram.MaxNs));
        Assert.Equal(1UL, histogram.SlotCounts[LatencyHistogram.SlotOf(1000)]);
        Assert.Equal(5280, System.Runtime.InteropServices.Marshal.SizeOf<SchedTrace.Measures.BpfLatencyHist>());
    }

    // ---- percentiles ----

    [Fact]
    public void Percentile_BelowSixteen_IsExact()
    {
        var histogram = Of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        Assert.Equal(5, histogram.Percentile(50));
        Assert.Equal(1, histogram.Percentile(10));
        Assert.Equal(2, histogram.Percentile(10.5));
        Assert.Equal(9, histogram.Percentile(90));
        Assert.Equal(10, histogram.Percentile(90.1));
        Assert.Equal(10, histogram.Percentile(100));
        Assert.Equal(1, histogram.Percentile(0.001));
    }

    [Fact]
    public void Percentile_RankIsCeilingOfPTimesCount_WithoutFloatingPointDrift()
    {
        // 99.9 % of 1000 is the 999th event; in doubles 0.999 * 1000 is 999.0000000000001.
        var values = Enumerable.Repeat(5UL, 999).Append(9UL).ToArray();
        var histogram = Of(values);
        Assert.Equal(5, histogram.Percentile(99.9));
        Assert.Equal(9, histogram.Percentile(99.91));
    }

    [Fact]
    public void Percentile_InsideAWideSlot_SpreadsTheEventsEvenly()
    {
        // Slot 112 is [1024, 1088). Four events: the k-th sits at 1024 + 64 (k - 1/2) / 4.
        Assert.Equal((1024UL, 1088UL), (LatencyHistogram.SlotLowerNs(112), LatencyHistogram.SlotUpperNs(112)));
        var histogram = Raw(1030, 1080, (112, 4));
        Assert.Equal(1048, histogram.Percentile(50));  // 2nd: 1024 + 64 * 1.5 / 4
        Assert.Equal(1064, histogram.Percentile(75));  // 3rd: 1024 + 64 * 2.5 / 4
        Assert.Equal(1030, histogram.Percentile(25));  // 1st: the minimum itself
        Assert.Equal(1080, histogram.Percentile(100)); // 4th: the maximum itself
    }

    [Fact]
    public void Percentile_IsClampedIntoMinAndMax()
    {
        // 2nd of 3 in [1024, 1088) would be 1056, but nothing was below 1060.
        var histogram = Raw(1060, 1086, (112, 3));
        Assert.Equal(1060, histogram.Percentile(50));
    }

    [Fact]
    public void Percentile_AcrossSlots_FindsTheSlotOfTheRank()
    {
        // 10 events at 3 ns, 10 in [1024, 1088), max 5000 in its own slot.
        var histogram = Raw(3, 5000, (3, 10), (112, 10), (LatencyHistogram.SlotOf(5000), 1));
        Assert.Equal(3, histogram.Percentile(40));       // rank 9
        Assert.Equal(1024 + (64 * 0.5 / 10), histogram.Percentile(50)); // rank 11: 1st of slot 112
        Assert.Equal(1024 + (64 * 9.5 / 10), histogram.Percentile(95)); // rank 20: 10th of slot 112
        Assert.Equal(5000, histogram.Percentile(100));
    }

    [Fact]
    public void Percentile_AtTinyCounts_IsTheValues()
    {
        var one = Of(123_456);
        Assert.Equal(123_456, one.Percentile(0.1));
        Assert.Equal(123_456, one.Percentile(50));
        Assert.Equal(123_456, one.Percentile(100));
        var two = Of(100, 200_000);
        Assert.Equal(100, two.Percentile(50));
        Assert.Equal(200_000, two.Percentile(50.1));
    }

    [Fact]
    public void Percentile_InTheOpenLastSlot_StaysBelowTheMaximum()
    {
        ulong huge = 1UL << 50;
        var histogram = Raw(1UL << 45, huge, (Last, 3));
        double median = histogram.Percentile(50);
        Assert.InRange(median, (double)LatencyHistogram.SlotLowerNs(Last), huge);
        Assert.Equal(huge, histogram.Percentile(100));
    }

    [Fact]
    public void Percentile_EmptyIsZero_AndPMustBeInRange()
    {
        Assert.Equal(0, LatencyHistogram.Empty.Percentile(50));
        Assert.Equal(0, LatencyHistogram.Empty.Percentile(100));
        var histogram = Of(5);
        foreach (var bad in new[] { 0, -1, 100.0001, double.NaN, double.PositiveInfinity })
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => histogram.Percentile(bad));
        }
    }

    // ---- merge and intervals ----

    [Fact]
    public void Merge_AddsCountsAndKeepsTheOuterExtremes()
    {
        var a = Of(3, 2000);
        var b = Of(1, 70_000);
        var merged = a.Merge(b);
        Assert.Equal((4UL, 72_004UL, 1UL, 70_000UL), (merged.Count, merged.SumNs, merged.MinNs, merged.MaxNs));
        Assert.Equal(Of(3, 2000, 1, 70_000).SlotCounts, merged.SlotCounts);
        Assert.True(merged.ExtremesExact);
        // The inputs are unchanged.
        Assert.Equal(2UL, a.Count);
    }

    [Fact]
    public void Merge_WithEmpty_IgnoresItsZeroMinimum()
    {
        var a = Of(500, 900);
        foreach (var merged in new[] { a.Merge(LatencyHistogram.Empty), LatencyHistogram.Empty.Merge(a) })
        {
            Assert.Equal((2UL, 500UL, 900UL), (merged.Count, merged.MinNs, merged.MaxNs));
        }
        // A recorded 0 is a value, though.
        Assert.Equal(0UL, a.Merge(Of(0)).MinNs);
    }

    [Fact]
    public void Since_SubtractsCountsSumsAndSlots()
    {
        var earlier = Of(5000, 6000, 7);
        var later = Of(5000, 6000, 7, 4000, 5500, 7);
        var interval = later.Since(earlier);
        Assert.Equal((3UL, 9507UL), (interval.Count, interval.SumNs));
        Assert.Equal(Of(4000, 5500, 7).SlotCounts, interval.SlotCounts);
    }

    [Fact]
    public void Since_ExtremesAreExact_WhenTheRunningExtremesMoved()
    {
        var earlier = Of(5000, 6000);
        var interval = Of(5000, 6000, 100, 9000, 5500).Since(earlier);
        Assert.Equal((100UL, 9000UL), (interval.MinNs, interval.MaxNs));
        Assert.True(interval.ExtremesExact);
    }

    [Fact]
    public void Since_DerivesAnUnmovedExtreme_FromTheSlotsOfTheInterval()
    {
        // The minimum moved (4000 is new); the maximum, 6000, is older than the interval, whose
        // largest value, 5500, lies in [5376, 5632): the estimate is 5631.
        var earlier = Of(5000, 6000);
        var interval = Of(5000, 6000, 4000, 5500).Since(earlier);
        Assert.Equal(4000UL, interval.MinNs);
        Assert.Equal((5376UL, 5632UL), (LatencyHistogram.SlotLowerNs(LatencyHistogram.SlotOf(5500)), LatencyHistogram.SlotUpperNs(LatencyHistogram.SlotOf(5500))));
        Assert.Equal(5631UL, interval.MaxNs);
        Assert.Equal((true, false, false), (interval.MinExact, interval.MaxExact, interval.ExtremesExact));

        // The maximum moved, the minimum did not: the interval's 5500 gives 5376.
        interval = Of(5000, 6000, 5500, 7000).Since(earlier);
        Assert.Equal((5376UL, 7000UL), (interval.MinNs, interval.MaxNs));
        Assert.Equal((false, true, false), (interval.MinExact, interval.MaxExact, interval.ExtremesExact));

        // Merged with an exact histogram whose maximum is larger, the estimate no longer matters.
        var merged = interval.Merge(Of(6000, 8000));
        Assert.Equal((5376UL, 8000UL, false, true), (merged.MinNs, merged.MaxNs, merged.MinExact, merged.MaxExact));
        Assert.True(interval.Merge(Of(10, 8000)).ExtremesExact);
    }

    [Fact]
    public void Since_DerivedExtremes_AreClampedIntoTheRunningOnes()
    {
        // 1040 lies in [1024, 1088), but nothing below the running minimum 1030 was ever seen.
        var earlier = Of(1030, 50_000);
        var interval = Of(1030, 50_000, 1040).Since(earlier);
        Assert.Equal((1030UL, 1087UL), (interval.MinNs, interval.MaxNs));
        Assert.False(interval.ExtremesExact);
    }

    [Fact]
    public void Since_ExtremesFromOneNanosecondSlots_AreExact()
    {
        var interval = Of(1, 20_000, 3, 7).Since(Of(1, 20_000));
        Assert.Equal((3UL, 7UL), (interval.MinNs, interval.MaxNs));
        Assert.True(interval.ExtremesExact);
    }

    [Fact]
    public void Since_AFirstReadingOrNothingNew()
    {
        var later = Of(100, 200);
        var all = later.Since(LatencyHistogram.Empty);
        Assert.Equal((2UL, 100UL, 200UL, true), (all.Count, all.MinNs, all.MaxNs, all.ExtremesExact));

        var none = later.Since(later);
        Assert.Equal((0UL, 0UL, 0UL, 0UL), (none.Count, none.SumNs, none.MinNs, none.MaxNs));
        Assert.Empty(none.Log2Buckets());
    }

    [Fact]
    public void Since_RefusesReadingsThatGoBackwards()
    {
        Assert.Throws<ArgumentException>(() => Of(1, 2).Since(Of(1, 2, 3)));
        // Same count, but an event moved slot: not the same counters.
        Assert.Throws<ArgumentException>(() => Of(1, 2).Since(Of(1, 3)));
    }

    // ---- buckets ----

    [Fact]
    public void Log2Buckets_ArePowersOfTwo_TrimmedWithGapsKept()
    {
        var buckets = Of(0, 0, 1, 3, 1500, 1500, 40_000).Log2Buckets();
        // [0,1), [1,2), [2,4), ..., [32768, 65536): 17 buckets.
        Assert.Equal(17, buckets.Length);
        Assert.Equal((0UL, 1UL, 2L), (buckets[0].LowerNs, buckets[0].UpperNs, buckets[0].Count));
        Assert.Equal((1UL, 2UL, 1L), (buckets[1].LowerNs, buckets[1].UpperNs, buckets[1].Count));
        Assert.Equal((2UL, 4UL, 1L), (buckets[2].LowerNs, buckets[2].UpperNs, buckets[2].Count));
        Assert.Equal((1024UL, 2048UL, 2L), (buckets[11].LowerNs, buckets[11].UpperNs, buckets[11].Count));
        Assert.Equal((32768UL, 65536UL, 1L), (buckets[^1].LowerNs, buckets[^1].UpperNs, buckets[^1].Count));
        Assert.Equal(0, buckets[3].Count);
        for (int i = 1; i < buckets.Length; i++)
        {
            Assert.Equal(buckets[i - 1].UpperNs, buckets[i].LowerNs);
        }

        var middle = Of(100, 200).Log2Buckets();
        Assert.Equal(new[] { (64UL, 128UL, 1L), (128UL, 256UL, 1L) }, middle.Select(b => (b.LowerNs, b.UpperNs, b.Count)));
        Assert.Empty(LatencyHistogram.Empty.Log2Buckets());
    }

    [Fact]
    public void Log2Buckets_CountEveryValueInItsBounds()
    {
        var random = new Random(7);
        var values = Enumerable.Range(0, 5000).Select(_ => (ulong)random.NextInt64(1L << random.Next(1, 40))).ToArray();
        var buckets = Of(values).Log2Buckets();
        Assert.Equal(values.Length, buckets.Sum(b => b.Count));
        foreach (var bucket in buckets)
        {
            Assert.Equal(values.LongCount(v => v >= bucket.LowerNs && v < bucket.UpperNs), bucket.Count);
        }
    }

    [Fact]
    public void Log2Buckets_LastIsOpenFromTwoToTheFortyThree()
    {
        var buckets = Of((1UL << 43) - 1, 1UL << 43, ulong.MaxValue).Log2Buckets();
        Assert.Equal(2, buckets.Length);
        Assert.Equal((1UL << 42, 1UL << 43, 1L), (buckets[0].LowerNs, buckets[0].UpperNs, buckets[0].Count));
        Assert.Equal((1UL << 43, ulong.MaxValue, 2L), (buckets[1].LowerNs, buckets[1].UpperNs, buckets[1].Count));
        Assert.Equal("≥ 8796 s", buckets[1].Range);
    }

    [Theory]
    [InlineData(0UL, 1UL, "0-1 ns")]
    [InlineData(8UL, 16UL, "8-16 ns")]
    [InlineData(512UL, 1024UL, "512-1024 ns")]
    [InlineData(1024UL, 2048UL, "1.02-2.05 µs")]
    [InlineData(8192UL, 16384UL, "8.19-16.4 µs")]
    [InlineData(65536UL, 131072UL, "65.5-131 µs")]
    [InlineData(524288UL, 1048576UL, "524-1049 µs")]
    [InlineData(1048576UL, 2097152UL, "1.05-2.10 ms")]
    [InlineData(1073741824UL, 2147483648UL, "1.07-2.15 s")]
    public void BucketRange_IsReadable(ulong lower, ulong upper, string range)
    {
        Assert.Equal(range, LatencyBucket.FormatRange(lower, upper));
    }

    // ---- statistics ----

    [Theory]
    [InlineData(0, "0 ns")]
    [InlineData(850, "850 ns")]
    [InlineData(999.6, "1.0 µs")]
    [InlineData(1234, "1.2 µs")]
    [InlineData(35_000, "35.0 µs")]
    [InlineData(999_960, "1.0 ms")]
    [InlineData(4_100_000, "4.1 ms")]
    [InlineData(2_500_000_000, "2.5 s")]
    [InlineData(8_796_093_022_208, "8796.1 s")]
    public void FormatNs_PicksAReadableUnit(double ns, string text)
    {
        Assert.Equal(text, LatencyStatistics.FormatNs(ns));
    }

    [Fact]
    public void Statistics_CarryTheFiguresInNanosecondsAndTimeSpans()
    {
        var stats = LatencyStatistics.Create(Of(1550, 2450, 3), LatencyMeasure.OffCpu, "Sleeping", "m", Start, Start.AddSeconds(1), TimeSpan.FromSeconds(1), sample: 2, processId: 42, name: "nginx");
        Assert.Equal((2, LatencyMeasure.OffCpu, "Sleeping", 42, "nginx"), (stats.Sample, stats.Measure, stats.Reason, stats.ProcessId, stats.Name));
        Assert.Null(stats.Cpu);
        Assert.Equal((3L, 3L, 2450L, 4003L), (stats.Count, stats.MinNs, stats.MaxNs, stats.TotalNs));
        Assert.Equal(4003 / 3.0, stats.MeanNs, precision: 9);
        Assert.Equal(TimeSpan.FromTicks(24), stats.Max);
        Assert.Equal(TimeSpan.FromTicks(13), stats.Mean);
        Assert.Equal(TimeSpan.FromTicks(40), stats.Total);
        Assert.Equal(2450, stats.P99Ns);
        Assert.Equal(2450, stats.P999Ns);
        Assert.Equal(TimeSpan.Zero, stats.Min); // 3 ns is less than a tick: the ns figure keeps it
        // The 2nd of 3 is alone in [1536, 1600): placed in its middle.
        Assert.Equal(1568, stats.P50Ns);
        Assert.Equal(TimeSpan.FromTicks(15), stats.P50);
        Assert.True(stats.MinMaxExact);
    }

    [Fact]
    public void Buckets_AsText_AreTheHistogramCell()
    {
        // Histogram is the buckets as the text that parses back to them.
        var stats = Stats(Of(100, 200, 5000));
                Assert.Equal("64-128:1;128-256:1;256-512:0;512-1024:0;1024-2048:0;2048-4096:0;4096-8192:1", stats.Histogram);
        Assert.Equal("", Stats(LatencyHistogram.Empty).Histogram);
    }

    [Fact]
    public void HistogramCell_RoundTripsToTheBuckets()
    {
        var stats = Stats(Of(0, 7, 1500, 1500, 40_000, 1UL << 44));
        var parsed = stats.Histogram.Split(';').Select(item =>
        {
            var (range, count) = (item[..item.IndexOf(':')], item[(item.IndexOf(':') + 1)..]);
            var bounds = range.Split('-');
            return (ulong.Parse(bounds[0], CultureInfo.InvariantCulture), ulong.Parse(bounds[1], CultureInfo.InvariantCulture), long.Parse(count, CultureInfo.InvariantCulture));
        }).ToList();
        Assert.Equal(stats.GetBuckets().Select(b => (b.LowerNs, b.UpperNs, b.Count)), parsed);
        Assert.Equal(45, parsed.Count); // [0,1) through the open bucket from 2^43
        Assert.DoesNotContain(",", stats.Histogram);
        Assert.StartsWith("0-1:1;1-2:0;2-4:0;4-8:1;", stats.Histogram);
        Assert.Equal("", Stats(LatencyHistogram.Empty).Histogram);
    }

    private static string[] Lines(string text) => text.Split(Environment.NewLine);

    /// <summary>A histogram's lines: the title, the figures (from "min"), the header and the bars.</summary>
    private static (string[] Title, string[] Figures, string Header, string[] Bars) Parts(string text)
    {
        var lines = Lines(text);
        int figures = Array.FindIndex(lines, l => l.StartsWith("min ", StringComparison.Ordinal));
        int header = Array.FindIndex(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\s+range\s+count  distribution$"));
        Assert.InRange(figures, 1, header - 1);
        return (lines[..figures], lines[figures..header], lines[header], lines[(header + 1)..]);
    }

    [Fact]
    public void FormatHistogram_HasEveryBucket_WithTheLargestBarFullWidth()
    {
        var values = Enumerable.Repeat(1500UL, 400).Concat(Enumerable.Repeat(3000UL, 12)).Append(5_000_000UL).ToArray();
        var stats = Stats(Of(values));
        var (title, figures, _, bucketLines) = Parts(stats.FormatHistogram(width: 200));

        Assert.Equal("Run-queue latency (Preempted) · 413 events in 10.0 s · tp_btf sched_switch + sched_wakeup", Assert.Single(title));
        Assert.Contains("min 1.5 µs", Assert.Single(figures));
        Assert.Contains("max 5.0 ms", figures[0]);
        Assert.Contains("p99.9 ", figures[0]);
        Assert.Equal(stats.GetBuckets().Count, bucketLines.Length);
        foreach (var (bucket, line) in stats.GetBuckets().Zip(bucketLines))
        {
            Assert.Matches($@"^\s+{System.Text.RegularExpressions.Regex.Escape(bucket.Range)}\s+{bucket.Count:N0} \|[* ]{{40}}\|$", line);
        }
        Assert.EndsWith(" 400 |" + new string('*', 40) + "|", bucketLines[0]);
        Assert.Single(bucketLines, l => l.Contains(new string('*', 40), StringComparison.Ordinal));
        // Every line of the bars starts its bar in the same column.
        Assert.Single(bucketLines.Select(l => l.IndexOf('|', StringComparison.Ordinal)).Distinct());
        // 12 of 400 is 1.2 stars: rounded up, so that rare events show; the one 5 ms event too.
        Assert.EndsWith(" 12 |**" + new string(' ', 38) + "|", bucketLines[1]);
        Assert.EndsWith(" 1 |*" + new string(' ', 39) + "|", bucketLines[^1]);
        Assert.EndsWith(" 0 |" + new string(' ', 40) + "|", bucketLines[2]);
    }

    [Fact]
    public void FormatHistogram_BarWidthIsTheLargestBar()
    {
        var bars = Parts(Stats(Of(10, 10, 10, 10, 100)).FormatHistogram(barWidth: 8)).Bars;
        Assert.EndsWith("|********|", bars[0]);
        Assert.EndsWith("|**      |", bars[^1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => Stats(Of(1)).FormatHistogram(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Stats(Of(1)).FormatHistogram(width: 0));
    }

    [Fact]
    public void FormatHistogram_MarksEstimatedExtremes()
    {
        var interval = Of(5000, 6000, 4000, 5500).Since(Of(5000, 6000));
        var text = Stats(interval).FormatHistogram();
        Assert.Contains("min 4.0 µs", text);
        Assert.Contains("max ~5.6 µs", text);
        Assert.False(Stats(interval).MinMaxExact);
    }

    [Fact]
    public void FormatHistogram_WithoutEvents_IsTheTitleSayingSo()
    {
        var text = Stats(LatencyHistogram.Empty).FormatHistogram(width: 200);
        Assert.Equal("Run-queue latency (Preempted) · no events in 10.0 s · tp_btf sched_switch + sched_wakeup", text);
        Assert.Equal("Run-queue latency (Preempted): no events", Stats(LatencyHistogram.Empty).ToString());
    }

    [Fact]
    public void FormatHistogram_NamesTheProcessOrCpu()
    {
        var perProcess = LatencyStatistics.Create(Of(5), LatencyMeasure.ScheduleCall, "Switched", "fentry __schedule", Start, Start, TimeSpan.Zero, sample: 3, processId: 42, name: "nginx");
        Assert.Equal("Time in schedule() (Switched) · nginx (pid 42) · 1 event · fentry __schedule · sample 3", Lines(perProcess.FormatHistogram(width: 200))[0]);
        var perCpu = LatencyStatistics.Create(Of(5), LatencyMeasure.SwitchHandover, "", "", Start, Start, TimeSpan.Zero, cpu: 1);
        Assert.Equal("Switch handover · CPU 1 · 1 event", Lines(perCpu.FormatHistogram())[0]);
    }

    [Fact]
    public void FormatHistogram_BreaksTitleAndFigures_BetweenTheirParts_To79Columns()
    {
        // The methods of the real readings are longer than a line: the title breaks between its
        // parts, and a part longer than the line at its spaces; the figures between figures.
        const string method = "tp_btf sched_entry_tp -> sched_exit_tp: each __schedule() call, entry to return, per thread (fentry refused here)";
        var stats = LatencyStatistics.Create(Of(1500, 3000, 40_000_000), LatencyMeasure.ScheduleCall, "NotSwitched", method, Start, Start.AddSeconds(10), TimeSpan.FromSeconds(10), sample: 12);
        var text = stats.FormatHistogram();
        var (title, figures, _, _) = Parts(text);

        Assert.All(Lines(text), l => Assert.InRange(l.Length, 1, TextLayout.TerminalWidth));
        Assert.Equal("Time in schedule() (NotSwitched) · 3 events in 10.0 s", title[0]);
        Assert.Equal(method + " · sample 12", string.Join(" ", title[1..]));
        Assert.All(title, l => Assert.False(l.StartsWith('·') || l.EndsWith('·'), l));
        // Each figure whole, on one line.
        var figureItems = figures.SelectMany(f => f.Split("  ")).ToList();
        Assert.Equal(["min", "mean", "max", "p50", "p90", "p99", "p99.9", "total"], figureItems.Select(f => f.Split(' ')[0]));
        Assert.All(figureItems, f => Assert.Matches(@"^[a-z0-9.]+ ~?[\d.]+ (ns|µs|ms|s)$", f));
    }

    [Fact]
    public void ToString_IsOneLineSummary()
    {
        var text = Stats(Of(1500, 1500, 3000)).ToString();
        Assert.Equal("Run-queue latency (Preempted): 3 events, p50 1.5 µs, p99 3.0 µs, max 3.0 µs", text);
        Assert.DoesNotContain('\n', text);
    }
}

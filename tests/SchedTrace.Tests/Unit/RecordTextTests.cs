namespace SchedTrace.Tests.Unit;

/// <summary>The records as text: wrapping for the views, export forms, one-line summaries, view variants.</summary>
public sealed class RecordTextTests
{
    private static readonly DateTime Start = new DateTime(2026, 12, 1, 22, 58, 8, DateTimeKind.Utc).AddTicks(9_590_414);

    private static ContextSwitchCount Switches(int sample, int? cpu) =>
        new(sample, cpu, 122, 864, 0, Start, Start.AddTicks(3_190_000), TimeSpan.FromTicks(3_190_000));

    [Theory]
    [InlineData("ContextSwitches, CpuTime, Events", 24, new[] { "ContextSwitches,", "CpuTime, Events" })]
    [InlineData("ContextSwitches, CpuTime", 24, new[] { "ContextSwitches, CpuTime" })]
    // After a task and before an arrow first, so that a name with spaces stays whole.
    [InlineData("S 47.1µs -> .NET TP Worker[21535]", 25, new[] { "S 47.1µs", "-> .NET TP Worker[21535]" })]
    [InlineData("inv-high[23093] FIFO 69", 22, new[] { "inv-high[23093]", "FIFO 69" })]
    [InlineData("R -> sched-pipe[4831]", 25, new[] { "R -> sched-pipe[4831]" })]
    // Its own line breaks are kept; a word longer than the width stays whole.
    [InlineData("a b\nowner c[1] FIFO 89", 30, new[] { "a b", "owner c[1] FIFO 89" })]
    [InlineData("averyveryverylongword x", 5, new[] { "averyveryverylongword", "x" })]
    [InlineData("", 5, new[] { "" })]
    public void Wrap_BreaksAtSpaces_PreferringTasksAndArrows(string text, int width, string[] lines)
    {
        Assert.Equal(string.Join('\n', lines), TextLayout.Wrap(text, width));
    }

    [Fact]
    public void Flow_JoinsItems_AndStartsALineWhereTheNextWouldPassTheWidth()
    {
        var lines = TextLayout.Flow(["Run-queue latency", "1,007 events in 575.4 ms", "tp_btf sched_wakeup(_new) or runnable sched_switch-out -> sched_switch-in, per thread", "sample 2"], " · ", 79).ToList();
        Assert.Equal(
            ["Run-queue latency · 1,007 events in 575.4 ms", "tp_btf sched_wakeup(_new) or runnable sched_switch-out -> sched_switch-in, per", "thread · sample 2"],
            lines);
    }

    /// <summary>
    /// Export-Csv writes a DateTime to the second and without its zone, so every public DateTime
    /// of the module's records has a text twin, named as the convention says. A nested object or
    /// list of objects would be cut by ConvertTo-Json's default depth once several records are
    /// converted together, so no record property holds one.
    /// </summary>
    [Fact]
    public void EveryRecordDateTime_HasAUtcTwin_AndNoPropertyNestsObjects()
    {
        var records = typeof(SchedTraceSession).Assembly.GetExportedTypes()
            .Where(t => t.Namespace == "SchedTrace" && t.IsClass && t.GetProperties().Any(p => p.Name is "WindowStart" or "Timestamp" or "StartTime" or "FirstSeen"))
            .ToList();
        Assert.Contains(typeof(SchedTraceSession), records);
        Assert.Contains(typeof(LatencyStatistics), records);
        Assert.Contains(typeof(PriorityInversion), records);
        foreach (var type in records)
        {
            foreach (var property in type.GetProperties())
            {
                var valueType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                if (valueType == typeof(DateTime))
                {
                    var twin = type.GetProperty(property.Name + "Utc");
                    Assert.True(twin?.PropertyType == typeof(string), $"{type.Name}.{property.Name} has no string {property.Name}Utc");
                }
                var item = valueType.IsArray ? valueType.GetElementType()
                    : valueType != typeof(string) && valueType.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>)) is { } enumerable ? enumerable.GetGenericArguments()[0]
                    : null;
                Assert.True(item is null || item.IsPrimitive || item.IsEnum || item == typeof(string), $"{type.Name}.{property.Name} is a list of {item?.Name}: objects ConvertTo-Json's default depth cuts off");
            }
        }
    }

    [Fact]
    public void UtcText_IsRoundTripIso8601_EndingInZ()
    {
        var row = Switches(0, 0);
        Assert.Equal("2026-12-01T22:58:08.9590414Z", row.WindowStartUtc);
        Assert.Equal(row.WindowStart, DateTime.Parse(row.WindowStartUtc, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind));
        Assert.Equal(DateTimeKind.Utc, DateTime.Parse(row.WindowEndUtc, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind).Kind);
    }

    [Fact]
    public void TextList_IsAListWhoseTextIsEveryItem()
    {
        var counts = SchedTraceSession.PerCpu([12, 0, 7]);
        Assert.Equal([12L, 0L, 7L], counts);
        Assert.Equal(7, counts[2]);
        Assert.Equal("0:12;1:0;2:7", counts.ToString());
        Assert.Equal("", SchedTraceSession.PerCpu([]).ToString());
    }

    [Theory]
    [InlineData(0, 1, null)]
    [InlineData(0, null, ContextSwitchCount.TotalTypeName)]
    [InlineData(3, 1, ContextSwitchCount.IntervalTypeName)]
    [InlineData(3, null, ContextSwitchCount.TotalIntervalTypeName)]
    public void RecordViews_PickTheVariantOfContextSwitchRows(int sample, int? cpu, string? typeName)
    {
        Assert.Equal(typeName, RecordViews.TypeNameFor(Switches(sample, cpu)));
    }

    [Fact]
    public void RecordViews_PickTheVariantOfLatencyRows()
    {
        var histogram = LatencyHistogram.Empty;
        LatencyStatistics Row(int sample = 0, int? processId = null, int? cpu = null) =>
            LatencyStatistics.Create(histogram, LatencyMeasure.RunQueue, "", "", Start, Start, TimeSpan.Zero, sample, processId, processId is null ? null : "bash", cpu);
        Assert.Null(RecordViews.TypeNameFor(Row()));
        Assert.Equal(LatencyStatistics.IntervalTypeName, RecordViews.TypeNameFor(Row(sample: 2)));
        Assert.Equal(LatencyStatistics.PerProcessTypeName, RecordViews.TypeNameFor(Row(processId: 7)));
        Assert.Equal(LatencyStatistics.PerProcessIntervalTypeName, RecordViews.TypeNameFor(Row(sample: 2, processId: 7)));
        Assert.Equal(LatencyStatistics.PerCpuTypeName, RecordViews.TypeNameFor(Row(cpu: 1)));
        Assert.Equal(LatencyStatistics.PerCpuIntervalTypeName, RecordViews.TypeNameFor(Row(sample: 2, cpu: 1)));
        Assert.Null(RecordViews.TypeNameFor("not a record"));
    }

    [Fact]
    public void ContextSwitchCount_ToString_IsOneLine()
    {
        Assert.Equal("CPU 0: 986 switches (122 voluntary, 864 involuntary, 0 from idle) in 0.319 s, 3,090.9/s", Switches(0, 0).ToString());
        Assert.StartsWith("Sample 3, All CPUs: 986 switches", Switches(3, null).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Events_TaskAndDetail_AreTheCliTexts()
    {
        var time = Start;
        var sw = new SchedSwitchEvent(1, time, 0, 10, 4829, "sched-pipe", 120, 1, false, 51_000, 10, 4831, "sched-pipe", 120);
        Assert.Equal("sched-pipe[4829]", sw.FormatTask());
        Assert.Equal("S 51.0µs -> sched-pipe[4831]", sw.FormatDetail());
        // A task that got the CPU before the session started has no known run time.
        var unknown = new SchedSwitchEvent(1, time, 0, 10, 4829, "sched-pipe", 120, 0, true, 0, 0, 0, "swapper/0", 120);
        Assert.Equal("R+ -> swapper/0[0]", unknown.FormatDetail());
        var wakeup = new SchedWakeupEvent(SchedEventType.WakeupNew, 2, time, 1, 7, 8, "bash", 120, 0);
        Assert.Equal("bash[8]", wakeup.FormatTask());
        Assert.Equal("-> CPU 0", wakeup.FormatDetail());
        var migrate = new SchedMigrateEvent(3, time, 1, 7, 8, "bash", 120, 0, 1);
        Assert.Equal("CPU 0 -> CPU 1", migrate.FormatDetail());
        Assert.Equal("22:58:08.959041 CPU 0 Switch sched-pipe[4829] S 51.0µs -> sched-pipe[4831]", sw.ToString());
        Assert.Equal("2026-12-01T22:58:08.9590414Z", sw.TimestampUtc);
    }

    [Fact]
    public void PriorityInversion_ToString_AndRanInsteadText_KeepEveryFigure()
    {
        var high = new InversionTask(100, 103, "inv-high", 69, SchedPolicy.Fifo);
        var low = new InversionTask(100, 101, "inv-low", 89, SchedPolicy.Fifo);
        var medium = new InversionRunner(new InversionTask(100, 102, "inv-medium", 79, SchedPolicy.Fifo), 299_541_796);
        var alert = new PriorityInversion(PriorityInversionKind.Lock, 5, Start, 1, 299_915_785, high, low, 0x1000, [medium]);

        Assert.Equal("Lock inversion on CPU 1 for 299.9 ms: inv-high[103] FIFO 69 waited (owner inv-low[101] FIFO 89); ran instead: inv-medium[102] FIFO 79 299.5ms", alert.ToString());
        Assert.Equal("inv-medium[102] pid 100 FIFO 79 299541796ns", alert.RanInstead);
        Assert.Equal("inv-high[103] FIFO 69", alert.FormatWaiting());
        Assert.Equal("inv-low[101] FIFO 89", alert.FormatOwner());
        var summary = Assert.Single(PriorityInversionSummary.Summarize([alert]));
        Assert.Equal("Lock: inv-high[103] FIFO 69 waited (owner inv-low[101]) while inv-medium[102] FIFO 79 ran, 1 time, 299.9 ms in all, at most 299.9 ms", summary.ToString());
        Assert.Equal(alert.StartTimeUtc, summary.FirstSeenUtc);
    }
}

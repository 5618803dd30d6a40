using SchedTrace.Timeline;
using static SchedTrace.Tests.Timeline.Synthetic;

namespace SchedTrace.Tests.Timeline;

/// <summary>Run slices rebuilt from switch events with known answers.</summary>
public sealed class TimelineSliceTests
{
    private static readonly SimTask A = new(100, 101, "alpha");
    private static readonly SimTask B = new(200, 200, "bravo", 110);
    private static readonly SimTask C = new(300, 303, "charlie");

    private static (int Cpu, ulong Start, ulong End, int Tid) Shape(RunSlice s) => (s.Cpu, s.StartNs, s.EndNs, s.ThreadId);

    [Fact]
    public void ATaskRunsFromSwitchInToTheNextSwitchOut_AndIdleIsAGap()
    {
        var timeline = SchedTimeline.Build(new SchedEvent[]
        {
            Switch(100, 0, Idle, A),
            Switch(300, 0, A, B, prevRuntimeNs: 200),
            Switch(500, 0, B, Idle, prevRuntimeNs: 200),
            Switch(700, 0, Idle, A, prevRuntimeNs: 200),
            Switch(900, 0, A, C, prevRuntimeNs: 200, prevState: 0, preempted: true),
            Switch(950, 0, C, Idle, prevRuntimeNs: 50),
        });

        Assert.Equal(new[] { (0, 100UL, 300UL, 101), (0, 300UL, 500UL, 200), (0, 700UL, 900UL, 101), (0, 900UL, 950UL, 303) }, timeline.Slices.Select(Shape));
        Assert.Equal(new[] { "S", "S", "R+", "S" }, timeline.Slices.Select(s => s.EndState));
        Assert.All(timeline.Slices, s => Assert.True(s.StartKnown && s.EndKnown));
        var bravo = timeline.Slices[1];
        Assert.Equal((200, 110, "bravo [200]"), (bravo.ProcessId, bravo.Priority, bravo.Label));
        Assert.Equal(new[] { 0 }, timeline.Cpus);
        Assert.Equal((100UL, 950UL), (timeline.StartNs, timeline.EndNs));
    }

    [Fact]
    public void TheFirstSliceOnACpu_StartsAtPrevsKnownSwitchIn_OrAtTheFirstEvent()
    {
        var timeline = SchedTimeline.Build(new SchedEvent[]
        {
            Switch(1_000, 0, A, B, prevRuntimeNs: 400),  // A's switch-in is known: 600
            Switch(1_200, 1, C, Idle, prevRuntimeNs: 0), // C's is not: from the first event (1000)
            Switch(1_500, 0, B, Idle, prevRuntimeNs: 500),
        });

        Assert.Equal(new[] { (0, 600UL, 1_000UL, 101), (0, 1_000UL, 1_500UL, 200), (1, 1_000UL, 1_200UL, 303) }, timeline.Slices.Select(Shape));
        Assert.True(timeline.Slices[0].StartKnown);
        Assert.False(timeline.Slices[2].StartKnown);
        Assert.Equal(600UL, timeline.StartNs);
        Assert.Equal(Utc(600), timeline.StartTime);
    }

    [Fact]
    public void EventsOfSeveralCpus_InAnyOrder_GiveTheSameSlices()
    {
        var events = RandomSchedule(cpus: 4, switchesPerCpu: 300, seed: 7);
        var ordered = SchedTimeline.Build(events.OrderBy(e => e.TimestampNs));
        var shuffled = SchedTimeline.Build(events.OrderBy(_ => Random.Shared.Next()));

        Assert.Equal(ordered.Slices.Select(Shape), shuffled.Slices.Select(Shape));
        Assert.Equal(new[] { 0, 1, 2, 3 }, ordered.Cpus);
        foreach (var cpu in ordered.Slices.GroupBy(s => s.Cpu))
        {
            var slices = cpu.ToList();
            Assert.All(slices.Zip(slices.Skip(1)), pair => Assert.True(pair.First.EndNs <= pair.Second.StartNs, $"CPU {cpu.Key}: {pair.First.Label} overlaps {pair.Second.Label}"));
            // Every switch out of a real task on this CPU ends exactly one slice of that task there.
            var switchesOut = events.OfType<SchedSwitchEvent>().Where(e => e.Cpu == cpu.Key && e.PrevThreadId != 0).Select(e => (e.TimestampNs, e.PrevThreadId)).ToHashSet();
            Assert.Equal(switchesOut, slices.Where(s => s.EndKnown).Select(s => (s.EndNs, s.ThreadId)).ToHashSet());
        }
        Assert.DoesNotContain(ordered.Slices, s => s.ThreadId == 0);
    }

    [Fact]
    public void AMissingSwitch_EndsTheOldSliceWhereTheNextTasksRunBegan()
    {
        // B got CPU 0 at 100; the switch away from B was lost; C is seen leaving at 500 after 100 ns.
        var timeline = SchedTimeline.Build(new SchedEvent[]
        {
            Switch(100, 0, A, B, prevRuntimeNs: 50),
            Switch(500, 0, C, A, prevRuntimeNs: 100),
            Switch(600, 0, A, Idle, prevRuntimeNs: 100),
        });

        Assert.Equal(new[] { (0, 50UL, 100UL, 101), (0, 100UL, 400UL, 200), (0, 400UL, 500UL, 303), (0, 500UL, 600UL, 101) }, timeline.Slices.Select(Shape));
        Assert.False(timeline.Slices[1].EndKnown);
        Assert.Null(timeline.Slices[1].EndState);
    }

    [Fact]
    public void ATaskStillRunning_IsDrawnToTheLastEvent()
    {
        var timeline = SchedTimeline.Build(new SchedEvent[]
        {
            Switch(100, 0, Idle, A),
            Wakeup(1_000, 1, B, targetCpu: 1),
        });

        var slice = Assert.Single(timeline.Slices);
        Assert.Equal((0, 100UL, 1_000UL, 101), Shape(slice));
        Assert.False(slice.EndKnown);
        Assert.Equal(new[] { 0, 1 }, timeline.Cpus);
    }

    [Fact]
    public void WakeupsAndMigrations_AreInstants_NotSlices()
    {
        var timeline = SchedTimeline.Build(new SchedEvent[]
        {
            Migrate(300, 1, A, 0, 1),
            Wakeup(200, 1, A, targetCpu: 1),
            Switch(100, 0, Idle, B),
            Switch(400, 0, B, Idle, prevRuntimeNs: 300),
        });

        Assert.Equal(new[] { SchedEventType.Wakeup, SchedEventType.Migrate }, timeline.Instants.Select(e => e.Type));
        Assert.Equal(new[] { 200UL }, timeline.Slices.Select(s => s.ProcessId).Select(p => (ulong)p));
    }

    [Fact]
    public void BusiestProcesses_AddUpThreads_AndAreNamedByTheMainThread()
    {
        var worker = A with { Tid = 102, Name = "alpha-worker" };
        var timeline = SchedTimeline.Build(new SchedEvent[]
        {
            Switch(0, 0, Idle, worker),
            Switch(100, 0, worker, B, 100),      // alpha process: 100
            Switch(150, 0, B, new SimTask(100, 100, "alpha"), 50),
            Switch(400, 0, new SimTask(100, 100, "alpha"), Idle, 250), // alpha process: +250
        });

        var busiest = timeline.BusiestProcesses(5);
        Assert.Equal(new[] { (100, "alpha", 350UL), (200, "bravo", 50UL) }, busiest);
    }

    [Fact]
    public void NoEvents_GiveAnEmptyTimeline()
    {
        var timeline = SchedTimeline.Build(Array.Empty<SchedEvent>());
        Assert.Empty(timeline.Cpus);
        Assert.Empty(timeline.Slices);
        Assert.Null(timeline.StartTime);
    }
}

using SchedTrace.Tests.Support;
using Xunit.Abstractions;

namespace SchedTrace.Tests.Kernel;

/// <summary>Live events from the ring buffer against the kernel's own switch counters.</summary>
[Collection(KernelCollection.Name)]
public sealed class EventKernelTests(ITestOutputHelper output)
{
    private static SchedTraceSession Start(int? processId = null, int? threadId = null, long ringBufferBytes = SchedTraceSessionOptions.DefaultRingBufferBytes, params SchedEventType[] types) =>
        SchedTraceSession.Start(new SchedTraceSessionOptions
        {
            Features = SchedTraceFeature.Events,
            ProcessIds = processId is int pid ? [pid] : [],
            ThreadIds = threadId is int tid ? [tid] : [],
            RingBufferBytes = ringBufferBytes,
            EventTypes = types.Length > 0 ? types : new[] { SchedEventType.Switch },
        });

    private static long SwitchesOut(int tid, (long Voluntary, long Involuntary) before) =>
        ProcFs.ThreadSwitches(tid).Voluntary + ProcFs.ThreadSwitches(tid).Involuntary - before.Voluntary - before.Involuntary;

    [KernelFact]
    public void PingPong_EventsCarryTheRightTasks_AndMatchTheKernelsCounts()
    {
        using var pair = new PipePair(roundTrips: 500, pinToCpu: 0);
        using var session = Start(processId: Environment.ProcessId);
        session.TakeEvents();
        var ping0 = ProcFs.ThreadSwitches(pair.PingThreadId);
        var pong0 = ProcFs.ThreadSwitches(pair.PongThreadId);
        var windowStart = DateTime.UtcNow;

        pair.Run();
        var events = new List<SchedEvent>();
        var windowEnd = DateTime.UtcNow;
        events.AddRange(session.TakeEvents());
        long pingOut = SwitchesOut(pair.PingThreadId, ping0);
        long pongOut = SwitchesOut(pair.PongThreadId, pong0);

        var switches = events.OfType<SchedSwitchEvent>().ToList();
        var fromPing = switches.Where(e => e.PrevThreadId == pair.PingThreadId).ToList();
        var fromPong = switches.Where(e => e.PrevThreadId == pair.PongThreadId).ToList();
        output.WriteLine($"{switches.Count} switch events; ping out {fromPing.Count} (kernel {pingOut}), pong out {fromPong.Count} (kernel {pongOut}); lost {session.LostEvents}");

        Assert.Equal(0, session.LostEvents);
        Assert.True(pingOut >= 500, "each round trip blocks ping once");
        Assert.Equal(pingOut, fromPing.Count);
        Assert.Equal(pongOut, fromPong.Count);
        Assert.All(fromPing, e =>
        {
            Assert.Equal("st-ping", e.PrevName);
            Assert.Equal(Environment.ProcessId, e.PrevProcessId);
            Assert.Equal(0, e.Cpu);
        });
        Assert.Contains(fromPing, e => e.NextThreadId == pair.PongThreadId && e.NextName == "st-pong");
        // Filtered on this process: every event has it on one side or the other.
        Assert.All(switches, e => Assert.True(e.PrevProcessId == Environment.ProcessId || e.NextProcessId == Environment.ProcessId));
        Assert.All(switches, e => Assert.InRange(e.Timestamp, windowStart.AddMilliseconds(-50), windowEnd.AddMilliseconds(50)));
        // Records of one CPU reach the buffer in the order they happened.
        Assert.All(switches.GroupBy(e => e.Cpu), cpu => Assert.Equal(cpu.Select(e => e.TimestampNs).Order(), cpu.Select(e => e.TimestampNs)));
        Assert.True(fromPing.Skip(1).All(e => e.PrevRuntimeNs > 0), "every switch after the first knows how long prev ran");
    }

    [KernelFact]
    public void TwoProcesses_StreamExactlyTheEventsOfThoseTwo()
    {
        // The two ids are a hash set in the kernel; the third sleeper switches in the same window
        // and must appear in no event. All three are blocked at both edges, so each of the two
        // was switched out exactly as often as its own counters say, and in as often, less the
        // switch-ins the kernel hid (see UntracedSwitchIns).
        using var first = SleeperProcess.Start(sleepsPerRound: 20);
        using var second = SleeperProcess.Start(sleepsPerRound: 30);
        using var other = SleeperProcess.Start(sleepsPerRound: 25);
        using var untraced = new UntracedSwitchIns();
        using var session = SchedTraceSession.Start(new SchedTraceSessionOptions
        {
            Features = SchedTraceFeature.Events,
            ProcessIds = [first.ProcessId, second.ProcessId],
        });
        session.TakeEvents();
        var first0 = first.Switches;
        var second0 = second.Switches;

        foreach (var sleeper in new[] { first, second, other })
        {
            sleeper.Go();
        }
        foreach (var sleeper in new[] { first, second, other })
        {
            sleeper.WaitUntilBlocked();
        }
        var switches = session.TakeEvents().OfType<SchedSwitchEvent>().ToList();
        var hidden = untraced.Count(first.ProcessId, second.ProcessId);
        long firstOut = first.Switches.Voluntary + first.Switches.Involuntary - first0.Voluntary - first0.Involuntary;
        long secondOut = second.Switches.Voluntary + second.Switches.Involuntary - second0.Voluntary - second0.Involuntary;

        int fromFirst = switches.Count(e => e.PrevProcessId == first.ProcessId);
        int fromSecond = switches.Count(e => e.PrevProcessId == second.ProcessId);
        output.WriteLine($"{switches.Count} switch events; out of the first {fromFirst} (kernel {firstOut}), of the second {fromSecond} (kernel {secondOut}); lost {session.LostEvents}; switch-ins the kernel hid: {hidden[first.ProcessId]}, {hidden[second.ProcessId]}");
        Assert.Equal(0, session.LostEvents);
        Assert.True(firstOut >= 20 && secondOut >= 30, "each sleep is a switch out");
        Assert.Equal(firstOut, fromFirst);
        Assert.Equal(secondOut, fromSecond);
        // Switched in as often as out (blocked at both edges), but for the switch-ins the kernel hid.
        Assert.Equal(firstOut - hidden[first.ProcessId], switches.Count(e => e.NextProcessId == first.ProcessId));
        Assert.Equal(secondOut - hidden[second.ProcessId], switches.Count(e => e.NextProcessId == second.ProcessId));
        // The third sleeper appears only across a switch with one of the two.
        var wanted = new[] { first.ProcessId, second.ProcessId };
        Assert.All(switches, e => Assert.True(wanted.Contains(e.PrevProcessId) || wanted.Contains(e.NextProcessId), $"switch {e.PrevProcessId} -> {e.NextProcessId} was let through"));
    }

    [KernelFact]
    public void TinyBuffer_DeliveredPlusLostEqualsTheSwitchesThatHappened()
    {
        using var pair = new PipePair(roundTrips: 2000, pinToCpu: 0);
        using var untraced = new UntracedSwitchIns();
        // One page holds about forty records: most of the 4000+ events cannot fit until we drain.
        using var session = Start(threadId: pair.PingThreadId, ringBufferBytes: 4096);
        Assert.Empty(session.TakeEvents());
        var ping0 = ProcFs.ThreadSwitches(pair.PingThreadId);

        pair.Run();
        var delivered = session.TakeEvents().OfType<SchedSwitchEvent>().ToList();
        long pingOut = SwitchesOut(pair.PingThreadId, ping0);
        int hidden = untraced.Count(pair.PingThreadId)[pair.PingThreadId];

        // Ping is blocked at both edges, so it was switched in exactly as often as out (less the
        // switch-ins the kernel hid, see UntracedSwitchIns), and the thread filter keeps both
        // kinds: every one of them was delivered or counted as lost.
        output.WriteLine($"delivered {delivered.Count}, lost {session.LostEvents} ({string.Join(",", session.LostEventsPerCpu)}), ping switched out {pingOut} times, switch-ins the kernel hid {hidden}");
        Assert.True(session.LostEvents > 0, "a one-page buffer must overflow");
        Assert.Equal(2 * pingOut - hidden, delivered.Count + session.LostEvents);
        Assert.All(delivered, e => Assert.True(e.PrevThreadId == pair.PingThreadId || e.NextThreadId == pair.PingThreadId));
    }

    [KernelFact]
    public void NameCpuAndRuntimeFilters_RunInTheKernel()
    {
        using var pair = new PipePair(roundTrips: 300, pinToCpu: 0);
        using var byName = SchedTraceSession.Start(new SchedTraceSessionOptions { Features = SchedTraceFeature.Events, EventName = "ST-PING" });
        using var byCpu = SchedTraceSession.Start(new SchedTraceSessionOptions { Features = SchedTraceFeature.Events, Cpu = 1 });
        using var longSlices = SchedTraceSession.Start(new SchedTraceSessionOptions { Features = SchedTraceFeature.Events, EventMinRuntime = TimeSpan.FromMilliseconds(1) });
        pair.Run();

        var named = byName.TakeEvents().OfType<SchedSwitchEvent>().ToList();
        Assert.True(named.Count >= 600, $"ping switched out and in 300 times each, saw {named.Count} events");
        Assert.All(named, e => Assert.Contains("st-ping", new[] { e.PrevName, e.NextName }));
        Assert.All(byCpu.TakeEvents(), e => Assert.Equal(1, e.Cpu));
        Assert.All(longSlices.TakeEvents().OfType<SchedSwitchEvent>(), e => Assert.True(e.PrevRuntimeNs >= 1_000_000));
    }

    [KernelFact]
    public void WakeupsAndMigrations_AreStreamedWhenAskedFor()
    {
        using var session = Start(processId: Environment.ProcessId, types: new[] { SchedEventType.Wakeup, SchedEventType.WakeupNew, SchedEventType.Migrate });
        session.TakeEvents();
        int tid = 0;
        var mover = new Thread(() =>
        {
            tid = TestNative.CurrentThreadId();
            for (int i = 0; i < 6; i++)
            {
                TestNative.PinCurrentThread(i % 2);
                Thread.Sleep(2);
            }
        }) { Name = "st-mover" };
        mover.Start();
        mover.Join();
        var events = session.TakeEvents();

        Assert.DoesNotContain(events, e => e is SchedSwitchEvent);
        Assert.Contains(events, e => e is SchedWakeupEvent { Type: SchedEventType.WakeupNew } w && w.ThreadId == tid);
        Assert.Contains(events, e => e is SchedWakeupEvent { Type: SchedEventType.Wakeup } w && w.ThreadId == tid && w.Name == "st-mover");
        var moves = events.OfType<SchedMigrateEvent>().Where(m => m.ThreadId == tid).ToList();
        Assert.True(moves.Count >= 5, $"moved between CPUs 5 times at least, saw {moves.Count} migrate events");
        Assert.All(moves, m => Assert.NotEqual(m.OrigCpu, m.DestCpu));
    }

    [KernelFact]
    public void WatchStopsAtCountAndDuration()
    {
        using var session = Start();
        using var load = PingPong.Start(TimeSpan.FromSeconds(1));
        Assert.Equal(50, SchedEventWatch.Watch(session, 50, null, null, CancellationToken.None).Count());

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var some = SchedEventWatch.Watch(session, null, TimeSpan.FromMilliseconds(200), null, CancellationToken.None).Count();
        Assert.InRange(clock.Elapsed.TotalMilliseconds, 190, 2000);
        Assert.True(some > 0);

        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        clock.Restart();
        SchedEventWatch.Watch(session, null, null, null, cancel.Token).Count();
        Assert.InRange(clock.Elapsed.TotalMilliseconds, 90, 1000);
    }
}

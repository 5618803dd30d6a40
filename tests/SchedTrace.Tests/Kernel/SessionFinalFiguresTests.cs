using SchedTrace.Engine;
using SchedTrace.PowerShell;
using SchedTrace.Tests.Support;
using Xunit.Abstractions;

namespace SchedTrace.Tests.Kernel;

/// <summary>
/// What a stopped session keeps: the final reading Stop takes of every feature, checked against
/// the kernel's own accounting of a thread the test owns, which is blocked (off the CPU, its
/// counters still) whenever the test reads /proc, so the figures must agree exactly. And the
/// counters of one session object: one read, not one per property.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class SessionFinalFiguresTests(ITestOutputHelper output)
{
    private const SchedTraceFeature Everything = SchedTraceFeature.ContextSwitches | SchedTraceFeature.CpuTime
        | SchedTraceFeature.Events | SchedTraceFeature.RunQueueLatency | SchedTraceFeature.OffCpuTime;

    /// <summary>A thread that sleeps and works in turns during its phase, and is blocked outside it.</summary>
    private static ControlledThread Sleeper() => new(() =>
    {
        for (int i = 0; i < 20; i++)
        {
            Thread.Sleep(2);
            ControlledThread.Spin(TimeSpan.FromMilliseconds(1));
        }
    }, blockOutsidePhase: true, name: "st-final");

    [KernelTheory]
    [InlineData(SchedTraceHook.BtfTracepoint)]
    [InlineData(SchedTraceHook.RawTracepoint)]
    public void Stop_KeepsEveryFeaturesFinalFigures_AsTheKernelCountedThem(SchedTraceHook hook)
    {
        using var workload = Sleeper();
        int pid = Environment.ProcessId, tid = workload.ThreadId;
        using var session = SchedTraceSession.Start(new SchedTraceSessionOptions { Features = Everything, ThreadIds = [tid], PreferredHook = hook });
        Assert.Equal(hook, session.Hook);
        var switches0 = ProcFs.ThreadSwitches(tid);
        long runtime0 = ProcFs.ThreadRuntimeNs(pid, tid);

        workload.Go();
        workload.WaitDone();
        var switches1 = ProcFs.ThreadSwitches(tid);
        long runtime1 = ProcFs.ThreadRuntimeNs(pid, tid);
        // The session sees only the thread, which is blocked from here on: a reading now is what
        // the stop must keep, figure for figure.
        var offCpuBefore = Latency(session, LatencyReportKind.OffCpu);
        var waitsBefore = Latency(session, LatencyReportKind.RunQueue);
        var beforeStop = DateTime.UtcNow;
        session.Stop();
        var afterStop = DateTime.UtcNow;

        Assert.Equal(SchedTraceState.Stopped, session.State);
        Assert.InRange(session.StopTime!.Value, beforeStop, afterStop);
        Assert.Equal(session.StopTime, session.CountersAsOf);
        long outs = switches1.Voluntary + switches1.Involuntary - switches0.Voluntary - switches0.Involuntary;
        output.WriteLine($"{hook}: switched out {outs} times, {runtime1 - runtime0} ns on the CPU; off-CPU intervals {offCpuBefore.Sum(r => r.Count)}, run-queue waits {waitsBefore[0].Count}");
        Assert.True(outs >= 20, $"20 sleeps are 20 switches out at least, /proc says {outs}");

        var count = ContextSwitchCount.Collect(session, SamplingPlan.SinceStart, total: true, CancellationToken.None).Single().Single();
        AssertEndsAtTheStop(session, count.WindowStart, count.WindowEnd, count.Duration);
        Assert.Equal(switches1.Voluntary - switches0.Voluntary, count.Voluntary);
        Assert.Equal(switches1.Involuntary - switches0.Involuntary, count.Involuntary);

        var cpu = ProcessCpuTime.Collect(session, SamplingPlan.SinceStart, new CpuTimeQuery { PerThread = true }, CancellationToken.None).Single().Single(r => r.ThreadId == tid);
        AssertEndsAtTheStop(session, cpu.WindowStart, cpu.WindowEnd, cpu.Duration);
        Assert.Equal(runtime1 - runtime0, cpu.CpuTimeNs);

        foreach (var (before, final) in new[] { (offCpuBefore, Latency(session, LatencyReportKind.OffCpu)), (waitsBefore, Latency(session, LatencyReportKind.RunQueue)) })
        {
            Assert.All(final, row => AssertEndsAtTheStop(session, row.WindowStart, row.WindowEnd, row.Duration));
            Assert.Equal(before.Select(r => (r.Reason, r.Count, r.TotalNs, r.MinNs, r.MaxNs)), final.Select(r => (r.Reason, r.Count, r.TotalNs, r.MinNs, r.MaxNs)));
        }
        Assert.True(offCpuBefore.Single(r => r.Reason == "Sleeping").Count > 0, "the sleeps are off-CPU intervals");
        Assert.True(waitsBefore[0].Count > 0, "the wakeup that started the phase is a run-queue wait");

        // Each switch-out of the thread is one event, as the kernel counted them (its switch-ins
        // have no counter of their own in /proc to hold them to).
        var events = WatchToTheEnd(session);
        Assert.Equal(outs, events.OfType<SchedSwitchEvent>().Count(e => e.PrevThreadId == tid));
        Assert.Equal(0, session.LostEvents);
        Assert.Empty(WatchToTheEnd(session));
    }

    /// <summary>
    /// The latency measures share their tables, so Stop reads them once for the family: every
    /// latency feature's final reading is that one reading, stamped at the stop, and it holds
    /// the thread's sleeps (which only the off-CPU measure records).
    /// </summary>
    [KernelFact]
    public void Stop_ReadsTheSharedLatencyTablesOnce_ForEveryLatencyMeasure()
    {
        using var workload = Sleeper();
        var family = new[] { SchedTraceFeature.RunQueueLatency, SchedTraceFeature.OffCpuTime, SchedTraceFeature.ScheduleTime };
        using var session = SchedTraceSession.Start(new SchedTraceSessionOptions
        {
            Features = family.Aggregate((all, f) => all | f) | SchedTraceFeature.ContextSwitches,
            ThreadIds = [workload.ThreadId],
        });
        workload.Go();
        workload.WaitDone();
        session.Stop();

        var finals = family.Select(f => session.Read<LatencyFigures>(f)).ToList();
        Assert.All(finals, r => Assert.True(r.Final));
        Assert.All(finals, r => Assert.Equal(session.StopTime, r.Utc));
        Assert.All(finals, r => Assert.Same(finals[0].Figures, r.Figures));
        Assert.True(finals[0].Figures.Total(LatencyKind.OffSleeping).Count >= 20, "20 sleeps are 20 off-CPU intervals asleep at least");
        Assert.Equal(session.StopTime, session.ReadSwitchCounts().Utc);
    }

    [KernelFact]
    public void AStoppedSession_HasNothingMoreToSample_AndSaysSo()
    {
        using var session = SchedTraceSession.Start(new SchedTraceSessionOptions { Features = SchedTraceFeature.ContextSwitches | SchedTraceFeature.CpuTime });
        session.Stop();

        foreach (var plan in new[] { SamplingPlan.ForIntervals(TimeSpan.FromMilliseconds(10), 2), SamplingPlan.ForDuration(TimeSpan.FromMilliseconds(10)) })
        {
            var refused = Assert.Throws<SchedTraceException>(() => ContextSwitchCount.Collect(session, plan, total: true, CancellationToken.None).ToList());
            Assert.Equal("SessionStopped", refused.ErrorId);
            Assert.Equal(SchedTraceErrorKind.SessionStopped, refused.Kind);
            Assert.Contains("Leave out -Interval", PowerShellSyntax.Format(refused.RecommendedActionText), StringComparison.Ordinal);
            Assert.Throws<SchedTraceException>(() => ProcessCpuTime.Collect(session, plan, new CpuTimeQuery(), CancellationToken.None).ToList());
        }
        Assert.Single(ContextSwitchCount.Collect(session, SamplingPlan.SinceStart, total: true, CancellationToken.None));
    }

    [KernelFact]
    public void StoppingASessionThatIsSampledAtIntervals_EndsTheSamplesAtTheStop()
    {
        using var session = SchedTraceSession.Start(new SchedTraceSessionOptions());
        var samples = new List<ContextSwitchCount>();
        using var firstSample = new ManualResetEventSlim();
        Exception? failure = null;
        // Without a count the samples go on until cancelled: only the stop can end them here.
        var sampling = new Thread(() =>
        {
            try
            {
                foreach (var rows in ContextSwitchCount.Collect(session, SamplingPlan.ForIntervals(TimeSpan.FromMilliseconds(50), null), total: true, CancellationToken.None))
                {
                    samples.Add(rows.Single());
                    firstSample.Set();
                }
            }
            catch (Exception e)
            {
                failure = e;
                firstSample.Set();
            }
        });
        sampling.Start();
        Assert.True(firstSample.Wait(TimeSpan.FromSeconds(5)), "no sample in 5 s of 50 ms intervals");
        Thread.Sleep(80);
        session.Stop();

        Assert.True(sampling.Join(TimeSpan.FromSeconds(5)), "sampling did not end when its session stopped");
        Assert.Null(failure);
        Assert.True(samples.Count >= 2, $"{samples.Count} samples: the first, and the one that ends at the stop");
        Assert.Equal(session.StopTime, samples[^1].WindowEnd);
        Assert.All(samples.Zip(samples.Skip(1)), pair => Assert.Equal(pair.First.WindowEnd, pair.Second.WindowStart));
        Assert.Equal(Enumerable.Range(1, samples.Count), samples.Select(s => s.Sample));
    }

    [KernelFact]
    public void Dispose_KeepsNoFigures_ButTheCounters()
    {
        var session = SchedTraceSession.Start(new SchedTraceSessionOptions { Features = SchedTraceFeature.ContextSwitches | SchedTraceFeature.Events });
        session.Dispose();

        Assert.Equal(SchedTraceState.Stopped, session.State);
        var refused = Assert.Throws<SchedTraceException>(() => ContextSwitchCount.Collect(session, SamplingPlan.SinceStart, total: true, CancellationToken.None).ToList());
        Assert.Equal("SessionStopped", refused.ErrorId);
        Assert.Equal(session.StopTime, session.CountersAsOf);
        Assert.Empty(session.TakeEvents());
    }

    [KernelFact]
    public void CountersOfOneObject_ComeFromOneRead_UntilTheNextReading()
    {
        // One page holds about forty records: a ping-pong of thousands of switches overflows it.
        using var first = new PipePair(roundTrips: 2000, pinToCpu: 0);
        using var second = new PipePair(roundTrips: 2000, pinToCpu: 0);
        using var session = SchedTraceSession.Start(new SchedTraceSessionOptions { Features = SchedTraceFeature.Events, ProcessIds = [Environment.ProcessId], RingBufferBytes = 4096 });
        first.Run();
        session.TakeEvents();
        long lost = session.LostEvents;
        var perCpu = session.LostEventsPerCpu.ToArray();
        var asOf = session.CountersAsOf;

        second.Run();
        // Nobody read the buffer while the second pair ran: the kernel lost more, the object says
        // nothing new until it is read again.
        Assert.True(lost > 0, "the first ping-pong must overflow a one-page buffer");
        Assert.Equal(perCpu.Sum(), lost);
        Assert.Equal(lost, session.LostEvents);
        Assert.Equal(perCpu, session.LostEventsPerCpu);
        Assert.Equal(asOf, session.CountersAsOf);

        session.Refresh();
        output.WriteLine($"lost {lost} after the first ping-pong, {session.LostEvents} after the second");
        Assert.True(session.LostEvents > lost, "the second ping-pong must overflow the buffer nobody read");
        Assert.Equal(session.LostEventsPerCpu.Sum(), session.LostEvents);
        Assert.True(session.CountersAsOf > asOf);
    }

    private static void AssertEndsAtTheStop(SchedTraceSession session, DateTime windowStart, DateTime windowEnd, TimeSpan duration)
    {
        Assert.Equal(session.StartTime, windowStart);
        Assert.Equal(session.StopTime, windowEnd);
        Assert.Equal(session.Elapsed, duration);
    }

    private static IReadOnlyList<LatencyStatistics> Latency(SchedTraceSession session, LatencyReportKind kind) =>
        LatencyReport.Collect(session, SamplingPlan.SinceStart, new LatencyQuery { Kind = kind }, CancellationToken.None).Single();

    /// <summary>A watch without a count or a duration: on a stopped session it must end by itself.</summary>
    private static List<SchedEvent> WatchToTheEnd(SchedTraceSession session)
    {
        var watch = Task.Run(() => SchedEventWatch.Watch(session, count: null, duration: null, filter: null, CancellationToken.None).ToList());
        Assert.True(watch.Wait(TimeSpan.FromSeconds(5)), "a watch of a stopped session did not end");
        return watch.Result;
    }
}

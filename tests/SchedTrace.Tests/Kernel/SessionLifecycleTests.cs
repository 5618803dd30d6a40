using SchedTrace.Engine;
using SchedTrace.Tests.Support;

namespace SchedTrace.Tests.Kernel;

[Collection(KernelCollection.Name)]
public sealed class SessionLifecycleTests
{
    [KernelFact]
    public void TwoHundredStartStopCycles_LeakNoKernelObject()
    {
        // Every feature, so every map, program, link and the ring buffer consumer are exercised,
        // and (ScheduleTime) the failed fentry attempt that precedes each start here.
        var everything = new SchedTraceSessionOptions
        {
            Features = SchedTraceFeature.ContextSwitches | SchedTraceFeature.CpuTime | SchedTraceFeature.Events
                | SchedTraceFeature.RunQueueLatency | SchedTraceFeature.OffCpuTime | SchedTraceFeature.ScheduleTime,
            EventTypes = Enum.GetValues<SchedEventType>(),
            RingBufferBytes = 64 * 1024,
            LatencyPerProcess = true,
        };
        // One warm-up cycle: the first start loads libbpf and the embedded object, once per process.
        SchedTraceSession.Start(everything).Dispose();
        int fdsBefore = ProcFs.BpfFileDescriptors();
        var held = new HashSet<BpfObjectId>();

        for (int cycle = 0; cycle < 200; cycle++)
        {
            var baseline = BpfObjectId.HeldByThisProcess();
            using (var session = SchedTraceSession.Start(everything))
            {
                session.TakeEvents();
                session.ReadTaskStats();
                session.ReadLatency();
                var during = BpfObjectId.HeldByThisProcess();
                during.ExceptWith(baseline);
                Assert.Contains(during, id => id.Kind == "prog");
                Assert.Contains(during, id => id.Kind == "link");
                Assert.True(ProcFs.BpfFileDescriptors() > fdsBefore, "a running session holds BPF fds");
                held.UnionWith(during);
                if (cycle % 2 == 0)
                {
                    // Half the cycles stop with the final reading (detach, drain, read), half only dispose.
                    session.Stop();
                    Assert.Equal(session.StopTime, session.ReadSwitchCounts().Utc);
                }
            }
        }

        Assert.Equal(fdsBefore, ProcFs.BpfFileDescriptors());
        Assert.Empty(BpfObjectId.HeldByThisProcess().Intersect(held));
        // The kernel frees a program or map after an RCU grace period: give it a moment.
        var stillAlive = held;
        for (int attempt = 0; attempt < 50 && stillAlive.Count > 0; attempt++)
        {
            Thread.Sleep(100);
            stillAlive = BpfObjectId.AliveInKernel(held);
        }
        Assert.Empty(stillAlive);
    }

    [KernelFact]
    public void StopTwice_IsHarmless_AndFreezesTheSession()
    {
        var session = SchedTraceSession.Start(new SchedTraceSessionOptions());
        Assert.Equal(DateTimeKind.Utc, session.StartTime.Kind);
        session.Stop();
        var stoppedAt = session.StopTime;
        session.Stop();
        session.Dispose();
        Assert.Equal(stoppedAt, session.StopTime);
        Assert.Equal(SchedTraceState.Stopped, session.State);
    }

    [KernelFact]
    public void Attach_IsFast()
    {
        // Not a benchmark (bench/ measures that): a guard that attach is not accidentally seconds.
        SchedTraceSession.Start(new SchedTraceSessionOptions()).Dispose();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var session = SchedTraceSession.Start(new SchedTraceSessionOptions());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"attach took {clock.Elapsed}");
    }
}

using SchedTrace.Tests.Support;
using Xunit.Abstractions;

namespace SchedTrace.Tests.Kernel;

/// <summary>
/// Priority inversions with real priorities: threads the test owns (Support/Native/
/// inversion_workload.c), pinned to one CPU with SCHED_FIFO priorities, against what the
/// scenario is known to do.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class PriorityInversionKernelTests(ITestOutputHelper output)
{
    private const int SpinMs = 300;

    private static readonly TimeSpan Threshold = TimeSpan.FromMilliseconds(50);

    private (InversionWorkload Workload, List<PriorityInversion> Alerts, SchedTraceSession Session) Trace(string mode, int spinMs, SchedTraceSessionOptions? options = null)
    {
        var session = SchedTraceSession.Start((options ?? new SchedTraceSessionOptions()) with
        {
            Features = SchedTraceFeature.PriorityInversion,
            InversionThreshold = options?.InversionThreshold ?? Threshold,
        });
        var workload = InversionWorkload.Run(mode, spinMs);
        Thread.Sleep(50); // the alert of the scenario's last switch-in is in the ring buffer by now
        var alerts = session.TakeInversions().ToList();
        foreach (var a in alerts)
        {
            output.WriteLine($"{a.Kind} cpu {a.Cpu} wait {a.Wait.TotalMilliseconds:F1} ms: {a.Name}[{a.ThreadId}] {a.Policy} {a.Priority}" +
                (a.OwnerThreadId is null ? "" : $" owner {a.OwnerName}[{a.OwnerThreadId}] {a.OwnerPolicy} {a.OwnerPriority}") +
                " ran: " + string.Join(", ", a.GetRanInstead()));
        }
        output.WriteLine($"tids {string.Join(' ', workload.ThreadIds)}; suppressed {session.SuppressedInversions}, lost {session.LostInversions}");
        return (workload, alerts, session);
    }

    private List<PriorityInversion> LockAlertsOf(InversionWorkload workload, IEnumerable<PriorityInversion> alerts) =>
        alerts.Where(a => a.Kind == PriorityInversionKind.Lock && a.ProcessId == workload.ProcessId).ToList();

    [KernelFact]
    public void LockInversion_NormalMutex_ReportsHighBlockedOnLowWhileMediumRuns()
    {
        var (workload, alerts, session) = Trace("lock", SpinMs);
        using (session)
        {
            int low = workload.ThreadIds[0], medium = workload.ThreadIds[1], high = workload.ThreadIds[2];
            var found = LockAlertsOf(workload, alerts);
            var alert = Assert.Single(found);
            Assert.Equal(high, alert.ThreadId);
            Assert.Equal(SchedPolicy.Fifo, alert.Policy);
            Assert.Equal(99 - 30, alert.Priority);
            Assert.Equal(low, alert.OwnerThreadId);
            Assert.Equal(99 - 10, alert.OwnerPriority);
            Assert.Equal(SchedPolicy.Fifo, alert.OwnerPolicy);
            Assert.Equal(InversionWorkload.WorkCpu, alert.Cpu);
            Assert.NotNull(alert.LockAddress);
            var m = Assert.Single(alert.GetRanInstead(), r => r.ThreadId == medium);
            Assert.Equal(99 - 20, m.Priority);
            Assert.Equal("inv-medium", m.Name);
            // Medium spins SpinMs while low waits: the inversion lasts about that long, and medium ran most of it.
            Assert.InRange(alert.Wait, Threshold, TimeSpan.FromMilliseconds(SpinMs + 200));
            Assert.InRange(alert.Wait, TimeSpan.FromMilliseconds(SpinMs * 0.8), TimeSpan.FromMilliseconds(SpinMs + 200));
            Assert.InRange(m.RunTimeNs, (ulong)(SpinMs * 0.7 * 1e6), alert.WaitNs + 1_000_000);
            Assert.InRange(alert.Timestamp, session.StartTime, DateTime.UtcNow);
            // The blocked and the waiting threads are never named as having run instead.
            Assert.DoesNotContain(alert.GetRanInstead(), r => r.ThreadId == high || r.ThreadId == low);
        }
    }

    [KernelFact]
    public void LockInversion_OnTheRawTracepointFallback_ReportsTheSameThreads()
    {
        // raw_tp programs read every field through bpf_probe_read_kernel and keep their stamps in
        // a hash table instead of task storage: the same scenario must give the same answer.
        var (workload, alerts, session) = Trace("lock", SpinMs, new SchedTraceSessionOptions { PreferredHook = SchedTraceHook.RawTracepoint });
        using (session)
        {
            Assert.Equal(SchedTraceHook.RawTracepoint, session.Hook);
            var alert = Assert.Single(LockAlertsOf(workload, alerts));
            Assert.Equal(workload.ThreadIds[2], alert.ThreadId);
            Assert.Equal(workload.ThreadIds[0], alert.OwnerThreadId);
            Assert.Contains(alert.GetRanInstead(), r => r.ThreadId == workload.ThreadIds[1]);
            Assert.InRange(alert.Wait, TimeSpan.FromMilliseconds(SpinMs * 0.8), TimeSpan.FromMilliseconds(SpinMs + 200));
        }
    }

    [KernelFact]
    public void LockInversion_PriorityInheritanceMutex_ReportsNone()
    {
        // The kernel boosts low to high's priority while high waits (FUTEX_LOCK_PI): medium cannot
        // keep low off the CPU, so there is no inversion to report.
        var (workload, alerts, session) = Trace("pi", SpinMs);
        using (session)
        {
            Assert.Empty(LockAlertsOf(workload, alerts));
            // Medium waits behind low, but low runs boosted above medium then: no run-queue inversion either.
            Assert.DoesNotContain(alerts, a => workload.ThreadIds.Contains(a.ThreadId) && a.GetRanInstead().Any(r => workload.ThreadIds.Contains(r.ThreadId)));
            Assert.Equal(3, workload.ThreadIds.Count);
        }
    }

    [KernelFact]
    public void LockInversion_EqualPriorities_ReportsNone()
    {
        // Same scenario, all three at SCHED_FIFO 20: low waits SpinMs behind medium while high is
        // blocked on low's mutex, but medium does not have lower priority than high.
        var (workload, alerts, session) = Trace("equal", SpinMs);
        using (session)
        {
            Assert.Empty(LockAlertsOf(workload, alerts));
        }
    }

    [KernelFact]
    public void RunQueueInversion_RealTimeTaskBehindNormalTask_IsReported()
    {
        // A SCHED_FIFO spinner holds the CPU; the kernel's fair server still gives the SCHED_OTHER
        // spinner a share of each second, during which the real-time task waits behind it.
        var (workload, alerts, session) = Trace("runqueue", 1500, new SchedTraceSessionOptions { InversionThreshold = TimeSpan.FromMilliseconds(5) });
        using (session)
        {
            int rt = workload.ThreadIds[0], normal = workload.ThreadIds[1];
            var found = alerts.Where(a => a.Kind == PriorityInversionKind.RunQueue && a.ThreadId == rt).ToList();
            Assert.NotEmpty(found);
            foreach (var alert in found)
            {
                Assert.Equal(SchedPolicy.Fifo, alert.Policy);
                Assert.Equal(99 - 10, alert.Priority);
                Assert.Equal(InversionWorkload.WorkCpu, alert.Cpu);
                Assert.True(alert.Wait >= TimeSpan.FromMilliseconds(5), $"wait {alert.Wait}");
                Assert.Null(alert.OwnerThreadId);
                Assert.All(alert.GetRanInstead(), r => Assert.True(r.Priority >= 100, $"{r} is not below a real-time task"));
            }
            Assert.Contains(found, a => a.GetRanInstead().Any(r => r.ThreadId == normal && r.Policy == SchedPolicy.Normal));
        }
    }

    [KernelFact]
    public void RateLimit_SuppressesBeyondTheRate_AndCountsWhatItSuppressed()
    {
        // Three normal spinners at nice 0, 1 and 2 share one CPU; with a nice gap of 1 and a 1 ms
        // threshold, every time one of the first two waits a slice behind a lower one is an
        // inversion: a storm. One session lets one alert per second per CPU through, another
        // (watching the same switches at the same time) lets everything through.
        var common = new SchedTraceSessionOptions
        {
            Features = SchedTraceFeature.PriorityInversion,
            InversionThreshold = TimeSpan.FromMilliseconds(1),
            InversionMinNiceGap = 1,
            InversionKinds = [PriorityInversionKind.RunQueue],
        };
        using var limited = SchedTraceSession.Start(common with { MaxInversionsPerSecond = 1 });
        using var unlimited = SchedTraceSession.Start(common with { MaxInversionsPerSecond = 1_000_000 });
        var workload = InversionWorkload.Run("storm", 1000);
        Thread.Sleep(50);
        var elapsed = limited.Elapsed;
        var delivered = limited.TakeInversions();
        var all = unlimited.TakeInversions();
        long suppressed = limited.SuppressedInversions;
        output.WriteLine($"limited: {delivered.Count} delivered, {suppressed} suppressed ({string.Join(", ", limited.SuppressedInversionsPerCpu)}); unlimited: {all.Count}, suppressed {unlimited.SuppressedInversions}; elapsed {elapsed}");
        Assert.True(all.Count(a => workload.ThreadIds.Contains(a.ThreadId)) >= 20, $"the storm made only {all.Count} alerts");
        Assert.Equal(0, unlimited.SuppressedInversions);
        // The bucket: one alert of burst per CPU, then one per second.
        int cpus = Environment.ProcessorCount;
        Assert.InRange(delivered.Count, 1, cpus * (1 + (int)Math.Ceiling(elapsed.TotalSeconds)));
        Assert.True(suppressed > 0);
        Assert.Equal(delivered.Count, limited.InversionAlerts);
        // Nothing vanishes: what one session sent plus what it suppressed is what the other sent.
        long accounted = delivered.Count + suppressed;
        Assert.InRange(accounted, (long)(all.Count * 0.8) - 3, (long)(all.Count * 1.2) + 3);
    }
}

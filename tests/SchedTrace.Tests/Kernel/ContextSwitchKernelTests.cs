using System.Diagnostics;
using SchedTrace.Engine;
using SchedTrace.Tests.Support;
using Xunit.Abstractions;

namespace SchedTrace.Tests.Kernel;

/// <summary>
/// Real BPF programs on the running kernel, checked against the kernel's own accounting:
/// /proc/stat ctxt for the machine, /proc/&lt;pid&gt;/task/&lt;tid&gt;/status for threads the test owns.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class ContextSwitchKernelTests(ITestOutputHelper output)
{
    private static SchedTraceSession Start(int? threadId = null, SchedTraceHook hook = SchedTraceHook.BtfTracepoint) =>
        SchedTraceSession.Start(new SchedTraceSessionOptions { ThreadIds = Ids(threadId), PreferredHook = hook });

    private static int[] Ids(int? id) => id is int one ? [one] : [];

    private static ContextSwitchCount Total(MeasureReading<BpfSwitchCounts[]> before, MeasureReading<BpfSwitchCounts[]> after) =>
        Assert.Single(ContextSwitchCount.Between(0, before, after, total: true));

    [KernelFact]
    public void MachineTotal_AgreesWithProcStatCtxt()
    {
        using var session = Start();
        using var load = PingPong.Start(TimeSpan.FromSeconds(1));

        // ctxt brackets our window: [ctxt0 .. snap0 .. snap1 .. ctxt1]. Everything we count is in
        // ctxt's delta, and ctxt also has the switches made between each pair of reads (reading
        // /proc/stat takes a while). So: ctxt - ours must lie between -20 (ctxt sums its per-CPU
        // counters without a lock) and twice the switch rate times the time spent between the
        // paired reads, plus 20, plus what PID 1's threads switched in the outer window (the
        // kernel counts those in ctxt but does not trace them: ProcFs.PidOneSwitches). Both
        // reads are warmed up first so JIT time is not in the gaps.
        ProcFs.SystemContextSwitches();
        ProcFs.PidOneSwitches();
        session.ReadSwitchCounts();
        long untraced0 = ProcFs.PidOneSwitches();
        long gap0 = Stopwatch.GetTimestamp();
        long ctxt0 = ProcFs.SystemContextSwitches();
        var before = session.ReadSwitchCounts();
        var gap = Stopwatch.GetElapsedTime(gap0);
        Thread.Sleep(1000);
        long gap1 = Stopwatch.GetTimestamp();
        var after = session.ReadSwitchCounts();
        long ctxt1 = ProcFs.SystemContextSwitches();
        gap += Stopwatch.GetElapsedTime(gap1);
        long untraced = ProcFs.PidOneSwitches() - untraced0;

        var total = Total(before, after);
        long kernel = ctxt1 - ctxt0;
        double allowed = 2 * total.SwitchesPerSecond * gap.TotalSeconds + 20 + untraced;
        output.WriteLine($"BPF {total.Switches} (vol {total.Voluntary}, invol {total.Involuntary}, idle {total.FromIdle}); ctxt {kernel}; PID 1 switched {untraced}; reads took {gap.TotalMicroseconds:F0} us, allowed {allowed:F0}");
        Assert.True(total.Switches > 1000, $"the ping-pong should have caused switches, saw {total.Switches}");
        Assert.InRange(kernel - total.Switches, -20, allowed);
        Assert.Equal(total.Voluntary + total.Involuntary + total.FromIdle, total.Switches);
    }

    [KernelFact]
    public void Sleeper_VoluntarySwitchesMatchItsOwnCounters()
    {
        const int sleeps = 40;
        using var sleeper = new ControlledThread(() =>
        {
            for (int i = 0; i < sleeps; i++)
            {
                Thread.Sleep(2);
            }
        });
        using var session = Start(sleeper.ThreadId);

        // The thread busy-waits outside its phase, so between a /proc read and a snapshot it cannot
        // block: voluntary counts must agree exactly. It can be preempted there (rarely), hence
        // a tolerance of 2 on involuntary only.
        var proc0 = ProcFs.ThreadSwitches(sleeper.ThreadId);
        var before = session.ReadSwitchCounts();
        sleeper.Go();
        sleeper.WaitDone();
        var after = session.ReadSwitchCounts();
        var proc1 = ProcFs.ThreadSwitches(sleeper.ThreadId);

        var total = Total(before, after);
        output.WriteLine($"BPF vol {total.Voluntary} invol {total.Involuntary}; /proc vol {proc1.Voluntary - proc0.Voluntary} invol {proc1.Involuntary - proc0.Involuntary}");
        Assert.Equal(proc1.Voluntary - proc0.Voluntary, total.Voluntary);
        Assert.True(total.Voluntary >= sleeps, $"{sleeps} sleeps should be {sleeps} voluntary switches at least, saw {total.Voluntary}");
        Assert.InRange(total.Involuntary, proc1.Involuntary - proc0.Involuntary - 2, proc1.Involuntary - proc0.Involuntary + 2);
        Assert.Equal(0, total.FromIdle);
    }

    [KernelFact]
    public void SpinnersSharingOneCpu_InvoluntarySwitchesMatchTheirOwnCounters()
    {
        int cpu = Environment.ProcessorCount - 1;
        var spinFor = TimeSpan.FromMilliseconds(800);
        using var first = new ControlledThread(() => ControlledThread.Spin(spinFor), pinToCpu: cpu);
        using var second = new ControlledThread(() => ControlledThread.Spin(spinFor), pinToCpu: cpu);
        using var firstSession = Start(first.ThreadId);
        using var secondSession = Start(second.ThreadId);

        // Both threads are already spinning on the same CPU while we read, so each may be
        // preempted in the microseconds between its /proc read and its snapshot, at either end:
        // tolerance 2 per edge. Neither blocks in its spin, but the runtime can stop it in those
        // gaps (most likely a garbage collection, which suspends every managed thread: /proc saw 2
        // voluntary switches that the window did not hold, once under load), so voluntary is
        // at most the kernel's and at least 2 per edge fewer.
        var firstProc0 = ProcFs.ThreadSwitches(first.ThreadId);
        var firstBefore = firstSession.ReadSwitchCounts();
        var secondProc0 = ProcFs.ThreadSwitches(second.ThreadId);
        var secondBefore = secondSession.ReadSwitchCounts();
        first.Go();
        second.Go();
        first.WaitDone();
        second.WaitDone();
        var firstAfter = firstSession.ReadSwitchCounts();
        var firstProc1 = ProcFs.ThreadSwitches(first.ThreadId);
        var secondAfter = secondSession.ReadSwitchCounts();
        var secondProc1 = ProcFs.ThreadSwitches(second.ThreadId);

        foreach (var (before, after, proc0, proc1) in new[]
                 {
                     (firstBefore, firstAfter, firstProc0, firstProc1),
                     (secondBefore, secondAfter, secondProc0, secondProc1),
                 })
        {
            var total = Total(before, after);
            long kernelInvoluntary = proc1.Involuntary - proc0.Involuntary;
            output.WriteLine($"BPF vol {total.Voluntary} invol {total.Involuntary}; /proc vol {proc1.Voluntary - proc0.Voluntary} invol {kernelInvoluntary}");
            Assert.True(kernelInvoluntary >= 20, $"two spinners on one CPU should preempt each other; the kernel saw {kernelInvoluntary}");
            Assert.InRange(total.Involuntary, kernelInvoluntary - 4, kernelInvoluntary + 4);
            long kernelVoluntary = proc1.Voluntary - proc0.Voluntary;
            Assert.InRange(total.Voluntary, kernelVoluntary - 4, kernelVoluntary);
            var perCpu = ContextSwitchCount.Between(0, before, after, total: false);
            Assert.True(perCpu.Single(r => r.Cpu == cpu).Involuntary >= total.Involuntary - 4, "a thread pinned to one CPU is switched out on that CPU");
        }
    }

    [KernelTheory]
    [InlineData(SchedTraceHook.BtfTracepoint)]
    [InlineData(SchedTraceHook.RawTracepoint)]
    public void TwoProcesses_CountExactlyTheSwitchesOfThoseTwo(SchedTraceHook hook)
    {
        // Several ids go into the kernel's hash set. A third sleeper makes switches in the same
        // window that must not be counted. All three are blocked on their stdin at both readings,
        // so the two counted ones' own counters are exact.
        using var first = SleeperProcess.Start(sleepsPerRound: 20);
        using var second = SleeperProcess.Start(sleepsPerRound: 30);
        using var other = SleeperProcess.Start(sleepsPerRound: 25);
        using var session = SchedTraceSession.Start(new SchedTraceSessionOptions { ProcessIds = [first.ProcessId, second.ProcessId], PreferredHook = hook });
        Assert.Equal(hook, session.Hook);
        Assert.Equal(new[] { first.ProcessId, second.ProcessId }.Order(), session.ProcessIds);

        var first0 = first.Switches;
        var second0 = second.Switches;
        var before = session.ReadSwitchCounts();
        foreach (var sleeper in new[] { first, second, other })
        {
            sleeper.Go();
        }
        foreach (var sleeper in new[] { first, second, other })
        {
            sleeper.WaitUntilBlocked();
        }
        var after = session.ReadSwitchCounts();
        var first1 = first.Switches;
        var second1 = second.Switches;

        var total = Total(before, after);
        long voluntary = first1.Voluntary - first0.Voluntary + second1.Voluntary - second0.Voluntary;
        long involuntary = first1.Involuntary - first0.Involuntary + second1.Involuntary - second0.Involuntary;
        output.WriteLine($"BPF vol {total.Voluntary} invol {total.Involuntary}; /proc of the two: vol {voluntary} invol {involuntary}");
        Assert.True(voluntary >= 20 + 30, $"the two slept 50 times between them, their counters say {voluntary} voluntary switches");
        Assert.Equal(voluntary, total.Voluntary);
        Assert.Equal(involuntary, total.Involuntary);
        Assert.Equal(0, total.FromIdle);
    }

    [KernelFact]
    public void RawTracepointFallback_CountsTheSameSwitches()
    {
        using var btf = Start();
        using var raw = Start(hook: SchedTraceHook.RawTracepoint);
        Assert.Equal(SchedTraceHook.BtfTracepoint, btf.Hook);
        Assert.Equal(SchedTraceHook.RawTracepoint, raw.Hook);
        using var load = PingPong.Start(TimeSpan.FromMilliseconds(600));

        // The two sessions are read one after the other: switches between the reads differ.
        var btf0 = btf.ReadSwitchCounts();
        var raw0 = raw.ReadSwitchCounts();
        Thread.Sleep(500);
        var btf1 = btf.ReadSwitchCounts();
        var raw1 = raw.ReadSwitchCounts();

        var fromBtf = Total(btf0, btf1);
        var fromRaw = Total(raw0, raw1);
        output.WriteLine($"tp_btf {fromBtf.Switches}, raw_tp {fromRaw.Switches}");
        Assert.True(fromBtf.Switches > 500);
        Assert.InRange(fromRaw.Switches, fromBtf.Switches * 0.98 - 20, fromBtf.Switches * 1.02 + 20);
    }

    [KernelFact]
    public void Sessions_AreIndependent()
    {
        using var first = Start();
        using var second = Start();
        first.Stop();

        Assert.Equal(SchedTraceState.Stopped, first.State);
        Assert.Equal(SchedTraceState.Running, second.State);
        // The stopped one answers with its final counts, which no longer move.
        var final = first.ReadSwitchCounts();
        Assert.Equal(first.StopTime, final.Utc);
        Thread.Sleep(20);
        Assert.Equal(final.Figures, first.ReadSwitchCounts().Figures);

        var before = second.ReadSwitchCounts();
        Thread.Sleep(100);
        Assert.True(Total(before, second.ReadSwitchCounts()).Switches > 0, "the second session keeps counting after the first stops");

        var frozen = first.Elapsed;
        Thread.Sleep(20);
        Assert.Equal(frozen, first.Elapsed);
        first.Stop();
    }

    [KernelFact]
    public void SinceStart_CountsFromAttach()
    {
        using var session = Start();
        Thread.Sleep(200);
        var rows = ContextSwitchCount.Collect(session, SamplingPlan.SinceStart, total: true, CancellationToken.None).Single();
        var row = Assert.Single(rows);
        Assert.Equal(session.StartTime, row.WindowStart);
        Assert.True(row.Switches > 0);
        Assert.InRange(row.Duration.TotalMilliseconds, 190, 5000);
    }

    [KernelFact]
    public void Intervals_AreConsecutiveStampedSamples()
    {
        using var session = Start();
        var samples = ContextSwitchCount.Collect(session, SamplingPlan.ForIntervals(TimeSpan.FromMilliseconds(100), 3), total: false, CancellationToken.None).ToList();

        Assert.Equal(new[] { 1, 2, 3 }, samples.Select(s => s[0].Sample));
        for (int i = 1; i < samples.Count; i++)
        {
            Assert.Equal(samples[i - 1][0].WindowEnd, samples[i][0].WindowStart);
        }
        Assert.All(samples, rows => Assert.Equal(CpuTopology.Online().Count, rows.Count));
    }

    [KernelFact]
    public void CancelledDuration_StillYieldsTheWindowCollected()
    {
        using var session = Start();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var started = DateTime.UtcNow;
        var rows = ContextSwitchCount.Collect(session, SamplingPlan.ForDuration(TimeSpan.FromSeconds(30)), total: true, cancel.Token).Single();
        Assert.InRange(Assert.Single(rows).Duration.TotalSeconds, 0.15, 5);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
    }
}

/// <summary>Kernel tests run one at a time: they measure the machine, and parallel ones would disturb each other.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class KernelCollection
{
    public const string Name = "kernel";
}

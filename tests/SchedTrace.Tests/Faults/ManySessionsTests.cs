using System.Diagnostics;
using SchedTrace.Tests.Kernel;
using SchedTrace.Tests.Support;
using Xunit.Abstractions;

namespace SchedTrace.Tests.Faults;

/// <summary>
/// Sessions are independent kernel objects with no count of their own to run out of: 64 in
/// one process attach and each counts exactly what the kernel counted. (What does run out is
/// the process's file descriptors: ResourceLimitTests and Faults.Tests.ps1.)
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class ManySessionsTests(ITestOutputHelper output)
{
    [KernelFact]
    public void SixtyFourSessionsInOneProcess_EachCountTheSleepersSwitchesExactly()
    {
        // The cheapest session that proves the point: one program on sched_switch, filtered in
        // the kernel to one single-threaded sleeper, so 64 of them add a compare per switch each
        // and the 2 vCPUs are not loaded by the test itself.
        const int sessions = 64;
        const int sleeps = 20;
        using var sleeper = SleeperProcess.Start(sleepsPerRound: sleeps);
        var heldBefore = BpfObjectId.HeldByThisProcess();
        var opened = new List<SchedTraceSession>();
        try
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < sessions; i++)
            {
                opened.Add(SchedTraceSession.Start(new SchedTraceSessionOptions { ProcessIds = [sleeper.ProcessId] }));
            }
            output.WriteLine($"{sessions} sessions attached in {clock.ElapsedMilliseconds} ms; {ProcFs.BpfFileDescriptors()} BPF fds");

            // The sleeper is blocked on its stdin at both readings: its own counters are exact.
            var proc0 = sleeper.Switches;
            var before = opened.Select(s => s.ReadSwitchCounts()).ToList();
            sleeper.Go();
            sleeper.WaitUntilBlocked();
            var after = opened.Select(s => s.ReadSwitchCounts()).ToList();
            var proc1 = sleeper.Switches;

            long voluntary = proc1.Voluntary - proc0.Voluntary;
            long involuntary = proc1.Involuntary - proc0.Involuntary;
            output.WriteLine($"/proc: {voluntary} voluntary, {involuntary} involuntary");
            Assert.True(voluntary >= sleeps, $"{sleeps} sleeps are at least {sleeps} voluntary switches; /proc says {voluntary}");
            for (int i = 0; i < sessions; i++)
            {
                var (v, n) = Delta(before[i], after[i]);
                Assert.True(v == voluntary && n == involuntary, $"session {i + 1} of {sessions} counted {v} voluntary and {n} involuntary; /proc says {voluntary} and {involuntary}");
            }
        }
        finally
        {
            foreach (var session in opened)
            {
                session.Dispose();
            }
        }
        Assert.Equal(sessions, opened.Count);
        Assert.Equal(heldBefore, BpfObjectId.HeldByThisProcess());
    }

    private static (long Voluntary, long Involuntary) Delta(MeasureReading<BpfSwitchCounts[]> before, MeasureReading<BpfSwitchCounts[]> after)
    {
        long voluntary = 0, involuntary = 0;
        for (int cpu = 0; cpu < after.Figures.Length; cpu++)
        {
            voluntary += (long)(after.Figures[cpu].Voluntary - before.Figures[cpu].Voluntary);
            involuntary += (long)(after.Figures[cpu].Involuntary - before.Figures[cpu].Involuntary);
        }
        return (voluntary, involuntary);
    }
}

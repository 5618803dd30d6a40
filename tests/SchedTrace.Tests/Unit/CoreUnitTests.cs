using System.Diagnostics;
using SchedTrace.Engine;

using SchedTrace.Measures;

namespace SchedTrace.Tests.Unit;

public sealed class DurationParserTests
{
    [Theory]
    [InlineData("2", 2_000)]
    [InlineData("0.5", 500)]
    [InlineData("500ms", 500)]
    [InlineData("1.5s", 1_500)]
    [InlineData("1m", 60_000)]
    [InlineData("250us", 0.25)]
    [InlineData("00:00:03", 3_000)]
    [InlineData(" 2 ", 2_000)]
    public void Parses(string text, double milliseconds)
    {
        Assert.True(DurationParser.TryParse(text, out var duration));
        Assert.Equal(milliseconds, duration.TotalMilliseconds, precision: 6);
    }

    [Theory]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("2x")]
    [InlineData("NaN")]
    [InlineData("1e300")]
    public void Rejects(string text)
    {
        Assert.False(DurationParser.TryParse(text, out _));
        var error = Assert.Throws<SchedTraceException>(() => DurationParser.Parse(text, "--duration"));
        Assert.Equal(SchedTraceErrorKind.InvalidArgument, error.Kind);
        Assert.Contains("--duration", error.Message);
    }
}

public sealed class SamplingPlanTests
{
    [Fact]
    public void RejectsNonPositiveDurationsAndCounts()
    {
        Assert.Equal("InvalidDuration", Assert.Throws<SchedTraceException>(() => SamplingPlan.ForDuration(TimeSpan.Zero)).ErrorId);
        Assert.Equal("InvalidInterval", Assert.Throws<SchedTraceException>(() => SamplingPlan.ForIntervals(TimeSpan.FromSeconds(-1), 2)).ErrorId);
        Assert.Equal("InvalidCount", Assert.Throws<SchedTraceException>(() => SamplingPlan.ForIntervals(TimeSpan.FromSeconds(1), 0)).ErrorId);
    }

    [Fact]
    public void IntervalsYieldConsecutiveWindowsAndStopWhenCancelled()
    {
        int reads = 0;
        using var cancel = new CancellationTokenSource();
        var windows = new List<Window<int>>();
        foreach (var window in Sampler.Windows(SamplingPlan.ForIntervals(TimeSpan.FromMilliseconds(10), null), () => ++reads, 0, cancel.Token))
        {
            windows.Add(window);
            if (windows.Count == 3)
            {
                cancel.Cancel();
            }
        }
        Assert.Equal(new[] { (1, 1, 2), (2, 2, 3), (3, 3, 4) }, windows.Select(w => (w.Sample, w.Before, w.After)));
    }

    [Fact]
    public void DurationReportsProgressOnTheCallersThread()
    {
        int thread = Environment.CurrentManagedThreadId;
        var seen = new List<CollectionProgress>();
        var window = Sampler.Windows(SamplingPlan.ForDuration(TimeSpan.FromMilliseconds(600)), () => 0, 0, CancellationToken.None, p =>
        {
            Assert.Equal(thread, Environment.CurrentManagedThreadId);
            seen.Add(p);
        }).Single();
        Assert.Equal(0, window.Sample);
        Assert.True(seen.Count >= 3, $"progress every 250 ms, saw {seen.Count} reports");
        Assert.Equal(100, seen[^1].PercentComplete);
        Assert.Equal(TimeSpan.Zero, seen[^1].Remaining);
    }

    [Fact]
    public void UntilStopped_IsOneWindowThatEndsWhenCancelled()
    {
        int reads = 0;
        int thread = Environment.CurrentManagedThreadId;
        var seen = new List<CollectionProgress>();
        using var cancel = new CancellationTokenSource();
        int cancelled = 0;
        // Cancelled from another thread, as Ctrl+C is: nothing else ends this window.
        using var timer = new Timer(_ =>
        {
            Volatile.Write(ref cancelled, 1);
            cancel.Cancel();
        }, null, 700, Timeout.Infinite);
        var window = Sampler.Windows(SamplingPlan.UntilStopped, () => ++reads, 0, cancel.Token, p =>
        {
            Assert.Equal(thread, Environment.CurrentManagedThreadId);
            seen.Add(p);
        }).Single();
        Assert.Equal(1, Volatile.Read(ref cancelled));
        Assert.Equal((0, 1, 2), (window.Sample, window.Before, window.After));
        // Open-ended: elapsed time only, no percentage and no time left; every 250 ms (at 0 and
        // 250 ms at least, however late the waits return on a busy machine).
        Assert.True(seen.Count >= 2, $"progress every 250 ms, saw {seen.Count} reports");
        Assert.All(seen, p => Assert.True(p.Total is null && p.PercentComplete == -1 && p.Remaining is null));
        Assert.True(seen[^1].Elapsed > seen[0].Elapsed);
    }

    [Fact]
    public void UntilStopped_WithoutProgress_WaitsForTheTokenAlone()
    {
        using var cancel = new CancellationTokenSource();
        long cancelled = 0;
        // Stamped before the cancel, which wakes the waiter before any registered callback runs.
        using var timer = new Timer(_ =>
        {
            Volatile.Write(ref cancelled, Stopwatch.GetTimestamp());
            cancel.Cancel();
        }, null, 200, Timeout.Infinite);
        var window = Sampler.Windows(SamplingPlan.UntilStopped, () => Stopwatch.GetTimestamp(), 0L, cancel.Token).Single();
        // The window closes after the token was cancelled, and not long after.
        Assert.True(window.After >= Volatile.Read(ref cancelled), "the window ended before the token was cancelled");
        Assert.InRange(Stopwatch.GetElapsedTime(cancelled, window.After), TimeSpan.Zero, TimeSpan.FromSeconds(5));
        Assert.Equal(Timeout.InfiniteTimeSpan, SamplingPlan.UntilStopped.Duration);
    }
}

public sealed class ContextSwitchCountTests
{
    private static MeasureReading<BpfSwitchCounts[]> Snapshot(long timestamp, params (ulong Vol, ulong Invol, ulong Idle)[] perCpu) =>
        new(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks(timestamp), timestamp,
            perCpu.Select(c => new BpfSwitchCounts { Voluntary = c.Vol, Involuntary = c.Invol, FromIdle = c.Idle }).ToArray());

    [Fact]
    public void WindowIsTheDifferencePerCpu_AndTheTotalIsTheirSum()
    {
        var before = Snapshot(0, (10, 5, 1), (0, 0, 0));
        var after = Snapshot(Stopwatch.Frequency * 2, (30, 6, 4), (7, 3, 10));

        var perCpu = ContextSwitchCount.Between(4, before, after, total: false);
        var cpu0 = perCpu.Single(r => r.Cpu == 0);
        Assert.Equal((20L, 1L, 3L, 24L), (cpu0.Voluntary, cpu0.Involuntary, cpu0.FromIdle, cpu0.Switches));
        Assert.Equal(4, cpu0.Sample);
        Assert.Equal(TimeSpan.FromSeconds(2), cpu0.Duration);
        Assert.Equal(12.0, cpu0.SwitchesPerSecond, precision: 9);

        var total = Assert.Single(ContextSwitchCount.Between(4, before, after, total: true));
        Assert.Null(total.Cpu);
        Assert.Equal(44, total.Switches);
        Assert.Equal(before.Utc, total.WindowStart);
        Assert.Equal(after.Utc, total.WindowEnd);
    }
}

public sealed class PreflightTests
{
    private const ulong CapSysAdmin = 1UL << 21;
    private const ulong CapPerfmon = 1UL << 38;
    private const ulong CapBpf = 1UL << 39;

    [Theory]
    [InlineData(0u, 0ul)]
    [InlineData(1000u, CapBpf | CapPerfmon)]
    [InlineData(1000u, CapSysAdmin)]
    public void AllowsRootOrTheCapabilities(uint uid, ulong caps) => Preflight.CheckPrivileges(uid, caps);

    [Theory]
    [InlineData(1000u, 0ul)]
    [InlineData(1000u, CapBpf)]
    [InlineData(1000u, CapPerfmon)]
    public void DeniesOthersWithAdvice(uint uid, ulong caps)
    {
        var error = Assert.Throws<SchedTraceException>(() => Preflight.CheckPrivileges(uid, caps));
        Assert.Equal(SchedTraceErrorKind.PermissionDenied, error.Kind);
        Assert.Equal("BpfPermissionDenied", error.ErrorId);
        Assert.Contains("sudo", error.RecommendedAction);
    }

    [Fact]
    public void MissingBtfNamesTheFile()
    {
        var error = Assert.Throws<SchedTraceException>(() => Preflight.CheckBtf(false));
        Assert.Equal(SchedTraceErrorKind.NotSupported, error.Kind);
        Assert.Contains("/sys/kernel/btf/vmlinux", error.Message);
    }
}

public sealed class CpuTopologyTests
{
    [Theory]
    [InlineData("0", new[] { 0 })]
    [InlineData("0-3\n", new[] { 0, 1, 2, 3 })]
    [InlineData("0-1,4,6-7", new[] { 0, 1, 4, 6, 7 })]
    public void ParsesKernelCpuLists(string list, int[] cpus) => Assert.Equal(cpus, CpuTopology.ParseList(list).Order());
}

public sealed class KernelFeaturesTests
{
    [Fact]
    public void ReadsTheRunningKernelVersion() => Assert.True(KernelFeatures.KernelVersion() >= new Version(4, 0));
}

public sealed class SessionPlanTests
{
    [Fact]
    public void CpuTimeAttachesNothingToSchedSwitch_AndSaysItWalksTasks()
    {
        var cpuTime = SchedTraceSession.TracepointsFor(SchedTraceFeature.CpuTime).Split(", ");
        Assert.DoesNotContain("sched_switch", cpuTime);
        Assert.Equal(["sched_migrate_task", "sched_process_exit", "sched_process_free", "sched_process_exec", "iter/task"], cpuTime);
    }

    [Fact]
    public void OtherFeaturesStillHookSchedSwitch()
    {
        Assert.Equal("sched_switch", SchedTraceSession.TracepointsFor(SchedTraceFeature.ContextSwitches));
        var both = SchedTraceSession.TracepointsFor(SchedTraceFeature.ContextSwitches | SchedTraceFeature.CpuTime).Split(", ");
        Assert.Equal("sched_switch", both[0]);
        Assert.Contains("iter/task", both);
    }
}

using SchedTrace.Cli;
using SchedTrace.PowerShell;

namespace SchedTrace.Tests.Unit;

/// <summary>The one place that turns what was lost into warnings, for the module and the CLI.</summary>
public sealed class LossReportTests
{
    [Fact]
    public void NothingLost_IsNoWarning()
    {
        Assert.Empty(LossReport.None.Warnings());
        Assert.Empty(new LossReport { EventsLostPerCpu = [0, 0], TaskTableCapacity = 16_384 }.Warnings());
    }

    [Fact]
    public void EachKindOfLoss_IsOneWarning_WithItsCountsByCpu_AndTheOptionToChange()
    {
        var losses = new LossReport
        {
            DroppedTasks = 3,
            TaskTableCapacity = 16_384,
            LatencyDropped = 5,
            EventsLostPerCpu = [12, 0, 4],
            InversionsSuppressedPerCpu = [0, 7],
            InversionsLostPerCpu = [2],
        };

        Assert.Equal(
        [
            "3 thread(s) did not fit in the task table (16384 entries); their CPU time is missing.",
            "5 value(s) did not fit in the per-process latency table and are missing from the per-process figures (the machine-wide and -PerCpu figures have them).",
            "16 events were lost because the ring buffer was full (CPU 0: 12, CPU 2: 4). Use a larger -BufferSize or narrower filters.",
            "7 priority inversions were not reported because of the rate limit (CPU 1: 7). Raise -MaxAlertsPerSecond or -Threshold.",
            "2 priority-inversion alerts were lost because the ring buffer was full (CPU 0: 2).",
        ], losses.Warnings().Select(PowerShellSyntax.Format));
        Assert.Equal(
            "7 priority inversions were not reported because of the rate limit (CPU 1: 7). Raise --max-alerts or --threshold.",
            CliSyntax.Format(losses.Warnings()[3]));
        Assert.Contains("Use a larger --buffer-size", CliSyntax.Format(losses.Warnings()[2]), StringComparison.Ordinal);
    }

    [Fact]
    public void LatencyLostWhole_IsItsOwnWarning_AndCountsOnlyWhatCameSince()
    {
        var earlier = new LossReport { LatencyLost = 2 };
        var now = new LossReport { LatencyLost = 5 };

        var warning = Assert.Single(now.Since(earlier).Warnings());
        Assert.StartsWith("3 latency value(s) were lost: the kernel refused a thread's stamp", PowerShellSyntax.Format(warning), StringComparison.Ordinal);
        Assert.Empty(now.Since(now).Warnings());
    }

    [Fact]
    public void Since_LeavesWhatWasLostAfterAnEarlierReport()
    {
        var earlier = new LossReport { EventsLostPerCpu = [10, 1], LatencyDropped = 4, DroppedTasks = 2, TaskTableCapacity = 100 };
        var now = new LossReport { EventsLostPerCpu = [10, 3, 5], LatencyDropped = 4, DroppedTasks = 2, TaskTableCapacity = 100 };

        var since = now.Since(earlier);

        Assert.Equal([0L, 2, 5], since.EventsLostPerCpu);
        Assert.Equal(0, since.LatencyDropped);
        Assert.Equal(0, since.DroppedTasks);
        Assert.Equal(100, since.TaskTableCapacity);
        Assert.Equal("7 events were lost because the ring buffer was full (CPU 1: 2, CPU 2: 5). Use a larger BufferSize or narrower filters.", Assert.Single(since.Warnings()).ToString());
    }

    [Fact]
    public void AWatchReport_GivesItsOwnLosses()
    {
        var events = new EventWatchReport();
        events.Update([5, 5], [5, 9]);
        Assert.Equal([0L, 4], LossReport.Of(events).EventsLostPerCpu);
        Assert.Equal(events.DescribeLosses(), LossReport.DescribeByCpu(LossReport.Of(events).EventsLostPerCpu));
    }
}

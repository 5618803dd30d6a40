using System.Diagnostics;
using SchedTrace.Engine;

namespace SchedTrace.Tests.Unit;

public sealed class ProcessCpuTimeTests
{
    private static readonly DateTime Start = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static TaskCounters Thread(int tid, int pid, ulong runtimeNs, ulong voluntary = 0, ulong involuntary = 0, ulong migrations = 0, ulong cpus = 1, bool exited = false, string? name = null) =>
        new(tid, pid, name ?? $"t{tid}", runtimeNs, voluntary, involuntary, migrations, cpus, 120, exited);

    private static MeasureReading<IReadOnlyDictionary<TaskKey, TaskCounters>> Snapshot(double seconds, params TaskCounters[] threads) =>
        new(Start.AddSeconds(seconds), (long)(seconds * Stopwatch.Frequency), threads.ToDictionary(t => new TaskKey(t.ThreadId, 7), t => t));

    [Fact]
    public void ProcessRowsSumTheirThreads_BusiestFirst()
    {
        var before = Snapshot(0, Thread(10, 10, 100), Thread(11, 10, 0));
        var after = Snapshot(2, Thread(10, 10, 500_000_100, voluntary: 3, name: "main"), Thread(11, 10, 700_000_000, involuntary: 4, cpus: 2), Thread(20, 20, 2_000_000_000, cpus: 3));

        var rows = ProcessCpuTime.Between(0, before, after, new CpuTimeQuery());

        Assert.Equal(new[] { 20, 10 }, rows.Select(r => r.ProcessId));
        var process = rows[1];
        Assert.Equal(1_200_000_000, process.CpuTimeNs);
        Assert.Equal(TimeSpan.FromMilliseconds(1200), process.CpuTime);
        Assert.Equal(60.0, process.CpuPercent, precision: 6);
        Assert.Equal((3L, 4L, 7L), (process.Voluntary, process.Involuntary, process.Switches));
        Assert.Equal("main", process.Name);
        Assert.Equal(2, process.Threads);
        Assert.Equal("0-1", process.Cpus);
        Assert.Null(process.ThreadId);
        Assert.Equal(100.0, rows[0].CpuPercent, precision: 6);
    }

    [Fact]
    public void ThreadsThatDidNothingInTheWindowAreLeftOut()
    {
        var before = Snapshot(0, Thread(10, 10, 100, voluntary: 2));
        var after = Snapshot(1, Thread(10, 10, 100, voluntary: 2), Thread(11, 11, 5));
        var rows = ProcessCpuTime.Between(0, before, after, new CpuTimeQuery { PerThread = true });
        Assert.Equal(11, Assert.Single(rows).ThreadId);
    }

    [Fact]
    public void FiltersAndTopApplyToRows()
    {
        var after = Snapshot(1, Thread(1, 1, 30, name: "alpha"), Thread(2, 2, 20, name: "beta"), Thread(3, 3, 10, name: "alpine"));
        var empty = Snapshot(0);
        Assert.Equal(new[] { 1, 3 }, ProcessCpuTime.Between(0, empty, after, new CpuTimeQuery { NameFilter = n => n.StartsWith("al", StringComparison.Ordinal) }).Select(r => r.ProcessId));
        Assert.Equal(new[] { 2 }, ProcessCpuTime.Between(0, empty, after, new CpuTimeQuery { ProcessIds = new[] { 2 } }).Select(r => r.ProcessId));
        Assert.Equal(new[] { 1, 2 }, ProcessCpuTime.Between(0, empty, after, new CpuTimeQuery { Top = 2 }).Select(r => r.ProcessId));
    }

    [Fact]
    public void AProcessHasExitedWhenItsMainThreadHas()
    {
        var after = Snapshot(1, Thread(10, 10, 5, exited: true), Thread(11, 10, 5), Thread(21, 20, 5, exited: true));
        var rows = ProcessCpuTime.Between(0, Snapshot(0), after, new CpuTimeQuery()).ToDictionary(r => r.ProcessId);
        Assert.True(rows[10].Exited);
        Assert.True(rows[20].Exited, "main thread not seen: exited when every thread seen has");
    }

    [Theory]
    [InlineData(0UL, "")]
    [InlineData(1UL, "0")]
    [InlineData(0b1011UL, "0-1,3")]
    [InlineData(0b1110_0101UL, "0,2,5-7")]
    [InlineData(ulong.MaxValue, "0-63")]
    public void CpuListsReadLikeTheKernels(ulong mask, string list) => Assert.Equal(list, ProcessCpuTime.FormatCpuList(mask));

    [Theory]
    [InlineData(0UL, 0UL, 0UL, 1.0)]
    [InlineData(0UL, 0UL, 3UL, 0.0)]
    [InlineData(8UL, 2UL, 5UL, 0.5)]
    [InlineData(1UL, 0UL, 9UL, 0.0)]
    public void AffinityScoreIsTheShareOfSwitchesWithoutAMove(ulong voluntary, ulong involuntary, ulong migrations, double score)
    {
        var row = Assert.Single(ProcessCpuTime.Between(0, Snapshot(0), Snapshot(1, Thread(1, 1, 1, voluntary, involuntary, migrations)), new CpuTimeQuery()));
        Assert.Equal(score, row.AffinityScore, precision: 9);
    }

    [Fact]
    public void PartsOfOneThreadAddUp()
    {
        var first = Thread(5, 5, 100, voluntary: 1, cpus: 1, exited: true);
        var last = Thread(5, 5, 50, involuntary: 2, cpus: 2);
        var sum = first.Plus(last);
        Assert.Equal((150UL, 1UL, 2UL, 3UL, true), (sum.RuntimeNs, sum.Voluntary, sum.Involuntary, sum.CpuMask, sum.Exited));
    }
}

public sealed class RetiredTasksTests
{
    private static TaskCounters Thread(int tid, int pid, ulong runtimeNs) =>
        new(tid, pid, $"t{tid}", runtimeNs, 1, 0, 0, 1, 120, Exited: true);

    [Fact]
    public void KeepsEachExitedThread_AndAddsTheSecondPartOfOne()
    {
        var retired = new RetiredTasks(capacity: 10);
        retired.Add(new TaskKey(5, 1), Thread(5, 5, 100));
        var merged = retired.Add(new TaskKey(5, 1), Thread(5, 5, 20));
        Assert.Equal(120UL, merged.RuntimeNs);
        Assert.Equal(1, retired.Count);
    }

    [Fact]
    public void PastCapacity_FoldsTheOldestIntoOneEntryPerProcess_KeepingTotals()
    {
        var retired = new RetiredTasks(capacity: 3);
        for (int tid = 1; tid <= 6; tid++)
        {
            retired.Add(new TaskKey(tid, (ulong)tid), Thread(tid, tid % 2 == 0 ? 100 : 200, (ulong)tid * 10));
        }
        var all = retired.Copy();
        Assert.Equal(210UL, all.Values.Aggregate(0UL, (sum, t) => sum + t.RuntimeNs));
        var folded = all.Values.Where(t => t.ThreadId == 0).ToList();
        Assert.Equal(new[] { 100, 200 }, folded.Select(t => t.ProcessId).Order());
        Assert.All(folded, t => Assert.Equal(RetiredTasks.FoldedName, t.Name));
        Assert.Equal(new[] { 4, 5, 6 }, all.Values.Where(t => t.ThreadId != 0).Select(t => t.ThreadId).Order());
    }
}

using SchedTrace.PowerShell;

namespace SchedTrace.Tests.Surface;

/// <summary>
/// The decisions of the latency cmdlets that need no kernel: the query and session they build
/// from their parameters, what they refuse before attaching anything, and the type name that
/// picks the per-process or per-CPU view. (Their behaviour on a kernel: tests/pester/Measure-*.)
/// </summary>
public sealed class LatencyCmdletTests
{
    /// <summary>The core's refusal as a cmdlet asks for it: a new session filters the query's CPU in the kernel, a running one (here) does not.</summary>
    private static SchedTraceException? Refusal(LatencyQuery query, bool fromSession, int[]? kernelProcessIds) =>
        LatencyReport.Refusal(query, kernelProcessIds ?? [], fromSession ? null : query.Cpu);

    private static readonly Func<string, bool> AnyName = _ => true;

    public static TheoryData<string, LatencyReportKind, SchedTraceFeature> Cmdlets => new()
    {
        { "Measure-RunQueueLatency", LatencyReportKind.RunQueue, SchedTraceFeature.RunQueueLatency },
        { "Measure-OffCpuTime", LatencyReportKind.OffCpu, SchedTraceFeature.OffCpuTime },
        { "Measure-ScheduleTime", LatencyReportKind.ScheduleTime, SchedTraceFeature.ScheduleTime },
        { "Measure-OnCpuTime", LatencyReportKind.OnCpu, SchedTraceFeature.OnCpuTime },
    };

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void EachCmdlet_IsALatencyCmdlet_ThatReportsItsKind(string cmdlet, LatencyReportKind kind, SchedTraceFeature feature)
    {
        var type = CmdletMetadata.Get(cmdlet).Type;
        Assert.True(type.IsSubclassOf(typeof(LatencyCmdlet)), $"{cmdlet} does not derive from LatencyCmdlet");
        var instance = (LatencyCmdlet)Activator.CreateInstance(type)!;
        var reported = (LatencyReportKind)type.GetProperty("Kind", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(instance)!;
        Assert.Equal(kind, reported);
        // The session a command starts collects exactly the feature its report needs.
        Assert.Equal(feature, LatencyCmdlet.Query(kind, null, null, false, false, null).SessionOptions().Features);
    }

    [Fact]
    public void Query_CarriesEveryParameter()
    {
        var query = LatencyCmdlet.Query(LatencyReportKind.OffCpu, [7, 9], AnyName, perProcess: true, perCpu: false, cpu: 1);

        Assert.Equal(LatencyReportKind.OffCpu, query.Kind);
        Assert.Equal([7, 9], query.ProcessIds);
        Assert.Same(AnyName, query.NameFilter);
        Assert.True(query.PerProcess);
        Assert.False(query.PerCpu);
        Assert.Equal(1, query.Cpu);
        Assert.Empty(LatencyCmdlet.Query(LatencyReportKind.RunQueue, null, null, false, false, null).ProcessIds);
    }

    [Theory]
    [InlineData(new[] { 4242 })]
    [InlineData(new[] { 4242, 17 })]
    public void SessionOptions_FilterTheIdsAndTheCpuInTheKernel_WithoutPerProcessRows(int[] ids)
    {
        var options = LatencyCmdlet.Query(LatencyReportKind.OffCpu, ids, null, false, false, 1).SessionOptions();

        Assert.Equal(SchedTraceFeature.OffCpuTime, options.Features);
        Assert.Equal(ids, options.ProcessIds);
        Assert.Equal(1, options.Cpu);
        // The kernel filter already narrows the histograms to those processes: no per-process table to fill.
        Assert.False(options.LatencyPerProcess);
    }

    [Theory]
    [InlineData(new int[0], false, false, false)] // the whole machine
    [InlineData(new[] { 1 }, false, false, false)] // one id: the kernel filters
    [InlineData(new[] { 1, 2 }, false, false, false)] // several ids: the kernel filters them too
    [InlineData(new[] { 1 }, false, true, true)] // ids, but rows per process
    [InlineData(new int[0], true, false, true)] // -Name: matched in per-process rows
    [InlineData(new int[0], false, true, true)] // -PerProcess
    public void SessionOptions_KeepPerProcessRows_OnlyWhenTheRowsNeedThem(int[] ids, bool byName, bool perProcess, bool expected)
    {
        var options = LatencyCmdlet.Query(LatencyReportKind.RunQueue, ids, byName ? AnyName : null, perProcess, false, null).SessionOptions();

        Assert.Equal(expected, options.LatencyPerProcess);
        Assert.Equal(ids, options.ProcessIds);
        Assert.Null(options.Cpu);
    }

    [Theory]
    [InlineData(new[] { 5 }, new[] { 5 }, false)] // the session's own kernel filter
    [InlineData(new[] { 5, 6 }, new[] { 6, 5 }, false)] // the same set, in any order
    [InlineData(new[] { 5 }, new int[0], true)]
    [InlineData(new[] { 5 }, new[] { 6 }, true)]
    [InlineData(new[] { 5, 6 }, new[] { 5 }, true)]
    [InlineData(new[] { 5 }, new[] { 5, 6 }, true)] // the session's figures include process 6
    [InlineData(new int[0], new[] { 5 }, false)]
    [InlineData(new int[0], new int[0], false)]
    public void NeedsProcessRows_IsTheCoreRule(int[] ids, int[] sessionProcessIds, bool expected)
    {
        // Per-process histograms are needed for -Id unless the ids are exactly the session's
        // kernel filter, which makes its global figures theirs.
        Assert.Equal(expected, LatencyCmdlet.Query(LatencyReportKind.RunQueue, ids, null, false, false, null).NeedsProcessRows(sessionProcessIds));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PerProcessWithPerCpu_IsRefusedBeforeASessionStarts(bool fromSession)
    {
        var refusal = Refusal(LatencyCmdlet.Query(LatencyReportKind.RunQueue, null, null, perProcess: true, perCpu: true, null), fromSession, null);

        Assert.NotNull(refusal);
        // The same id as the core's own check (LatencyReport), so scripts see one id either way.
        Assert.Equal("PerProcessAndPerCpu", refusal.ErrorId);
        Assert.Equal(SchedTraceErrorKind.InvalidArgument, refusal.Kind);
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, SchedTraceCmdlet.CategoryFor(refusal.Kind));
        Assert.False(string.IsNullOrEmpty(refusal.RecommendedAction));
    }

    [Fact]
    public void PerCpuWithAProcessFilterTheKernelDidNotApply_IsRefused()
    {
        // Such rows would come from per-process histograms, which have no CPU.
        var byName = LatencyCmdlet.Query(LatencyReportKind.OffCpu, null, AnyName, false, perCpu: true, null);
        var twoIds = LatencyCmdlet.Query(LatencyReportKind.OffCpu, [1, 2], null, false, perCpu: true, null);
        var oneId = LatencyCmdlet.Query(LatencyReportKind.OffCpu, [1], null, false, perCpu: true, null);

        Assert.Equal("PerCpuWithProcessFilter", Refusal(byName, false, null)?.ErrorId);
        // Ids on a new session are the kernel filter: per-CPU rows of those processes.
        Assert.Null(Refusal(oneId, false, oneId.SessionOptions().ProcessIds.ToArray()));
        Assert.Null(Refusal(twoIds, false, twoIds.SessionOptions().ProcessIds.ToArray()));
        // On a running session, only if it was started for exactly those processes.
        Assert.Equal("PerCpuWithProcessFilter", Refusal(oneId, true, null)?.ErrorId);
        Assert.Equal("PerCpuWithProcessFilter", Refusal(twoIds, true, [1])?.ErrorId);
        Assert.Null(Refusal(oneId, true, [1]));
        Assert.Null(Refusal(twoIds, true, [2, 1]));
    }

    [Fact]
    public void CpuOnARunningSessionsPerProcessRows_IsRefused_ButNotOnANewSession()
    {
        var perProcessOnCpu = LatencyCmdlet.Query(LatencyReportKind.ScheduleTime, null, null, perProcess: true, false, cpu: 0);

        Assert.Equal("CpuWithProcessRows", Refusal(perProcessOnCpu, fromSession: true, null)?.ErrorId);
        // A new session filters the CPU in the kernel, per-process rows included.
        Assert.Null(Refusal(perProcessOnCpu, fromSession: false, null));
        // Machine-wide and per-CPU rows of a session can be narrowed to one CPU.
        Assert.Null(Refusal(LatencyCmdlet.Query(LatencyReportKind.ScheduleTime, null, null, false, true, 0), true, null));
        Assert.Null(Refusal(LatencyCmdlet.Query(LatencyReportKind.ScheduleTime, null, null, false, false, 0), true, null));
    }

    [Fact]
    public void EveryErrorIdTheCmdletsRaise_IsInTheirHelp()
    {
        // Scripts branch on FullyQualifiedErrorId: each id must be findable in Get-Help.
        string[] ids = ["PerProcessAndPerCpu", "PerCpuWithProcessFilter", "CpuWithProcessRows", "SessionNotPerProcess", "FeatureNotEnabled", "InvalidCpu", "ProcessIdNotFound", "ProcessNameNotFound"];
        foreach (var cmdlet in new[] { "Measure-RunQueueLatency", "Measure-OffCpuTime", "Measure-ScheduleTime", "Measure-OnCpuTime" })
        {
            var help = File.ReadAllText(Path.Combine(Support.RepoPaths.RepoRoot, "docs", "help", cmdlet + ".md"));
            Assert.All(ids, id => Assert.Contains(id, help, StringComparison.Ordinal));
        }
    }
}

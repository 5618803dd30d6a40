using SchedTrace.Engine;
using SchedTrace.Interop;
using SchedTrace.Tests.Support;

namespace SchedTrace.Tests.Kernel;

/// <summary>
/// The tp_btf -> raw_tp fallback on the real kernel. tp_btf works here, so its failure is
/// provoked by naming a program the object does not have; everything after that is the real path.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class HookFallbackTests
{
    private static readonly BpfConfig Config = new() { PrevStateArg = KernelFeatures.SchedSwitchHasPrevState ? 1u : 0u, CountSwitches = 1 };

    private static BpfLoadPlan Plan(string btfProgram, string rawProgram) =>
        new(new[] { new BpfHook("sched_switch", btfProgram, rawProgram) }, Config, new TaskTableSize(16, AllocateOnUse: false));

    [KernelFact]
    public void FailedBtfHook_FallsBackToRawTracepoint_AndSaysWhy()
    {
        var notices = new List<string>();
        using var log = LibBpfLog.Begin(null);
        using var attached = SchedBpfObject.Attach(
            Plan("no_such_btf_program", "switch_raw"), HookKind.BtfTracepoint, log, notices.Add);

        Assert.Equal(HookKind.RawTracepoint, attached.HookKind);
        var notice = Assert.Single(notices);
        Assert.Contains("tp_btf/sched_switch", notice);
        Assert.Contains("no_such_btf_program", notice);
        Assert.Contains("fell back to raw_tp", notice);
        Assert.NotEmpty(attached.ReadPerCpu<BpfSwitchCounts>("switch_counts"));
    }

    [KernelFact]
    public void NoHookAttaching_IsAnAttachFailedErrorNamingEachAttempt()
    {
        using var log = LibBpfLog.Begin(null);
        var error = Assert.Throws<SchedTraceException>(() => SchedBpfObject.Attach(
            Plan("no_such_btf_program", "no_such_raw_program"), HookKind.BtfTracepoint, log, _ => { }));

        Assert.Equal(SchedTraceErrorKind.AttachFailed, error.Kind);
        Assert.Equal("HookAttachFailed", error.ErrorId);
        Assert.Contains("tp_btf/sched_switch", error.Message);
        Assert.Contains("raw_tp/sched_switch", error.Message);
        Assert.Contains("--verbose", error.RecommendedAction);
    }
}

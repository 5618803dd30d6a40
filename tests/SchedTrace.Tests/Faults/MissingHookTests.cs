using SchedTrace.Engine;
using SchedTrace.Interop;
using SchedTrace.Tests.Kernel;
using SchedTrace.Tests.Support;
using Xunit.Abstractions;

namespace SchedTrace.Tests.Faults;

/// <summary>
/// A kernel without a hook a session needs, on the real kernel: the plan asks for a tracepoint
/// no kernel has (a hook whose name differs from its program's section), which tp_btf refuses
/// at load and raw_tp at attach, after the object is loaded and the hooks before it attached.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class MissingHookTests(ITestOutputHelper output)
{
    private const string Missing = "sched_schedtrace_test_missing";

    private static readonly BpfHook MissingHook = new(Missing, "wakeup_btf", "wakeup_raw", Requires: "Linux 99.0 or later (a test's hook)");

    [KernelFact]
    public void MissingTracepoint_IsNotSupported_NamesTheHookAndTheKernelItNeeds_AndLeavesNothingLoaded()
    {
        // sched_switch attaches first, so raw_tp fails with a loaded object and a live link.
        var plan = TestRequests.CountingSwitches(BpfHook.SchedSwitch, BpfHook.Wakeup, MissingHook);
        int fdsBefore = ProcFs.BpfFileDescriptors();
        var heldBefore = BpfObjectId.HeldByThisProcess();
        var notices = new List<string>();
        using var log = LibBpfLog.Begin(null);

        var error = Assert.Throws<SchedTraceException>(() => SchedBpfObject.Attach(plan, HookKind.BtfTracepoint, log, notices.Add));
        output.WriteLine($"{error.ErrorId}: {error.Message}\n{error.RecommendedAction}");

        Assert.Equal(SchedTraceErrorKind.NotSupported, error.Kind);
        Assert.Equal("KernelHookMissing", error.ErrorId);
        Assert.StartsWith($"This kernel has no {Missing} (it is not in /sys/kernel/btf/vmlinux)", error.Message);
        // Only the missing hook is named as missing; the attempts say where each kind stopped.
        Assert.DoesNotContain("no sched_switch", error.Message);
        Assert.Contains($"tp_btf/{Missing} did not load", error.Message);
        Assert.Contains($"raw_tp/{Missing} did not attach", error.Message);
        Assert.Equal("It needs Linux 99.0 or later (a test's hook). Use such a kernel, or leave out the feature that needs it.", error.RecommendedAction);
        Assert.Empty(notices);
        // Every fd of both attempts is closed: no program, map or link of theirs is held.
        Assert.Equal(fdsBefore, ProcFs.BpfFileDescriptors());
        Assert.Equal(heldBefore, BpfObjectId.HeldByThisProcess());
    }

    [KernelFact]
    public void ScheduleTracepoints_NameTheReleaseThatAddedThem()
    {
        // What a kernel before 6.16 is told about timing schedule() with sched_entry_tp.
        var requirement = BpfHook.SchedEntry.Requirement;
        Assert.Contains("Linux 6.16", requirement);
        Assert.Equal(requirement, BpfHook.SchedExit.Requirement);
        // This kernel has every hook SchedTrace ships but the test's.
        Assert.Equal(new[] { MissingHook }, KernelFeatures.MissingHooks(new[] { BpfHook.SchedSwitch, BpfHook.SchedEntry, BpfHook.ScheduleEnter, BpfHook.SysEnter, MissingHook }));
    }
}

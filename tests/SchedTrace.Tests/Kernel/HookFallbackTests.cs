using SchedTrace.Cli;
using SchedTrace.Engine;
using SchedTrace.Interop;
using SchedTrace.Measures;
using SchedTrace.PowerShell;
using SchedTrace.Tests.Support;

namespace SchedTrace.Tests.Kernel;

/// <summary>
/// The tp_btf -> raw_tp fallback on the real kernel. tp_btf works here, so its failure is
/// provoked by naming a program the object does not have; everything after that is the real path.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class HookFallbackTests
{
    private static Func<HookKind, BpfRequest> Plan(string btfProgram, string rawProgram) =>
        TestRequests.CountingSwitches(new BpfHook("sched_switch", btfProgram, rawProgram));

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
        Assert.Equal(notice, attached.Fallback);
        Assert.NotEmpty(attached.ReadPerCpu<BpfSwitchCounts>(ContextSwitchesMeasure.CountsMap));
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
        Assert.Contains("run with --debug to see", CliSyntax.Format(error.RecommendedActionText));
        Assert.Contains("run with -Debug to see", PowerShellSyntax.Format(error.RecommendedActionText));
    }

    [KernelFact]
    public void LibbpfDebugLines_ReachTheLog_OnlyWhenAskedFor()
    {
        // A load prints about a thousand debug lines; they are not even formatted unless asked for.
        var byDefault = new List<SchedTraceLogLevel>();
        var withDebug = new List<SchedTraceLogLevel>();
        using (SchedTraceSession.Start(new SchedTraceSessionOptions { Log = (level, _) => byDefault.Add(level) }))
        {
        }
        using (SchedTraceSession.Start(new SchedTraceSessionOptions { Log = (level, _) => withDebug.Add(level), LogLevel = SchedTraceLogLevel.Debug }))
        {
        }

        Assert.DoesNotContain(SchedTraceLogLevel.Debug, byDefault);
        Assert.True(withDebug.Count(l => l == SchedTraceLogLevel.Debug) > 100, $"libbpf logs each relocation at debug level; saw {withDebug.Count} lines");
    }

    [KernelFact]
    public void Describe_NamesTheHooks_TheKernelFilters_AndTheTables()
    {
        using var session = SchedTraceSession.Start(new SchedTraceSessionOptions
        {
            Features = SchedTraceFeature.Events | SchedTraceFeature.CpuTime,
            ProcessIds = [Environment.ProcessId, 1],
            Cpu = 0,
            PreferredHook = SchedTraceHook.RawTracepoint,
        });

        var lines = session.DescribeSetup();
        Assert.Equal("Started a session for this command only (CpuTime, Events).", lines[0]);
        Assert.StartsWith("Attached raw_tp/sched_switch, ", lines[1]);
        Assert.Contains("BPF_PROG_TEST_RUN", lines[1]);
        Assert.Equal($"Kernel filters: processes 1, {Environment.ProcessId} (a hash set of 2); CPU 0.", lines[2]);
        Assert.StartsWith(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Tables: task table {session.TaskTableCapacity:N0} entries"), lines[3]);
        Assert.EndsWith("; event ring buffer 4 MiB.", lines[3]);
        Assert.Equal(4, lines.Count);
    }
}

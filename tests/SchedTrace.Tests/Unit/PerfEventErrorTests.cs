using SchedTrace.Engine;
using SchedTrace.Interop;
using SchedTrace.PowerShell;

namespace SchedTrace.Tests.Unit;

/// <summary>
/// What a refused perf_event_open becomes: an error that says which limit refused it and what to
/// do, with a stable id and the PowerShell category a script can branch on. As root on this
/// machine the kernel never refuses, so the errno values are given here.
/// </summary>
public sealed class PerfEventErrorTests
{
    private static readonly PerfSampling CpuClock = PerfSampling.CpuClock(99);

    [Theory]
    [InlineData(Libc.EACCES, "PerfEventPermissionDenied", System.Management.Automation.ErrorCategory.PermissionDenied)]
    [InlineData(Libc.EPERM, "PerfEventPermissionDenied", System.Management.Automation.ErrorCategory.PermissionDenied)]
    [InlineData(Libc.ENOENT, "PerfEventsUnavailable", System.Management.Automation.ErrorCategory.NotEnabled)]
    [InlineData(Libc.ENOSYS, "PerfEventsUnavailable", System.Management.Automation.ErrorCategory.NotEnabled)]
    [InlineData(Libc.ENODEV, "PerfEventsUnavailable", System.Management.Automation.ErrorCategory.NotEnabled)]
    [InlineData(22 /* EINVAL */, "PerfEventOpenFailed", System.Management.Automation.ErrorCategory.ResourceUnavailable)]
    public void Refused_NamesTheCauseAndTheRemedy(int errno, string errorId, System.Management.Automation.ErrorCategory category)
    {
        var error = PerfEvents.Refused(CpuClock, 1, errno);

        Assert.Equal(errorId, error.ErrorId);
        Assert.Equal(errno, error.Errno);
        Assert.Equal(category, SchedTraceCmdlet.CategoryFor(error.Kind));
        Assert.Contains("cpu-clock perf event on CPU 1", error.Message);
        Assert.NotEmpty(error.RecommendedAction);
    }

    [Fact]
    public void PermissionDenied_SaysWhatToChange()
    {
        var error = PerfEvents.Refused(CpuClock, 0, Libc.EACCES);

        Assert.Contains("CAP_PERFMON", error.Message);
        Assert.Contains("perf_event_paranoid", error.Message);
        Assert.Contains("sysctl kernel.perf_event_paranoid=0", error.RecommendedAction);
        Assert.Contains("cap_perfmon", error.RecommendedAction);
    }

    [Fact]
    public void OutOfFileDescriptors_IsTheLimitError()
    {
        Assert.Equal("TooManyOpenFiles", PerfEvents.Refused(CpuClock, 0, Libc.EMFILE).ErrorId);
    }

    [Fact]
    public void SamplingHook_IsOneProgramForEitherHookKind_AndNoTracepoint()
    {
        var hook = BpfHook.Sample("runqlen_sample", CpuClock);

        Assert.Equal("runqlen_sample", hook.ProgramFor(HookKind.BtfTracepoint));
        Assert.Equal("runqlen_sample", hook.ProgramFor(HookKind.RawTracepoint));
        Assert.Equal("perf_event cpu-clock at 99 Hz on every CPU", hook.Describe(HookKind.RawTracepoint));
        Assert.Empty(KernelFeatures.MissingHooks([hook]));
        var attr = CpuClock.Attr();
        Assert.Equal(PerfEvent.PERF_TYPE_SOFTWARE, attr.Type);
        Assert.Equal(PerfEvent.PERF_COUNT_SW_CPU_CLOCK, attr.Config);
        Assert.Equal(99UL, attr.SamplePeriodOrFreq);
        Assert.Equal(PerfEvent.FlagFreq | PerfEvent.FlagDisabled, attr.Flags);
    }
}

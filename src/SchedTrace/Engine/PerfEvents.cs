using SchedTrace.Interop;

namespace SchedTrace.Engine;

/// <summary>
/// A perf event that runs a sampling hook's program on every online CPU at a fixed rate.
/// <see cref="EventName"/> is the name perf(1) gives it.
/// </summary>
internal sealed record PerfSampling(string EventName, uint Type, ulong Config, uint Hertz)
{
    /// <summary>
    /// The software cpu-clock: an hrtimer per CPU, which fires whatever the CPU runs, the idle task
    /// included. The kernel turns a frequency into a fixed period (1 s / Hertz) for it.
    /// </summary>
    internal static PerfSampling CpuClock(uint hertz) => new("cpu-clock", PerfEvent.PERF_TYPE_SOFTWARE, PerfEvent.PERF_COUNT_SW_CPU_CLOCK, hertz);

    internal PerfEvent.Attr Attr() => new()
    {
        Type = Type,
        Config = Config,
        SamplePeriodOrFreq = Hertz,
        Flags = PerfEvent.FlagFreq | PerfEvent.FlagDisabled,
    };
}

/// <summary>Why the kernel would not open a perf event, in terms of what to do about it.</summary>
internal static class PerfEvents
{
    internal const string Requirement = "a kernel built with CONFIG_PERF_EVENTS, and perf_event_open(2) allowed (a container's seccomp profile may block it)";

    private const string ParanoidPath = "/proc/sys/kernel/perf_event_paranoid";

    /// <summary>The failure of perf_event_open for <paramref name="sampling"/> on <paramref name="cpu"/>.</summary>
    internal static SchedTraceException Refused(PerfSampling sampling, int cpu, int errno)
    {
        var what = $"a {sampling.EventName} perf event on CPU {cpu}";
        if (errno is Libc.EMFILE or Libc.ENFILE && ResourceLimits.Explain([errno], CpuTopology.Online().Count * 2) is { } limit)
        {
            return limit;
        }
        if (errno is Libc.EPERM or Libc.EACCES)
        {
            return new SchedTraceException(
                SchedTraceErrorKind.PermissionDenied,
                "PerfEventPermissionDenied",
                $"The kernel refused {what} ({Libc.ErrnoMessage(errno)}): an event for every task on a CPU needs CAP_PERFMON (or CAP_SYS_ADMIN), or kernel.perf_event_paranoid at most 0 (it is {Paranoid()}), and a seccomp profile can forbid perf_event_open altogether.",
                "Run as root (sudo pwsh, or sudo schedtrace), grant the capabilities (sudo setcap cap_bpf,cap_perfmon+ep <path to pwsh or schedtrace>), or allow CPU-wide events: sudo sysctl kernel.perf_event_paranoid=0. In a container, allow perf_event_open in its seccomp profile.")
            { Errno = errno };
        }
        if (errno is Libc.ENOENT or Libc.ENODEV or Libc.ENOSYS or Libc.EOPNOTSUPP)
        {
            return new SchedTraceException(
                SchedTraceErrorKind.NotSupported,
                "PerfEventsUnavailable",
                $"This kernel cannot open {what} ({Libc.ErrnoMessage(errno)}).",
                $"It needs {Requirement}. Use such a kernel, or leave out the feature that needs it.")
            { Errno = errno };
        }
        return new SchedTraceException(
            SchedTraceErrorKind.AttachFailed,
            "PerfEventOpenFailed",
            $"The kernel refused {what}: {Libc.ErrnoMessage(errno)}.",
            $"Run with {SchedTraceOption.Named("Debug")} to see libbpf's log, and report it with that output.")
        { Errno = errno };
    }

    /// <summary>kernel.perf_event_paranoid, as text ("unknown" when unreadable).</summary>
    private static string Paranoid()
    {
        try
        {
            return File.ReadAllText(ParanoidPath).Trim();
        }
        catch (IOException)
        {
            return "unknown";
        }
        catch (UnauthorizedAccessException)
        {
            return "unknown";
        }
    }
}

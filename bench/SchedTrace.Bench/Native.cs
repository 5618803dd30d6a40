using System.Runtime.InteropServices;

namespace SchedTrace.Bench;

/// <summary>
/// The few native calls the harness needs that the engine does not make. Everything else
/// (bpf_obj_get_info_by_fd) goes through the engine's own interop.
/// </summary>
internal static partial class Native
{
    internal const int SigInt = 2;
    internal const int SigKill = 9;
    internal const int SIGCONT = 18;
    internal const int SIGSTOP = 19;

    /// <summary>Opens a new fd on a program by its id: how we read another process's program (bpftrace's).</summary>
    [LibraryImport("libbpf.so.1")]
    internal static partial int bpf_prog_get_fd_by_id(uint id);

    [LibraryImport("libbpf.so.1")]
    internal static partial nint libbpf_version_string();

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int close(int fd);

    internal const int ClockThreadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID

    internal struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    /// <summary>The calling thread's CPU time (user + system), from its sum_exec_runtime: ns-precise.</summary>
    [LibraryImport("libc", SetLastError = true)]
    internal static partial int clock_gettime(int clock, out Timespec time);

    /// <summary>pid 0: the calling thread only.</summary>
    [LibraryImport("libc", SetLastError = true)]
    internal static partial int sched_setaffinity(int pid, nuint size, ref ulong mask);

    internal static TimeSpan ThreadCpuTime() =>
        clock_gettime(ClockThreadCpuTime, out var t) == 0
            ? TimeSpan.FromTicks(t.Seconds * TimeSpan.TicksPerSecond + t.Nanoseconds / 100)
            : throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed.");

    /// <summary>Pins the calling thread to one CPU.</summary>
    internal static void PinThisThread(int cpu)
    {
        ulong mask = 1UL << cpu;
        if (sched_setaffinity(0, sizeof(ulong), ref mask) != 0)
        {
            throw new InvalidOperationException($"sched_setaffinity(CPU {cpu}) failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
    }

    /// <summary>Process.Kill only sends SIGKILL; bpftrace needs SIGINT to detach and exit cleanly.</summary>
    [LibraryImport("libc", SetLastError = true)]
    internal static partial int kill(int pid, int signal);
}

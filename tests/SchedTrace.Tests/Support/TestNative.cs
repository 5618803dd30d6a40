using System.Runtime.InteropServices;

namespace SchedTrace.Tests.Support;

/// <summary>The libc calls the tests use to build workloads: thread ids and CPU pinning.</summary>
public static partial class TestNative
{
    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_setaffinity(int pid, nuint cpusetSize, ref ulong mask);

    [LibraryImport("libc")]
    private static partial int gettid();

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_setscheduler(int pid, int policy, ref int priority);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setpriority(int which, int who, int priority);

    /// <summary>Sets the calling thread's nice value (Linux keeps one per thread; PRIO_PROCESS with its tid).</summary>
    public static void NiceCurrentThread(int nice)
    {
        if (setpriority(0 /* PRIO_PROCESS */, gettid(), nice) != 0)
        {
            throw new InvalidOperationException($"setpriority({nice}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Sends SIGINT, as a terminal's Ctrl+C does; true if it was delivered.</summary>
    public static bool Interrupt(int pid) => kill(pid, 2 /* SIGINT */) == 0;

    /// <summary>Sends <paramref name="signal"/> (a Linux signal number); true if it was delivered.</summary>
    public static bool Signal(int pid, int signal) => kill(pid, signal) == 0;

    private const int SchedFifo = 1;

    /// <summary>Makes the calling thread SCHED_FIFO at <paramref name="priority"/>: no normal task can preempt it.</summary>
    public static void MakeCurrentThreadFifo(int priority)
    {
        if (sched_setscheduler(0, SchedFifo, ref priority) != 0)
        {
            throw new InvalidOperationException($"sched_setscheduler(SCHED_FIFO, {priority}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public static int CurrentThreadId() => gettid();

    /// <summary>Pins the calling thread to one CPU.</summary>
    public static void PinCurrentThread(int cpu)
    {
        ulong mask = 1UL << cpu;
        if (sched_setaffinity(0, sizeof(ulong), ref mask) != 0)
        {
            throw new InvalidOperationException($"sched_setaffinity({cpu}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Lets the calling thread run on every CPU again.</summary>
    public static void UnpinCurrentThread()
    {
        ulong mask = ulong.MaxValue;
        sched_setaffinity(0, sizeof(ulong), ref mask);
    }
}

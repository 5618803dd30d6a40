using System.Runtime.InteropServices;

namespace SchedTrace.Interop;

/// <summary>
/// perf_event_open(2), which glibc does not wrap: called through syscall(2). Only what a
/// sampling event that runs a BPF program needs (uapi linux/perf_event.h).
/// </summary>
internal static partial class PerfEvent
{
    internal const uint PERF_TYPE_SOFTWARE = 1;
    internal const ulong PERF_COUNT_SW_CPU_CLOCK = 0;

    /// <summary>attr.flags bits: created disabled (libbpf enables it once the program is attached), sample_freq is a frequency.</summary>
    internal const ulong FlagDisabled = 1UL << 0;
    internal const ulong FlagFreq = 1UL << 10;

    private const ulong PERF_FLAG_FD_CLOEXEC = 1UL << 3;

    /// <summary>
    /// struct perf_event_attr up to config2 (PERF_ATTR_SIZE_VER1, 72 bytes): the kernel takes a
    /// shorter struct and reads the fields it lacks as zero.
    /// </summary>
    internal struct Attr
    {
        public uint Type;
        public uint Size;
        public ulong Config;
        public ulong SamplePeriodOrFreq;
        public ulong SampleType;
        public ulong ReadFormat;
        public ulong Flags;
        public uint WakeupEvents;
        public uint BpType;
        public ulong Config1;
        public ulong Config2;
    }

    private static long SyscallNumber => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 298,
        Architecture.Arm64 => 241,
        var other => throw new PlatformNotSupportedException($"perf_event_open has no known syscall number on {other}."),
    };

    // syscall(2) is variadic; its arguments here are all integers or pointers, which the System V
    // and AAPCS64 ABIs pass in the same registers as a fixed-argument call would.
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, ref Attr attr, int pid, int cpu, int groupFd, ulong flags);

    /// <summary>A new event on <paramref name="cpu"/> for every task there (pid -1); its fd, or -1 with errno set.</summary>
    internal static int Open(ref Attr attr, int cpu)
    {
        attr.Size = (uint)Marshal.SizeOf<Attr>();
        return (int)Syscall(SyscallNumber, ref attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
    }
}

using SchedTrace.Interop;

namespace SchedTrace.Engine;

/// <summary>
/// Tells a load that a limit stopped from one that the kernel refused, and names the limit and
/// how to raise it. libbpf reports neither plainly: out of file descriptors, a feature probe it
/// runs during load fails and the load ends in EINVAL as often as in EMFILE, and a map over
/// RLIMIT_MEMLOCK fails with EPERM, which reads as a privilege problem.
/// </summary>
internal static class ResourceLimits
{
    /// <summary>
    /// The limit error for a load or attach that failed with <paramref name="errnos"/>, or null
    /// when no limit explains it. <paramref name="fdsNeeded"/>: about how many fds the object
    /// holds when loaded (maps, programs, links, libbpf's BTF), compared with what is left; null
    /// before the object is open, when that is not known yet.
    /// </summary>
    internal static SchedTraceException? Explain(IReadOnlyCollection<int> errnos, int? fdsNeeded)
    {
        if (errnos.Contains(Libc.ENFILE))
        {
            return new SchedTraceException(
                SchedTraceErrorKind.LimitReached,
                "SystemFileTableFull",
                "The machine's table of open files is full (ENFILE), so the kernel could not give SchedTrace's BPF maps and programs their file descriptors.",
                "Close programs that hold many files, or raise the machine's limit: sysctl fs.file-max.")
            { Errno = Libc.ENFILE };
        }
        var (open, limit) = FileDescriptors();
        int needed = fdsNeeded ?? 0;
        if (errnos.Contains(Libc.EMFILE) || (limit != Libc.RLIM_INFINITY && (ulong)(open + needed) > limit))
        {
            var need = fdsNeeded is null ? "more than are left" : $"about {fdsNeeded} more";
            return new SchedTraceException(
                SchedTraceErrorKind.LimitReached,
                "TooManyOpenFiles",
                $"This process has {open} files open and may open {limit} (RLIMIT_NOFILE); a session needs {need} for its BPF maps, programs and links.",
                $"Stop sessions you no longer need ({SchedTraceOption.StopSessions}), or raise the limit before starting pwsh or schedtrace: ulimit -n {SuggestedLimit(open + needed)} (LimitNOFILE= in a systemd unit).")
            { Errno = Libc.EMFILE };
        }
        if (errnos.Contains(Libc.EPERM) && !KernelFeatures.ChargesBpfMemoryToCgroup)
        {
            return MemlockTooLow(KernelFeatures.KernelVersion(), Limit(Libc.RLIMIT_MEMLOCK).Current);
        }
        return null;
    }

    /// <summary>
    /// Kernels before 5.11 charge BPF maps and programs to RLIMIT_MEMLOCK, and refuse one over it
    /// with EPERM. libbpf 1.x raises the limit to infinity itself before its first map on such a
    /// kernel (it probes for memcg accounting, which 5.11 brought, and leaves the limit alone
    /// where it finds it), but that setrlimit needs CAP_SYS_RESOURCE when the hard limit is lower.
    /// </summary>
    internal static SchedTraceException MemlockTooLow(Version kernel, ulong memlockBytes) => new(
        SchedTraceErrorKind.LimitReached,
        "MemlockLimitTooLow",
        $"The kernel refused SchedTrace's BPF maps (EPERM): Linux {kernel} charges them to the locked-memory limit (RLIMIT_MEMLOCK), which is {Describe(memlockBytes)} for this process, and libbpf could not raise it.",
        "Raise the locked-memory limit before starting pwsh or schedtrace: ulimit -l unlimited as root, a memlock line in /etc/security/limits.conf, or LimitMEMLOCK=infinity in a systemd unit. Linux 5.11 and later charge BPF memory to the memory cgroup instead.")
    { Errno = Libc.EPERM };

    /// <summary>The limit error for a kernel call after load (a ring buffer, an iterator walk) that
    /// failed for lack of file descriptors, or null.</summary>
    internal static SchedTraceException? Explain(SchedTraceException failure) =>
        failure.Errno is Libc.EMFILE or Libc.ENFILE ? Explain(new[] { failure.Errno.Value }, fdsNeeded: 1) : null;

    /// <summary>Open file descriptors of this process, and its soft RLIMIT_NOFILE.</summary>
    internal static (int Open, ulong Limit) FileDescriptors() =>
        (Directory.EnumerateFileSystemEntries("/proc/self/fd").Count(), Limit(Libc.RLIMIT_NOFILE).Current);

    internal static Libc.RLimit Limit(int resource) =>
        Libc.getrlimit(resource, out var limit) == 0 ? limit : new Libc.RLimit { Current = Libc.RLIM_INFINITY, Maximum = Libc.RLIM_INFINITY };

    /// <summary>A round figure with room for a few more sessions.</summary>
    private static long SuggestedLimit(long needed) => Math.Max(1024, (long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)needed * 2));

    private static string Describe(ulong bytes) => bytes == Libc.RLIM_INFINITY ? "unlimited" : bytes >= 1024 ? $"{bytes / 1024} KiB" : $"{bytes} bytes";
}

namespace SchedTrace.Bench;

/// <summary>kernel.bpf_stats_enabled: on for the run, back to its old value afterwards.</summary>
internal static class BpfStats
{
    private const string Path = "/proc/sys/kernel/bpf_stats_enabled";

    /// <summary>Turns run_time_ns/run_cnt accounting on; disposing restores the value found.</summary>
    internal static IDisposable Enable()
    {
        string old = File.ReadAllText(Path).Trim();
        var restore = Cleanup.Register($"restore kernel.bpf_stats_enabled={old}", () => File.WriteAllText(Path, old));
        File.WriteAllText(Path, "1");
        return restore;
    }
}

/// <summary>
/// bpftrace's classic tracepoints read their formats from tracefs, which this machine does not
/// mount by default. We mount it only if no tracefs is mounted, and unmount only what we mounted.
/// </summary>
internal static class Tracefs
{
    private const string MountPoint = "/sys/kernel/tracing";

    internal static bool IsMounted() =>
        File.ReadLines("/proc/self/mounts").Any(line => line.Split(' ') is [_, _, "tracefs", ..]);

    /// <summary>Mounts tracefs when needed; returns what undoes it (nothing if it was already there).</summary>
    internal static IDisposable? EnsureMounted()
    {
        if (IsMounted())
        {
            return null;
        }
        var mount = Run.Checked("mount", "-t", "tracefs", "nodev", MountPoint);
        if (mount.ExitCode != 0)
        {
            throw new InvalidOperationException($"mount -t tracefs nodev {MountPoint} failed: {mount.Stderr.Trim()}");
        }
        return Cleanup.Register($"umount {MountPoint}", () => Run.Checked("umount", MountPoint));
    }
}

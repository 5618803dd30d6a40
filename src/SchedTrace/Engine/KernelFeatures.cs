namespace SchedTrace.Engine;

/// <summary>Facts about the running kernel that change what the BPF programs may read.</summary>
internal static class KernelFeatures
{
    /// <summary>
    /// Since 5.18 the sched_switch tracepoint passes prev_state as its 4th argument. Earlier kernels
    /// read it from the task (CO-RE picks __state or state); the arg is cheaper and exact.
    /// </summary>
    internal static bool SchedSwitchHasPrevState { get; } = KernelVersion() >= new Version(5, 18);

    /// <summary>
    /// Linux 5.11 charges BPF memory to the memory cgroup and no longer to RLIMIT_MEMLOCK
    /// (libbpf probes the same release, by a helper it added, before deciding to raise the limit).
    /// </summary>
    internal static bool ChargesBpfMemoryToCgroup { get; } = KernelVersion() >= new Version(5, 11);

    /// <summary>
    /// Whether the kernel has each hook, from its BTF: every tracepoint has a btf_trace_NAME
    /// typedef, every traceable function a FUNC. Asked only after a load failed, to name what
    /// the kernel lacks.
    /// </summary>
    internal static IReadOnlyList<BpfHook> MissingHooks(IEnumerable<BpfHook> hooks)
    {
        nint btf = Interop.LibBpf.btf__load_vmlinux_btf();
        if (btf == 0)
        {
            return Array.Empty<BpfHook>();
        }
        try
        {
            // A sampling hook is no name in the BTF (PerfEvents.Refused says why it failed).
            return hooks.Where(hook => hook.Sampling is null).Where(hook => hook.BtfSection is null
                    ? Interop.LibBpf.btf__find_by_name_kind(btf, "btf_trace_" + hook.Tracepoint, Interop.LibBpf.BTF_KIND_TYPEDEF) < 0
                    : Interop.LibBpf.btf__find_by_name_kind(btf, hook.Tracepoint, Interop.LibBpf.BTF_KIND_FUNC) < 0)
                .Distinct().ToList();
        }
        finally
        {
            Interop.LibBpf.btf__free(btf);
        }
    }

    /// <summary>The largest thread id the kernel hands out, plus one.</summary>
    internal static uint PidMax() =>
        uint.TryParse(File.ReadAllText("/proc/sys/kernel/pid_max").Trim(), out uint pidMax) ? pidMax : 32_768;

    /// <summary>Threads alive now: the 4th field of /proc/loadavg reads "running/total".</summary>
    internal static uint ThreadCount()
    {
        var fields = File.ReadAllText("/proc/loadavg").Split(' ');
        return fields.Length > 3 && uint.TryParse(fields[3].Split('/').Last(), out uint total) ? total : 1024;
    }

    /// <summary>Processes alive now: the numeric entries of /proc.</summary>
    internal static uint ProcessCount() =>
        (uint)Directory.EnumerateDirectories("/proc").Count(d => Path.GetFileName(d).All(char.IsAsciiDigit));

    internal static Version KernelVersion()
    {
        // /proc/sys/kernel/osrelease reads like "6.18.44-fc-v669".
        var release = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        var numeric = new string(release.TakeWhile(c => char.IsDigit(c) || c == '.').ToArray()).Trim('.');
        var parts = numeric.Split('.');
        return parts.Length >= 2 && int.TryParse(parts[0], out int major) && int.TryParse(parts[1], out int minor)
            ? new Version(major, minor)
            : new Version(0, 0);
    }
}

namespace SchedTrace.Engine;

/// <summary>Facts about the running kernel that change what the BPF programs may read.</summary>
internal static class KernelFeatures
{
    /// <summary>
    /// Since 5.18 the sched_switch tracepoint passes prev_state as its 4th argument. Earlier kernels
    /// read it from the task (CO-RE picks __state or state); the arg is cheaper and exact.
    /// </summary>
    internal static bool SchedSwitchHasPrevState { get; } = KernelVersion() >= new Version(5, 18);

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

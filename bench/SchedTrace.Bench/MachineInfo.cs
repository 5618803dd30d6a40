using System.Runtime.InteropServices;

namespace SchedTrace.Bench;

/// <summary>What the numbers were measured on, for the report.</summary>
internal sealed record MachineInfo(string CpuModel, int Cpus, string Kernel, string LibBpf, string Bpftrace, string Perf, string DotNet)
{
    internal static MachineInfo Collect(Tools tools)
    {
        var cpuModel = Run.Checked("lscpu").Stdout.Split('\n')
            .FirstOrDefault(l => l.StartsWith("Model name:", StringComparison.Ordinal))?["Model name:".Length..].Trim() ?? "unknown";
        return new MachineInfo(
            cpuModel,
            Environment.ProcessorCount,
            File.ReadAllText("/proc/sys/kernel/osrelease").Trim(),
            LibBpfVersion(),
            tools.Bpftrace is null ? "not used" : Run.FirstLine(tools.Bpftrace, "--version"),
            Run.FirstLine(tools.Perf, "--version"),
            RuntimeInformation.FrameworkDescription);
    }

    /// <summary>The libbpf that the engine actually loaded (libbpf_version_string), plus the package version.</summary>
    private static string LibBpfVersion()
    {
        var loaded = Marshal.PtrToStringUTF8(Native.libbpf_version_string()) ?? "?";
        var dpkg = Run.Which("dpkg-query") is { } query ? Run.FirstLine(query, "-W", "-f", "${Version}", "libbpf1") : "";
        return dpkg.Length > 0 && !dpkg.Contains("no packages", StringComparison.OrdinalIgnoreCase) ? $"{loaded} (libbpf1 {dpkg})" : loaded;
    }
}

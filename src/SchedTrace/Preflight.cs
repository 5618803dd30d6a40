using SchedTrace.Interop;

namespace SchedTrace;

/// <summary>
/// Checks, before anything is loaded, the things a user can fix: privileges, BTF, libbpf.
/// Each failure says what to do instead of surfacing a bare errno from deep inside libbpf.
/// </summary>
public static class Preflight
{
    internal const string BtfPath = "/sys/kernel/btf/vmlinux";

    private const int CapSysAdmin = 21;
    private const int CapPerfmon = 38;
    private const int CapBpf = 39;

    /// <summary>Throws a <see cref="SchedTraceException"/> for the first requirement not met.</summary>
    public static void Check()
    {
        CheckPrivileges(Libc.geteuid(), ReadEffectiveCapabilities());
        CheckBtf(File.Exists(BtfPath));
        CheckLibBpf();
    }

    internal static void CheckPrivileges(uint effectiveUid, ulong effectiveCapabilities)
    {
        bool Has(int cap) => (effectiveCapabilities & (1UL << cap)) != 0;
        if (effectiveUid == 0 || Has(CapSysAdmin) || (Has(CapBpf) && Has(CapPerfmon)))
        {
            return;
        }
        throw new SchedTraceException(
            SchedTraceErrorKind.PermissionDenied,
            "BpfPermissionDenied",
            "Loading BPF programs needs root, or the CAP_BPF and CAP_PERFMON capabilities.",
            "Run as root (sudo pwsh, or sudo schedtrace), or grant the capabilities: sudo setcap cap_bpf,cap_perfmon+ep <path to pwsh or schedtrace>.");
    }

    internal static void CheckBtf(bool btfPresent)
    {
        if (btfPresent)
        {
            return;
        }
        throw new SchedTraceException(
            SchedTraceErrorKind.NotSupported,
            "KernelBtfMissing",
            $"This kernel exposes no BTF type information ({BtfPath} is missing); SchedTrace's CO-RE programs need it.",
            "Use a kernel built with CONFIG_DEBUG_INFO_BTF=y (the default on current Debian, Ubuntu, Fedora and RHEL kernels).");
    }

    private static void CheckLibBpf()
    {
        if (LibBpf.TryLoad(out var failure))
        {
            return;
        }
        throw new SchedTraceException(
            SchedTraceErrorKind.NotInstalled,
            "LibBpfMissing",
            $"{failure}: SchedTrace calls libbpf 1.x through it.",
            "Install libbpf: sudo apt-get install libbpf1 (Debian/Ubuntu), sudo dnf install libbpf (Fedora/RHEL).");
    }

    /// <summary>CapEff from /proc/self/status: the capabilities this process can use now.</summary>
    internal static ulong ReadEffectiveCapabilities()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("CapEff:", StringComparison.Ordinal))
            {
                return Convert.ToUInt64(line["CapEff:".Length..].Trim(), 16);
            }
        }
        return 0;
    }
}

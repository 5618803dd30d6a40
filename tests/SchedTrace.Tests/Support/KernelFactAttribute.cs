using SchedTrace.Interop;

namespace SchedTrace.Tests.Support;

/// <summary>
/// A test that loads real BPF programs into the running kernel. Outside CI it is skipped when
/// the process cannot load BPF (not root); in CI (CI=true) it never skips, so a machine without
/// BPF fails loudly instead of passing by omission.
/// </summary>
public sealed class KernelFactAttribute : FactAttribute
{
    public KernelFactAttribute()
    {
        if (!KernelTestEnvironment.InCi && Libc.geteuid() != 0)
        {
            Skip = "needs root to load BPF programs (run the tests with sudo; in CI these never skip)";
        }
    }
}

public static class KernelTestEnvironment
{
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
}

/// <summary>A <see cref="KernelFactAttribute"/> with data: the same skip rule.</summary>
public sealed class KernelTheoryAttribute : TheoryAttribute
{
    public KernelTheoryAttribute()
    {
        if (!KernelTestEnvironment.InCi && Libc.geteuid() != 0)
        {
            Skip = "needs root to load BPF programs (run the tests with sudo; in CI these never skip)";
        }
    }
}

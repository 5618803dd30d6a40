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

    /// <summary>Opens a new fd on a program by its id: how we read another process's program (bpftrace's).</summary>
    [LibraryImport("libbpf.so.1")]
    internal static partial int bpf_prog_get_fd_by_id(uint id);

    [LibraryImport("libbpf.so.1")]
    internal static partial nint libbpf_version_string();

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int close(int fd);

    /// <summary>Process.Kill only sends SIGKILL; bpftrace needs SIGINT to detach and exit cleanly.</summary>
    [LibraryImport("libc", SetLastError = true)]
    internal static partial int kill(int pid, int signal);
}

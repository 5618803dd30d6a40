using System.Runtime.InteropServices;

namespace SchedTrace.Interop;

internal static partial class Libc
{
    private const string LibraryName = "libc";

    internal const int EPERM = 1;
    internal const int ENOENT = 2;
    internal const int EINTR = 4;
    internal const int EAGAIN = 11;
    internal const int EACCES = 13;
    internal const int ENODEV = 19;
    internal const int ENFILE = 23;
    internal const int EMFILE = 24;
    internal const int ENOSYS = 38;
    internal const int EOPNOTSUPP = 95;

    internal const int RLIMIT_NOFILE = 7;
    internal const int RLIMIT_MEMLOCK = 8;
    internal const ulong RLIM_INFINITY = ulong.MaxValue;

    /// <summary>struct rlimit on 64-bit Linux.</summary>
    internal struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int getrlimit(int resource, out RLimit limit);

    [LibraryImport(LibraryName)]
    internal static partial uint geteuid();

    // signal(2) with SIG_DFL (0) or SIG_IGN (1); returns the previous handler, SIG_ERR (-1) on failure.
    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial nint signal(int signum, nint handler);

    // sigaction(2), here only to read a disposition (act = 0): glibc's struct sigaction starts
    // with the handler (or SIG_DFL / SIG_IGN) on every Linux ABI; oldact must hold the whole
    // struct (152 bytes on x86-64 and arm64).
    [LibraryImport(LibraryName, SetLastError = true)]
    internal static unsafe partial int sigaction(int signum, void* act, void* oldact);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial nint read(int fd, nint buffer, nuint count);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int close(int fd);

    // va_list is passed through untouched: on the System V ABIs it arrives as a pointer.
    [LibraryImport(LibraryName)]
    internal static partial int vsnprintf(nint buffer, nuint size, nint format, nint args);

    internal static string ErrnoMessage(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}

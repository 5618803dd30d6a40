using System.Runtime.InteropServices;

namespace SchedTrace.Interop;

internal static partial class Libc
{
    private const string LibraryName = "libc";

    internal const int EINTR = 4;
    internal const int EAGAIN = 11;

    [LibraryImport(LibraryName)]
    internal static partial uint geteuid();

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial nint read(int fd, nint buffer, nuint count);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int close(int fd);

    // va_list is passed through untouched: on the System V ABIs it arrives as a pointer.
    [LibraryImport(LibraryName)]
    internal static partial int vsnprintf(nint buffer, nuint size, nint format, nint args);

    internal static string ErrnoMessage(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}

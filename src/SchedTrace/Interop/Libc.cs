using System.Runtime.InteropServices;

namespace SchedTrace.Interop;

internal static partial class Libc
{
    private const string LibraryName = "libc";

    [LibraryImport(LibraryName)]
    internal static partial uint geteuid();

    // va_list is passed through untouched: on the System V ABIs it arrives as a pointer.
    [LibraryImport(LibraryName)]
    internal static partial int vsnprintf(nint buffer, nuint size, nint format, nint args);

    internal static string ErrnoMessage(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}

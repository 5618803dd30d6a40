using System.Runtime.InteropServices;

namespace SchedTrace.Interop;

/// <summary>What a process inherited for its signals, and undoing what gets in a tracer's way.</summary>
internal static class SignalDisposition
{
    private const int SigInt = 2;
    private const int SigactionBytes = 256; // glibc's struct sigaction is 152 bytes; room to spare
    private static readonly nint SigDfl = 0;
    private static readonly nint SigIgn = 1;

    /// <summary>
    /// Gives SIGINT its default disposition back when the process inherited it ignored, as a
    /// background job of a non-interactive shell does (`sh -c 'schedtrace runqlat &amp; ...'`).
    /// .NET respects an inherited SIG_IGN: its signal layer (System.Native, pal_signal.c) marks
    /// such a signal as handled without installing anything, so a PosixSignalRegistration for
    /// it would never run. Call this before anything touches Console, Process or
    /// PosixSignalRegistration (they set that layer up); afterwards a registration installs
    /// its handler as usual. Returns true when SIGINT had been ignored.
    /// </summary>
    internal static unsafe bool RestoreIgnoredInterrupt()
    {
        byte* current = stackalloc byte[SigactionBytes];
        if (Libc.sigaction(SigInt, null, current) != 0)
        {
            throw new InvalidOperationException($"sigaction(SIGINT) could not be read: {Libc.ErrnoMessage(Marshal.GetLastPInvokeError())}");
        }
        // Only an ignored SIGINT is changed: a handler (the runtime's own) stays as it is.
        if (*(nint*)current != SigIgn)
        {
            return false;
        }
        if (Libc.signal(SigInt, SigDfl) == -1)
        {
            throw new InvalidOperationException($"signal(SIGINT, SIG_DFL) failed: {Libc.ErrnoMessage(Marshal.GetLastPInvokeError())}");
        }
        return true;
    }
}

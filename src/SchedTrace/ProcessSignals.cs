using SchedTrace.Interop;

namespace SchedTrace;

/// <summary>What a command-line front end does about the signals its process inherited.</summary>
public static class ProcessSignals
{
    /// <summary>
    /// Gives SIGINT its default disposition back when the process inherited it ignored (a
    /// background job of a non-interactive shell), so that a handler installed afterwards runs.
    /// Call it before anything touches Console, Process or PosixSignalRegistration. Returns true
    /// when SIGINT had been ignored.
    /// </summary>
    public static bool RestoreIgnoredInterrupt() => SignalDisposition.RestoreIgnoredInterrupt();
}

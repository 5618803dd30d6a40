using System.Runtime.InteropServices;

namespace SchedTrace.Cli;

/// <summary>
/// SIGINT (Ctrl+C), SIGTERM and SIGHUP end a collection the way --duration ending does: the
/// verb prints what it gathered, detaches and exits 0. A second signal is not caught: it ends
/// the process with the signal's default action (the kernel still frees every BPF object when
/// the last fd closes). Like bpftrace and libbpf-tools, the CLI installs its own SIGINT handler
/// even when it inherited SIGINT ignored (a background job of a non-interactive shell).
/// </summary>
internal sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly PosixSignalRegistration[] registrations;

    private StopSignals()
    {
        registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal),
        ];
    }

    /// <summary>Cancelled by the first of the three signals.</summary>
    internal CancellationToken Token => stop.Token;

    /// <summary>Must be the first thing the process does: see <see cref="ProcessSignals.RestoreIgnoredInterrupt"/>.</summary>
    internal static StopSignals Install()
    {
        ProcessSignals.RestoreIgnoredInterrupt();
        return new StopSignals();
    }

    private void OnSignal(PosixSignalContext context)
    {
        // The first one is ours (the default action is cancelled); a second one is the user insisting.
        context.Cancel = !stop.IsCancellationRequested;
        stop.Cancel();
    }

    public void Dispose()
    {
        foreach (var registration in registrations)
        {
            registration.Dispose();
        }
        stop.Dispose();
    }
}

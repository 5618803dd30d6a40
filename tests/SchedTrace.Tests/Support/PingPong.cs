using System.Diagnostics;
using System.IO.Pipes;

namespace SchedTrace.Tests.Support;

/// <summary>
/// Two threads bouncing a byte over a pair of pipes for a bounded time: every round trip is
/// two blocking reads, so it makes switches at a high, steady rate.
/// </summary>
public sealed class PingPong : IDisposable
{
    private readonly Thread ping;
    private readonly Thread pong;
    private readonly CancellationTokenSource stop = new();

    private PingPong(TimeSpan duration)
    {
        var toPong = new AnonymousPipeServerStream(PipeDirection.Out);
        var atPong = new AnonymousPipeClientStream(PipeDirection.In, toPong.ClientSafePipeHandle);
        var toPing = new AnonymousPipeServerStream(PipeDirection.Out);
        var atPing = new AnonymousPipeClientStream(PipeDirection.In, toPing.ClientSafePipeHandle);
        var clock = Stopwatch.StartNew();
        ping = new Thread(() =>
        {
            var buffer = new byte[1];
            while (clock.Elapsed < duration && !stop.IsCancellationRequested)
            {
                toPong.WriteByte(1);
                if (atPing.Read(buffer, 0, 1) == 0)
                {
                    break;
                }
            }
            toPong.Dispose();
        }) { IsBackground = true, Name = "ping" };
        pong = new Thread(() =>
        {
            var buffer = new byte[1];
            while (atPong.Read(buffer, 0, 1) == 1)
            {
                toPing.WriteByte(1);
            }
            toPing.Dispose();
        }) { IsBackground = true, Name = "pong" };
        ping.Start();
        pong.Start();
    }

    public static PingPong Start(TimeSpan duration) => new(duration);

    /// <summary>
    /// Runs until disposed (bounded at a minute), for a load around a CLI run: on a busy machine
    /// the CLI can take over a second just to start, so a load for a fixed second may be over
    /// before it attaches.
    /// </summary>
    public static PingPong UntilDisposed() => new(TimeSpan.FromMinutes(1));

    public void Dispose()
    {
        stop.Cancel();
        ping.Join(TimeSpan.FromSeconds(10));
        pong.Join(TimeSpan.FromSeconds(10));
        stop.Dispose();
    }
}

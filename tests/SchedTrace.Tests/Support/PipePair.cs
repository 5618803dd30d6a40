using System.IO.Pipes;

namespace SchedTrace.Tests.Support;

/// <summary>
/// Two named threads bouncing a byte N times over pipes, started and finished on the test's
/// signal. Outside the bouncing they are blocked in the kernel, so every switch they make while
/// the test measures is one of the round trips.
/// </summary>
public sealed class PipePair : IDisposable
{
    private readonly ControlledThread ping;
    private readonly ControlledThread pong;

    public PipePair(int roundTrips, int? pinToCpu = null)
    {
        var toPong = new AnonymousPipeServerStream(PipeDirection.Out);
        var atPong = new AnonymousPipeClientStream(PipeDirection.In, toPong.ClientSafePipeHandle);
        var toPing = new AnonymousPipeServerStream(PipeDirection.Out);
        var atPing = new AnonymousPipeClientStream(PipeDirection.In, toPing.ClientSafePipeHandle);
        pong = new ControlledThread(() =>
        {
            var buffer = new byte[1];
            for (int i = 0; i < roundTrips; i++)
            {
                atPong.ReadExactly(buffer);
                toPing.WriteByte(1);
            }
        }, pinToCpu, blockOutsidePhase: true, name: "st-pong");
        ping = new ControlledThread(() =>
        {
            var buffer = new byte[1];
            for (int i = 0; i < roundTrips; i++)
            {
                toPong.WriteByte(1);
                atPing.ReadExactly(buffer);
            }
        }, pinToCpu, blockOutsidePhase: true, name: "st-ping");
    }

    public int PingThreadId => ping.ThreadId;

    public int PongThreadId => pong.ThreadId;

    public void Run()
    {
        pong.Go();
        ping.Go();
        ping.WaitDone();
        pong.WaitDone();
    }

    public void Dispose()
    {
        ping.Dispose();
        pong.Dispose();
    }
}

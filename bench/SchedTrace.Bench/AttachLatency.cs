using System.Diagnostics;

namespace SchedTrace.Bench;

/// <summary>Time from SchedTraceSession.Start being called to it returning attached, and Stop.</summary>
internal sealed record AttachResult(TimeSpan Cold, IReadOnlyList<TimeSpan> Warm, IReadOnlyList<TimeSpan> Stop)
{
    internal static double Ms(TimeSpan t) => t.TotalMilliseconds;
}

internal static class AttachLatency
{
    /// <summary>
    /// Must run before anything else in this process touches SchedTrace: the cold call includes
    /// what a user's first Start-SchedTrace pays (JIT, loading libbpf, reading the embedded
    /// object, kernel BTF parsing by libbpf). Warm calls repeat it with all that cached in-process.
    /// </summary>
    internal static AttachResult Measure(int repetitions, CancellationToken cancel)
    {
        var options = new SchedTraceSessionOptions { Features = SchedTraceFeature.ContextSwitches };
        TimeSpan cold = TimeOnce(options, out var coldStop);
        var warm = new List<TimeSpan>();
        var stops = new List<TimeSpan> { coldStop };
        for (int i = 0; i < repetitions; i++)
        {
            cancel.ThrowIfCancellationRequested();
            warm.Add(TimeOnce(options, out var stop));
            stops.Add(stop);
        }
        return new AttachResult(cold, warm, stops);
    }

    private static TimeSpan TimeOnce(SchedTraceSessionOptions options, out TimeSpan stop)
    {
        long start = Stopwatch.GetTimestamp();
        var session = SchedTraceSession.Start(options);
        var attach = Stopwatch.GetElapsedTime(start);
        long stopStart = Stopwatch.GetTimestamp();
        session.Dispose();
        stop = Stopwatch.GetElapsedTime(stopStart);
        return attach;
    }
}

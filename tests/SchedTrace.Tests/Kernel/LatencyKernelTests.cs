using System.Diagnostics;
using SchedTrace.Engine;
using SchedTrace.Tests.Support;
using Xunit.Abstractions;

namespace SchedTrace.Tests.Kernel;

/// <summary>Latency measures on workloads the test owns, against what the workload does.</summary>
[Collection(KernelCollection.Name)]
public sealed class LatencyKernelTests(ITestOutputHelper output)
{
    [KernelFact]
    public void ScheduleTime_FallsBackFromFentry_AndSaysWhichMethod()
    {
        var notices = new List<string>();
        long started = Stopwatch.GetTimestamp();
        using var session = SchedTraceSession.Start(new SchedTraceSessionOptions
        {
            Features = SchedTraceFeature.ScheduleTime | SchedTraceFeature.RunQueueLatency | SchedTraceFeature.OffCpuTime,
            Notice = notices.Add,
        });
        Thread.Sleep(300);
        var snapshot = session.ReadLatency();
        var window = Stopwatch.GetElapsedTime(started);
        foreach (var n in notices)
        {
            output.WriteLine(n);
        }
        output.WriteLine($"method {session.ScheduleMethod}");
        foreach (LatencyKind kind in Enum.GetValues<LatencyKind>())
        {
            var h = snapshot.Total(kind);
            output.WriteLine($"{kind}: n={h.Count} min={h.MinNs} max={h.MaxNs} mean={(h.Count > 0 ? h.SumNs / h.Count : 0)}");
        }
        Assert.Equal(ScheduleTimeMethod.SchedTracepoints, session.ScheduleMethod);
        Assert.Contains("fentry", session.ScheduleMethodNote);
    }
}

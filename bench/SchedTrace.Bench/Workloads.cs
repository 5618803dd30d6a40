using System.Globalization;
using System.Text.RegularExpressions;

namespace SchedTrace.Bench;

/// <summary>One run of a workload: how fast it went, in its own unit.</summary>
internal sealed record WorkloadRun(double MicrosecondsPerOp);

/// <summary>A repeatable load that makes the kernel produce the events a scenario traces.</summary>
internal interface IWorkload
{
    /// <summary>For the report: the exact command or loop.</summary>
    string Description { get; }

    WorkloadRun Run(CancellationToken cancel);
}

/// <summary>
/// `perf bench sched pipe` with both processes pinned to one CPU: every pipe operation is a
/// write, a wakeup and a switch, so it is about as switch-heavy as a real load gets
/// (2 switches per op), and pinning keeps the rate steady on a noisy 2-vCPU VM.
/// </summary>
internal sealed partial class PerfPipeWorkload(string perf, string taskset, int cpu, int loops) : IWorkload
{
    public string Description => $"taskset -c {cpu} perf bench sched pipe -l {loops}";

    public WorkloadRun Run(CancellationToken cancel)
    {
        var result = SchedTrace.Bench.Run.Command(taskset, ["-c", cpu.ToString(CultureInfo.InvariantCulture), perf, "bench", "sched", "pipe", "-l", loops.ToString(CultureInfo.InvariantCulture)], cancel);
        var match = UsecsPerOp().Match(result.Stdout);
        if (result.ExitCode != 0 || !match.Success)
        {
            throw new InvalidOperationException($"{Description} failed ({result.ExitCode}):\n{result.Stdout}{result.Stderr}");
        }
        return new WorkloadRun(double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"([0-9.]+)\s+usecs/op")]
    private static partial Regex UsecsPerOp();
}

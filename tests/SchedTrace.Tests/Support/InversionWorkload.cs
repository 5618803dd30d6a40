using System.Diagnostics;
using System.Globalization;

namespace SchedTrace.Tests.Support;

/// <summary>
/// Runs Support/Native/inversion_workload.c (built with gcc on first use): real SCHED_FIFO and
/// SCHED_OTHER threads that the test owns, pinned to one CPU, in the scenarios of the
/// priority-inversion tests. Every spinner in it is bounded in time.
/// </summary>
public sealed class InversionWorkload
{
    private static readonly Lazy<string> Binary = new(() => NativeProgram.Build("inversion_workload"));

    private InversionWorkload(int processId, IReadOnlyList<int> threadIds, string output)
    {
        ProcessId = processId;
        ThreadIds = threadIds;
        Output = output;
    }

    public int ProcessId { get; }

    /// <summary>lock/pi/equal: low, medium, high. runqueue: real-time, normal. storm: nice 0, 1, 2.</summary>
    public IReadOnlyList<int> ThreadIds { get; }

    public string Output { get; }

    /// <summary>The CPU the scenario runs on: the last one, away from CPU 0 where most of the test runs.</summary>
    public static int WorkCpu => Environment.ProcessorCount - 1;

    /// <summary>Where the threads wait for their turn, and where the helper's main thread runs.</summary>
    public static int HomeCpu => 0;

    /// <summary>Runs one scenario to its end (bounded: a minute at most) and returns its threads.</summary>
    public static InversionWorkload Run(string mode, int spinMilliseconds)
    {
        if (Environment.ProcessorCount < 2)
        {
            throw new InvalidOperationException("The priority-inversion scenarios need two CPUs: one to run on, one to steer from.");
        }
        var start = new ProcessStartInfo(Binary.Value)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { mode, WorkCpu.ToString(CultureInfo.InvariantCulture), HomeCpu.ToString(CultureInfo.InvariantCulture), spinMilliseconds.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("inversion_workload did not start");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("inversion_workload ran for over a minute");
        }
        var output = stdout.Result;
        if (process.ExitCode != 0 || !output.Contains("done", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"inversion_workload {mode} exited {process.ExitCode}: {output} {stderr.Result}");
        }
        var tids = output.Split('\n').Single(l => l.StartsWith("tids ", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToList();
        return new InversionWorkload(process.Id, tids, output);
    }
}

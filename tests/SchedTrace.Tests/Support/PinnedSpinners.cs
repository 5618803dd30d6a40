using System.Diagnostics;

namespace SchedTrace.Tests.Support;

/// <summary>
/// Processes that spin in user space on one CPU (Support/Native/pinned_spinners.c), runnable from
/// their start to their end: native, so no runtime suspends them (a .NET thread stops for the GC),
/// and bounded in time in case the test dies.
/// </summary>
public sealed class PinnedSpinners : IDisposable
{
    private static readonly Lazy<string> Binary = new(() => NativeProgram.Build("pinned_spinners"));

    private readonly Process parent;

    private PinnedSpinners(Process parent, int[] processIds)
    {
        this.parent = parent;
        ProcessIds = processIds;
    }

    public IReadOnlyList<int> ProcessIds { get; }

    /// <summary>
    /// Starts <paramref name="count"/> spinners on <paramref name="cpu"/> (SCHED_FIFO at
    /// <paramref name="fifoPriority"/> when given) and waits until each is running or runnable there.
    /// </summary>
    public static PinnedSpinners Start(int cpu, int count, TimeSpan limit, int? fifoPriority = null)
    {
        var start = new ProcessStartInfo(Binary.Value) { RedirectStandardOutput = true };
        var arguments = new[] { cpu, count }.Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Append(limit.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Concat(fifoPriority is int priority ? [priority.ToString(System.Globalization.CultureInfo.InvariantCulture)] : []);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        var parent = Process.Start(start) ?? throw new InvalidOperationException("pinned_spinners did not start");
        var line = parent.StandardOutput.ReadLineAsync();
        if (!line.Wait(TimeSpan.FromSeconds(30)) || line.Result?.Split(' ') is not ["ready", .. var pids])
        {
            parent.Kill();
            throw new TimeoutException("pinned_spinners did not say it was ready");
        }
        var spinners = new PinnedSpinners(parent, pids.Select(int.Parse).ToArray());
        var deadline = Stopwatch.StartNew();
        while (!spinners.ProcessIds.All(pid => RunnableOn(pid, cpu)))
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(10))
            {
                spinners.Dispose();
                throw new TimeoutException($"the spinners did not all become runnable on CPU {cpu}");
            }
            Thread.Sleep(10);
        }
        return spinners;
    }

    /// <summary>/proc/PID/stat says R (running or runnable) on <paramref name="cpu"/> (field 39, processor).</summary>
    public static bool RunnableOn(int pid, int cpu)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return fields[0] == "R" && fields[36] == cpu.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Every spinner is still runnable on <paramref name="cpu"/>.</summary>
    public bool AllRunnableOn(int cpu) => ProcessIds.All(pid => RunnableOn(pid, cpu));

    public void Dispose()
    {
        foreach (var pid in ProcessIds)
        {
            TestNative.Signal(pid, 9);
        }
        parent.Kill();
        parent.WaitForExit();
        parent.Dispose();
    }
}

using System.Diagnostics;
using System.Globalization;

namespace SchedTrace.Tests.Support;

/// <summary>
/// Runs Support/Native/sleeper_workload.c: a separate process whose main thread sleeps a number
/// of times on the test's word and is otherwise blocked reading its stdin. Nothing signals it
/// unless the test asks for signals, unlike a managed thread, which the .NET runtime signals to
/// suspend it (GC, tiered compilation). So between rounds it makes no switch, and in a round
/// its switch-outs are its sleeps and its preemptions: its /proc counters are an exact oracle.
/// </summary>
public sealed class NativeSleeper : IDisposable
{
    private static readonly Lazy<string> Binary = new(() => NativeProgram.Build("sleeper_workload"));
    private readonly Process process;

    private NativeSleeper(Process process) => this.process = process;

    /// <summary>The sleeping thread: the process's main thread.</summary>
    public int ThreadId => process.Id;

    /// <summary>
    /// Starts it and waits until it is blocked on its stdin. With <paramref name="signalsOnCpu"/>
    /// it sleeps pinned to that CPU and gets one SIGUSR1 on its way into each sleep, together
    /// with a real-time wakeup on that CPU that makes its next schedule() call switch (see the C
    /// source).
    /// </summary>
    public static NativeSleeper Start(int sleeps, TimeSpan sleep, int? signalsOnCpu = null)
    {
        var start = new ProcessStartInfo(Binary.Value) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(sleeps.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(((long)sleep.TotalMicroseconds).ToString(CultureInfo.InvariantCulture));
        if (signalsOnCpu is int cpu)
        {
            start.ArgumentList.Add("signals");
            start.ArgumentList.Add(cpu.ToString(CultureInfo.InvariantCulture));
        }
        var sleeper = new NativeSleeper(Process.Start(start) ?? throw new InvalidOperationException("sleeper_workload did not start"));
        try
        {
            if (sleeper.ReadLine() != "ready")
            {
                throw new InvalidOperationException("sleeper_workload did not print 'ready'");
            }
            sleeper.WaitUntilBlocked();
            return sleeper;
        }
        catch
        {
            sleeper.Dispose();
            throw;
        }
    }

    /// <summary>Its voluntary and involuntary switches (nvcsw, nivcsw) so far.</summary>
    public (long Voluntary, long Involuntary) Switches => ProcFs.StatusSwitches($"/proc/{ThreadId}/task/{ThreadId}/status");

    /// <summary>Its time runnable on a run queue so far (schedstat run_delay).</summary>
    public long RunDelayNs => ProcFs.ThreadRunDelayNs(ThreadId, ThreadId);

    /// <summary>What one round did: the signals its handler ran and the sleep calls they cut short (EINTR).</summary>
    public sealed record Round(int Signals, long Interrupts);

    /// <summary>Runs one round of sleeps and returns once it is over and the sleeper is blocked on its stdin again.</summary>
    public Round Sleep()
    {
        process.StandardInput.WriteLine("go");
        process.StandardInput.Flush();
        var done = ReadLine()?.Split(' ');
        if (done is not ["done", var signals, var interrupts])
        {
            throw new InvalidOperationException($"sleeper_workload printed '{string.Join(' ', done ?? [])}', not 'done SIGNALS INTERRUPTS'");
        }
        WaitUntilBlocked();
        return new Round(int.Parse(signals, CultureInfo.InvariantCulture), long.Parse(interrupts, CultureInfo.InvariantCulture));
    }

    private string? ReadLine()
    {
        var line = process.StandardOutput.ReadLineAsync();
        return line.Wait(TimeSpan.FromSeconds(60)) ? line.Result : throw new TimeoutException("sleeper_workload printed nothing for 60 s");
    }

    /// <summary>
    /// It prints, then goes back to reading: wait until it sleeps there (S) and its switch count
    /// has settled, so that it is off the CPU when the test reads.
    /// </summary>
    private void WaitUntilBlocked()
    {
        var stat = $"/proc/{ThreadId}/task/{ThreadId}/stat";
        var clock = Stopwatch.StartNew();
        long previous = -1;
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            var text = File.ReadAllText(stat);
            char state = text[text.LastIndexOf(')') + 2];
            var (voluntary, involuntary) = Switches;
            if (state == 'S' && voluntary + involuntary == previous)
            {
                return;
            }
            previous = state == 'S' ? voluntary + involuntary : -1;
            Thread.Sleep(5);
        }
        throw new TimeoutException("sleeper_workload did not block on its stdin within 30 s");
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill();
        }
        process.WaitForExit(10_000);
        process.Dispose();
    }
}

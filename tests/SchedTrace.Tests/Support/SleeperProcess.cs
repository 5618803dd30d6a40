using System.Diagnostics;

namespace SchedTrace.Tests.Support;

/// <summary>
/// A separate single-threaded process (perl) that sleeps a number of times on the test's signal
/// and is otherwise blocked reading its stdin. Between rounds it cannot switch, so every switch
/// it makes while the test measures is part of a round: its /proc counters are an exact oracle.
/// </summary>
public sealed class SleeperProcess : IDisposable
{
    private readonly Process process;

    private SleeperProcess(Process process) => this.process = process;

    public int ProcessId => process.Id;

    /// <summary>Starts it and waits until it is blocked on its stdin.</summary>
    public static SleeperProcess Start(int sleepsPerRound, double sleepSeconds = 0.002)
    {
        var script = $$"""
            use Time::HiRes qw(sleep); $| = 1; print "ready\n";
            while (defined(my $line = <STDIN>)) { sleep {{sleepSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}} for 1..{{sleepsPerRound}}; print "done\n"; }
            """;
        var start = new ProcessStartInfo("perl") { RedirectStandardInput = true, RedirectStandardOutput = true };
        start.ArgumentList.Add("-e");
        start.ArgumentList.Add(script);
        var sleeper = new SleeperProcess(Process.Start(start) ?? throw new InvalidOperationException("perl did not start"));
        sleeper.WaitFor("ready");
        return sleeper;
    }

    /// <summary>Its voluntary and involuntary switches since it started (it has one thread).</summary>
    public (long Voluntary, long Involuntary) Switches => ProcFs.StatusSwitches($"/proc/{ProcessId}/status");

    /// <summary>Lets it sleep its round; <see cref="WaitUntilBlocked"/> waits for the end.</summary>
    public void Go()
    {
        process.StandardInput.WriteLine("go");
        process.StandardInput.Flush();
    }

    /// <summary>Waits until the round is over and it is blocked on its stdin again.</summary>
    public void WaitUntilBlocked()
    {
        WaitFor("done");
        BlockedOnStdin();
    }

    private void WaitFor(string expected)
    {
        var line = process.StandardOutput.ReadLineAsync();
        if (!line.Wait(TimeSpan.FromSeconds(30)) || line.Result != expected)
        {
            throw new TimeoutException($"the perl sleeper did not print '{expected}'");
        }
        BlockedOnStdin();
    }

    /// <summary>After printing, it goes straight back to reading: wait for it to be asleep (S) there.</summary>
    private void BlockedOnStdin()
    {
        var clock = Stopwatch.StartNew();
        while (File.ReadAllText($"/proc/{ProcessId}/stat").Split(") ")[1][0] != 'S')
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new TimeoutException("the perl sleeper did not block on its stdin");
            }
            Thread.Sleep(1);
        }
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

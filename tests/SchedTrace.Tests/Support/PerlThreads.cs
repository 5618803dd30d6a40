using System.Diagnostics;

namespace SchedTrace.Tests.Support;

/// <summary>
/// A separate process with N threads that each spin for a while and then sleep: a multi-threaded
/// process the test owns whose threads are all off the CPU once it reports idle.
/// </summary>
public sealed class PerlThreads : IDisposable
{
    private readonly Process process;

    private PerlThreads(Process process) => this.process = process;

    public int ProcessId => process.Id;

    /// <param name="spinMilliseconds">CPU time each thread spins for (its own thread CPU clock,
    /// not wall time: on a busy machine a thread gets less CPU than the wall time it spins).</param>
    public static PerlThreads Start(int threads, int spinMilliseconds)
    {
        // Each thread spins, then sleeps; the main thread prints "idle" once all are sleeping.
        var script = $$"""
            use threads; use threads::shared; use Time::HiRes qw(sleep clock_gettime CLOCK_THREAD_CPUTIME_ID);
            my $done :shared = 0;
            my @t = map { threads->create(sub { 1 while clock_gettime(CLOCK_THREAD_CPUTIME_ID) < {{spinMilliseconds}} / 1000; { lock($done); $done++; } sleep 30; }) } 1..{{threads}};
            sleep 0.01 until do { lock($done); $done == {{threads}} };
            sleep 0.05; $| = 1; print "idle\n"; sleep 30;
            """;
        var start = new ProcessStartInfo("perl") { RedirectStandardOutput = true };
        start.ArgumentList.Add("-e");
        start.ArgumentList.Add(script);
        return new PerlThreads(Process.Start(start) ?? throw new InvalidOperationException("perl did not start"));
    }

    /// <summary>Waits until every thread has finished spinning and is asleep.</summary>
    public void WaitUntilIdle()
    {
        var line = process.StandardOutput.ReadLineAsync();
        if (!line.Wait(TimeSpan.FromSeconds(30)) || line.Result != "idle")
        {
            throw new TimeoutException("the perl workload did not report idle");
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

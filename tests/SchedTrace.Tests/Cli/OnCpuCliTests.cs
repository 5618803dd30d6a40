using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SchedTrace.Tests.Kernel;
using SchedTrace.Tests.Support;

namespace SchedTrace.Tests.Cli;

/// <summary>`schedtrace oncpu` on processes the test owns.</summary>
[Collection(KernelCollection.Name)]
public sealed class OnCpuCliTests
{
    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static Process Perl(string script, int? cpu = null)
    {
        var start = cpu is int pinned ? new ProcessStartInfo("taskset", ["-c", pinned.ToString(CultureInfo.InvariantCulture), "perl", "-e", script]) : new ProcessStartInfo("perl", ["-e", script]);
        var process = Process.Start(start)!;
        Thread.Sleep(100); // past start-up (taskset execs perl under the same pid)
        return process;
    }

    private static void Stop(params Process[] processes)
    {
        foreach (var p in processes)
        {
            p.Kill();
            p.WaitForExit();
            p.Dispose();
        }
    }

    /// <summary>
    /// Two perl spinners pinned to one CPU take turns on it: their slices end Preempted, on that
    /// CPU only, and add up to the CPU time they got in the window: at most the window, since
    /// they share one CPU (how much of it the CPU's other tasks leave them depends on the load).
    /// Their Blocked row is empty: a spinner never blocks.
    /// </summary>
    [KernelFact]
    public void TwoPinnedSpinners_PerCpu_ArePreemptedOnTheirCpu()
    {
        int cpu = Engine.CpuTopology.Online().Max();
        var spinners = new[] { Perl("1 while 1", cpu), Perl("1 while 1", cpu) };
        try
        {
            string pids = string.Join(',', spinners.Select(s => s.Id.ToString(CultureInfo.InvariantCulture)));
            var (exit, output, errors) = CliRunner.Run(["oncpu", "--pid", pids, "--per-cpu", "--duration", "1", "--json"]);
            Assert.True(exit == 0, errors);
            var rows = Lines(output).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.All(rows, r => Assert.Equal("OnCpu", r.GetProperty("Measure").GetString()));
            var preempted = Assert.Single(rows, r => r.GetProperty("Reason").GetString() == "Preempted");
            Assert.Equal(cpu, preempted.GetProperty("Cpu").GetInt32());
            Assert.DoesNotContain(rows, r => r.GetProperty("Reason").GetString() == "Blocked");
            double window = TimeSpan.Parse(preempted.GetProperty("Duration").GetString()!, CultureInfo.InvariantCulture).TotalNanoseconds;
            long total = preempted.GetProperty("TotalNs").GetInt64();
            Assert.InRange(total, 1, (long)window);
            Assert.True(preempted.GetProperty("Count").GetInt64() > 0);
        }
        finally
        {
            Stop(spinners);
        }
    }

    /// <summary>
    /// A perl process that sleeps 20 ms at a time runs only a moment between its sleeps: its
    /// slices end Blocked, one per sleep (0.6 s: about 29; each starts a sleep, so at most one
    /// per 20 ms of the window, plus one), each far shorter than the sleep.
    /// The table view titles each kind and names the hooks.
    /// </summary>
    [KernelFact]
    public void Sleeper_Pid_RunsInShortBlockedSlices()
    {
        var sleeper = Perl("select(undef, undef, undef, 0.02) for 1 .. 500");
        try
        {
            string pid = sleeper.Id.ToString(CultureInfo.InvariantCulture);
            var (exit, output, errors) = CliRunner.Run(["oncpu", "--pid", pid, "--duration", "0.6", "--json"]);
            Assert.True(exit == 0, errors);
            var rows = Lines(output).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal(new[] { "Blocked", "Preempted" }, rows.Select(r => r.GetProperty("Reason").GetString()));
            var blocked = rows[0];
            // One per sleep that ended in the window (its Duration, from attach to read, is a little over 0.6 s).
            double window = TimeSpan.Parse(blocked.GetProperty("Duration").GetString()!, CultureInfo.InvariantCulture).TotalMilliseconds;
            Assert.InRange(blocked.GetProperty("Count").GetInt64(), 10, (long)(window / 20) + 1);
            Assert.True(blocked.GetProperty("P50Ns").GetDouble() < 5_000_000, $"median slice {blocked.GetProperty("P50Ns").GetDouble()} ns between 20 ms sleeps");

            (exit, output, errors) = CliRunner.Run(["oncpu", "--pid", pid, "--duration", "0.3"]);
            Assert.True(exit == 0, errors);
            var lines = output.Split('\n');
            Assert.Equal($"Only process {sleeper.Id}.", lines[0]);
            Assert.StartsWith("On-CPU slices (Blocked) · ", lines[2]);
            Assert.Contains(lines, l => l == "tp_btf sched_switch-in -> sched_switch-out of the same thread");
            Assert.Contains(lines, l => l.StartsWith("On-CPU slices (Preempted) · ", StringComparison.Ordinal));
            Assert.All(lines, l => Assert.True(l.Length <= 80, l));
        }
        finally
        {
            Stop(sleeper);
        }
    }
}

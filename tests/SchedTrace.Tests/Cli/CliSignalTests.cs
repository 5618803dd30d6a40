using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using SchedTrace.Tests.Kernel;
using SchedTrace.Tests.Support;

namespace SchedTrace.Tests.Cli;

/// <summary>
/// The CLI as a background job of a script: `sh -c 'schedtrace runqlat &amp; ...'`. With job
/// control off, sh starts such a job with SIGINT and SIGQUIT ignored (POSIX), so SIGINT reaches
/// the CLI only if it installs its own handler. Each stop signal must end it as --duration does.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class CliSignalTests
{
    // "$@" in the background, its pid on stderr, then sh's exit code is the job's (128 + n if a signal killed it).
    private const string BackgroundJob = "\"$@\" & echo \"job $!\" >&2; wait $!";

    private const int SigHup = 1, SigInt = 2, SigTerm = 15;

    [Fact]
    public void ABackgroundJobOfANonInteractiveShell_StartsWithSigintIgnored()
    {
        // The premise of the tests below, on this machine's sh.
        var start = new ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-c", BackgroundJob, "sh", "grep", "^SigIgn:", "/proc/self/status" })
        {
            start.ArgumentList.Add(arg);
        }
        using var sh = Process.Start(start)!;
        var output = sh.StandardOutput.ReadToEnd();
        sh.WaitForExit();
        Assert.Equal(0, sh.ExitCode);
        Assert.True(IsSet(Mask(output, "SigIgn"), SigInt), $"a background job's SIGINT is not ignored here: {output}");
    }

    [KernelTheory]
    [InlineData(SigInt)]
    [InlineData(SigTerm)]
    [InlineData(SigHup)]
    public void ABackgroundJob_StoppedBySignal_PrintsItsReading_ExitsZero_AndLeavesNothingAttached(int signal)
    {
        // The script gets SIGHUP and SIGTERM at their defaults, as from a terminal: the test run
        // itself may have them ignored (under nohup), and an ignored SIGHUP is kept, as nohup wants.
        var start = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "--default-signal=HUP,TERM", "sh", "-c", BackgroundJob, "sh" }.Concat(CliBinary.Command).Append("runqlat"))
        {
            start.ArgumentList.Add(arg);
        }
        using var sh = Process.Start(start)!;
        var output = sh.StandardOutput.ReadToEndAsync();
        var errors = new BlockingCollection<string>();
        var errorsRead = Task.Run(() =>
        {
            for (string? line; (line = sh.StandardError.ReadLine()) is not null;)
            {
                errors.Add(line);
            }
            errors.CompleteAdding();
        });
        var seen = new List<string>();
        try
        {
            // The job's pid (from sh) and the CLI's own word that every hook is attached, in either order.
            int cli = 0;
            bool tracing = false;
            var deadline = Stopwatch.StartNew();
            while ((cli == 0 || !tracing) && errors.TryTake(out var line, TimeSpan.FromSeconds(30) - deadline.Elapsed))
            {
                seen.Add(line);
                if (line.StartsWith("job ", StringComparison.Ordinal))
                {
                    cli = int.Parse(line[4..], CultureInfo.InvariantCulture);
                }
                tracing |= line.StartsWith("schedtrace: tracing run-queue latency", StringComparison.Ordinal);
            }
            Assert.True(cli > 0 && tracing, $"the CLI did not say it was tracing within 30 s: {string.Join(" | ", seen)}");

            // It holds its handlers now: SIGINT is caught, not ignored as inherited.
            var status = File.ReadAllText($"/proc/{cli}/status");
            Assert.False(IsSet(Mask(status, "SigIgn"), SigInt), "SIGINT is still ignored");
            Assert.All(new[] { SigInt, SigTerm, SigHup }, s => Assert.True(IsSet(Mask(status, "SigCgt"), s), $"signal {s} is not caught"));
            var held = CliProcess.HeldBy(cli);
            Assert.Contains(held, id => id.Kind == "link");

            // A task woken for the first time and run to its end: at least one wait to measure.
            using (var child = Process.Start("true")!)
            {
                child.WaitForExit();
            }

            Assert.True(TestNative.Signal(cli, signal));
            Assert.True(sh.WaitForExit(10_000), $"the CLI did not stop after signal {signal}");
            sh.WaitForExit();
            errorsRead.Wait();
            seen.AddRange(errors);

            Assert.Equal(0, sh.ExitCode);
            Assert.DoesNotContain(seen, l => l.Contains("Exception", StringComparison.Ordinal) || l.Contains("Unhandled", StringComparison.Ordinal));
            var reading = Regex.Match(output.Result, @"^Run-queue latency · ([\d,]+) events? in ", RegexOptions.Multiline);
            Assert.True(reading.Success, $"no reading printed: {output.Result}");
            Assert.True(long.Parse(reading.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture) >= 1);
            Assert.Matches(@"(?m)^min [\d.]+ (ns|µs|ms|s)  mean ", output.Result);

            // A link's id is freed when its last fd closes, which is before the parent can reap the process.
            Assert.Empty(BpfObjectId.AliveInKernel(held.Where(id => id.Kind == "link")));
            CliProcess.AssertReleased(held);
        }
        finally
        {
            if (!sh.HasExited)
            {
                sh.Kill(entireProcessTree: true);
            }
        }
    }

    private static ulong Mask(string status, string field)
    {
        var line = status.Split('\n').Single(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return ulong.Parse(line[(field.Length + 1)..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }

    private static bool IsSet(ulong mask, int signal) => (mask & (1UL << (signal - 1))) != 0;
}

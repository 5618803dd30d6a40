using System.Diagnostics;
using SchedTrace.Cli;
using SchedTrace.Engine;
using SchedTrace.Tests.Kernel;
using SchedTrace.Tests.Support;
using Xunit.Abstractions;

namespace SchedTrace.Tests.Faults;

/// <summary>
/// Limits of the process, set on the real CLI with prlimit: the session works, or the user is
/// told which limit stopped it and how to raise it (exit 7, one line).
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class ResourceLimitTests(ITestOutputHelper output)
{
    [KernelFact]
    public void LockedMemoryLimitOfZero_DoesNotStopASession_OnAKernelThatChargesTheMemoryCgroup()
    {
        // libbpf raises RLIMIT_MEMLOCK only where the kernel charges BPF memory to it (before
        // 5.11); here it must leave the limit at 0 and the kernel must not need it.
        using var cli = StartCli(["--memlock=0:0"], "switches", "--interval", "0.2", "--count", "2", "--total", "--verbose");
        var first = cli.StandardError.ReadLineAsync();
        Assert.True(first.Wait(TimeSpan.FromSeconds(60)), "the CLI wrote nothing on stderr");
        var memlock = File.ReadLines($"/proc/{cli.Id}/limits").Single(l => l.StartsWith("Max locked memory", StringComparison.Ordinal));
        var rest = cli.StandardError.ReadToEndAsync();
        var samples = cli.StandardOutput.ReadToEndAsync();
        Assert.True(cli.WaitForExit(60_000), "the CLI did not finish its two samples");
        output.WriteLine($"{first.Result}\n{rest.Result}\n{memlock}\n{samples.Result}");

        if (!KernelFeatures.ChargesBpfMemoryToCgroup)
        {
            // Linux before 5.11 (not this machine): the limit is what stops it, and the CLI says so.
            Assert.Equal(CommandLine.ExitLimit, cli.ExitCode);
            Assert.Contains("RLIMIT_MEMLOCK", first.Result);
            return;
        }
        Assert.Equal(0, cli.ExitCode);
        Assert.StartsWith("schedtrace: Started a session", first.Result);
        Assert.Matches(@"^Max locked memory\s+0\s+0\s+bytes", memlock);
        Assert.Equal(2 + 2, samples.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length); // header, rule, two rows
    }

    [Fact]
    public void MemlockError_NamesTheLimit_ItsValue_AndHowToRaiseIt()
    {
        // The message an older kernel gets (this one charges the memory cgroup instead).
        var error = ResourceLimits.MemlockTooLow(new Version(5, 10), 64 * 1024);

        Assert.Equal(SchedTraceErrorKind.LimitReached, error.Kind);
        Assert.Equal("MemlockLimitTooLow", error.ErrorId);
        Assert.Contains("RLIMIT_MEMLOCK", error.Message);
        Assert.Contains("64 KiB", error.Message);
        Assert.Contains("Linux 5.10", error.Message);
        Assert.Contains("ulimit -l unlimited", error.RecommendedAction);
        Assert.Contains("LimitMEMLOCK=infinity", error.RecommendedAction);
        Assert.Equal(CommandLine.ExitLimit, CommandLine.ExitCodeFor(error.Kind));
    }

    [KernelTheory]
    [InlineData("switches")]
    [InlineData("cputime")]
    [InlineData("events")]
    public void TooFewFileDescriptors_IsALimitError_NamingRlimitNofile(string verb)
    {
        // The limit is taken from the CLI itself: the files it holds with the session attached,
        // less a few. Everything before the session fits under it (the native CLI needs a few
        // files to start, the CLI on the .NET runtime about 45); the session's maps, programs and
        // links (twenty or more) do not.
        int withSession = FilesHeldWithSession(verb);
        int limit = withSession - 5;
        using var cli = StartCli([$"--nofile={limit}:{limit}"], verb, "--duration", "0.1");
        var errors = cli.StandardError.ReadToEndAsync();
        var stdout = cli.StandardOutput.ReadToEndAsync();
        Assert.True(cli.WaitForExit(60_000), "the CLI did not end");
        output.WriteLine($"{withSession} files with the session; limit {limit}: {errors.Result}");

        Assert.Equal(CommandLine.ExitLimit, cli.ExitCode);
        Assert.Equal(string.Empty, stdout.Result);
        var line = Assert.Single(errors.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("schedtrace: This process has ", line);
        Assert.Contains($"may open {limit} (RLIMIT_NOFILE)", line);
        Assert.Contains("ulimit -n", line);
    }

    /// <summary>How many files the CLI holds once the verb's session is attached (no limit set).</summary>
    private static int FilesHeldWithSession(string verb)
    {
        // Until killed: events runs until Ctrl+C, the others sample once a minute.
        using var cli = StartCli([], verb == "events" ? [verb, "--verbose"] : [verb, "--interval", "60", "--verbose"]);
        try
        {
            var first = cli.StandardError.ReadLineAsync();
            Assert.True(first.Wait(TimeSpan.FromSeconds(60)), "the CLI wrote nothing on stderr");
            Assert.StartsWith("schedtrace: Started a session", first.Result);
            return Directory.GetFileSystemEntries($"/proc/{cli.Id}/fd").Length;
        }
        finally
        {
            cli.Kill();
            cli.WaitForExit();
        }
    }

    private static Process StartCli(string[] limits, params string[] args)
    {
        var start = new ProcessStartInfo("prlimit") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in limits.Concat(["--"]).Concat(CliBinary.Command).Concat(args))
        {
            start.ArgumentList.Add(arg);
        }
        return Process.Start(start)!;
    }
}

using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using SchedTrace.Cli;
using SchedTrace.Engine;
using SchedTrace.Tests.Kernel;
using SchedTrace.Tests.Support;

namespace SchedTrace.Tests.Cli;

[Collection(KernelCollection.Name)]
public sealed class CliTests
{
    private static (int Exit, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [KernelFact]
    public void Switches_Json_IsOneObjectPerCpuWithThePowerShellPropertyNames()
    {
        var (exit, output, errors) = Run("switches", "--duration", "0.3", "--json");
        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, errors);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(CpuTopology.Online().Count, lines.Length);
        var expected = typeof(ContextSwitchCount).GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name).ToList();
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line);
            Assert.Equal(expected, json.RootElement.EnumerateObject().Select(p => p.Name).ToList());
            var row = json.RootElement;
            Assert.Equal(row.GetProperty("Voluntary").GetInt64() + row.GetProperty("Involuntary").GetInt64() + row.GetProperty("FromIdle").GetInt64(), row.GetProperty("Switches").GetInt64());
            Assert.InRange(TimeSpan.Parse(row.GetProperty("Duration").GetString()!).TotalSeconds, 0.29, 3);
            Assert.EndsWith("Z", row.GetProperty("WindowStart").GetString());
        }
    }

    [KernelFact]
    public void Switches_Csv_HasAHeaderAndOneRowPerSample()
    {
        var (exit, output, _) = Run("switches", "--interval", "100ms", "--count", "2", "--total", "--csv");
        Assert.Equal(0, exit);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("\"Sample\",\"Cpu\",\"Switches\"", lines[0]);
        Assert.StartsWith("\"1\",\"\",", lines[1]);
        Assert.StartsWith("\"2\",\"\",", lines[2]);
    }

    [KernelFact]
    public void Switches_Table_ReadsWell()
    {
        var (exit, output, _) = Run("switches", "--duration", "0.2", "--total");
        Assert.Equal(0, exit);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Contains("VOLUNTARY", lines[0]);
        Assert.Matches(@"^\s+all\s+\d+", lines[2]);
    }

    [KernelFact]
    public void Verbose_SaysWhatWasAttachedAndTheWindow_InAFewLines_AndDebugAddsLibbpfsLog()
    {
        var (exit, _, errors) = Run("switches", "--duration", "0.2", "--total", "--pid", $"{Environment.ProcessId},1", "--verbose");
        Assert.Equal(0, exit);
        var lines = errors.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, l => Assert.StartsWith("schedtrace: ", l));
        Assert.InRange(lines.Length, 3, 6);
        Assert.Contains(lines, l => l.Contains("Attached tp_btf/sched_switch", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains($"Kernel filters: processes 1, {Environment.ProcessId}", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Reading from ", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("libbpf", StringComparison.Ordinal));

        var (debugExit, _, debugErrors) = Run("switches", "--duration", "0.1", "--total", "--debug");
        Assert.Equal(0, debugExit);
        var debugLines = debugErrors.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(debugLines.Count(l => l.StartsWith("libbpf: debug: ", StringComparison.Ordinal)) > 100, "libbpf logs its relocations at debug level");
        Assert.Contains(debugLines, l => l.Contains("Attached tp_btf/sched_switch", StringComparison.Ordinal));
    }

    [KernelFact]
    public void EventsAndSwitches_TakeSeveralPids()
    {
        var (exit, output, _) = Run("events", "--pid", $"{Environment.ProcessId},1", "--count", "3", "--duration", "5", "--json");
        Assert.Equal(0, exit);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line);
            int prev = json.RootElement.GetProperty("PrevProcessId").GetInt32(), next = json.RootElement.GetProperty("NextProcessId").GetInt32();
            Assert.True(prev is 1 || next is 1 || prev == Environment.ProcessId || next == Environment.ProcessId, $"switch {prev} -> {next} was let through");
        }
        Assert.Equal(0, Run("switches", "--pid", $"{Environment.ProcessId},1", "--tid", $"{Environment.ProcessId}", "--duration", "0.1").Exit);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("switches", "--duration", "soon")]
    [InlineData("switches", "--duration", "-1")]
    [InlineData("switches", "--json", "--csv")]
    [InlineData("switches", "--count", "3")]
    [InlineData("switches", "--pid", "0")]
    [InlineData("switches", "--pid", "1,x")]
    [InlineData("events", "--tid", "0,1")]
    [InlineData("switches", "--bogus")]
    [InlineData("switches", "--duration")]
    public void BadArguments_ExitTwoWithOneLineOnStderr(params string[] args)
    {
        var (exit, output, errors) = Run(args);
        Assert.Equal(CommandLine.ExitUsage, exit);
        Assert.Equal(string.Empty, output);
        Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("schedtrace: ", errors);
    }

    [Fact]
    public void ExitCodes_AreDistinctPerErrorKind()
    {
        var codes = Enum.GetValues<SchedTraceErrorKind>().Select(CommandLine.ExitCodeFor).ToList();
        Assert.DoesNotContain(CommandLine.ExitOk, codes);
        Assert.Equal(CommandLine.ExitPermission, CommandLine.ExitCodeFor(SchedTraceErrorKind.PermissionDenied));
        Assert.Equal(CommandLine.ExitNotSupported, CommandLine.ExitCodeFor(SchedTraceErrorKind.NotSupported));
        Assert.Equal(CommandLine.ExitNotInstalled, CommandLine.ExitCodeFor(SchedTraceErrorKind.NotInstalled));
        Assert.Equal(CommandLine.ExitAttach, CommandLine.ExitCodeFor(SchedTraceErrorKind.AttachFailed));
    }

    [Fact]
    public void TheCli_IsANativeExecutable_ThatRunsWithoutDotnet()
    {
        // What users get: an ELF executable (NativeAOT), not an apphost that needs a .NET runtime.
        var head = new byte[4];
        using (var file = File.OpenRead(CliBinary.Path))
        {
            file.ReadExactly(head);
        }
        Assert.Equal(new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F' }, head);
        Assert.False(File.Exists(Path.ChangeExtension(CliBinary.Path, ".dll")), "a managed schedtrace.dll lies next to the native CLI");
        var start = CliBinary.Start("--version");
        start.Environment.Clear(); // no PATH to dotnet, no DOTNET_ROOT
        using var process = Process.Start(start)!;
        var version = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        Assert.StartsWith(typeof(CommandLine).Assembly.GetName().Version!.ToString(3), version);
    }

    [Fact]
    public void TheNativeCli_CallsTheLibBpfItLinksIn()
    {
        // Every make builds libbpf (scripts/build-libbpf.sh): that version maps the kernel's BTF,
        // where Debian 12's 1.1 copies it twice (11 MiB of the CLI's peak). A build that could not
        // get it links the system's; CI always gets it.
        var expected = RepoPaths.BuiltLibBpfVersion() ?? SchedTraceSession.LibBpfVersion;
        using var process = Process.Start(CliBinary.Start("--version"))!;
        var lines = process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        Assert.Equal($"libbpf {expected}", lines[^1]);
    }

    [Fact]
    public void TheEngine_CallsTheLibBpfBesideIt()
    {
        // The build puts that libbpf.so.1 beside SchedTrace.Core.dll (here, the tests' folder; for
        // pwsh, the module's), where .NET looks before the system's libraries.
        Assert.Equal(RepoPaths.BuiltLibBpfVersion() ?? SchedTraceSession.LibBpfVersion, SchedTraceSession.LibBpfVersion);
    }

    [KernelTheory]
    [InlineData(typeof(ContextSwitchCount), "switches", "--duration", "0.1", "--json")]
    [InlineData(typeof(LatencyStatistics), "runqlat", "--duration", "0.1", "--json")]
    public void TheNativeCli_WritesJsonWithThePowerShellPropertyNames(Type record, params string[] args)
    {
        // The trimmed native build writes from the same generated contract as the in-process tests use.
        // Neither reading can be empty: switches has a row per CPU, and runqlat's window holds at
        // least the CLI's own wait, its thread woken by the timer that ends the window.
        using var process = Process.Start(CliBinary.Start(args))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, errors);
        var expected = record.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name).ToList();
        var lines = output.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line);
            Assert.Equal(expected, json.RootElement.EnumerateObject().Select(p => p.Name).ToList());
            Assert.EndsWith("Z", json.RootElement.GetProperty("WindowStart").GetString());
        }
    }

    [KernelFact]
    public void OutputThatCannotBeWritten_ExitsOneWithOneLineOnStderr()
    {
        // /dev/full fails every write with ENOSPC, as a terminal that hung up fails with EIO.
        var start = new ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-c", "exec \"$@\" > /dev/full", "sh", CliBinary.Path, "switches", "--duration", "0.1" })
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(CommandLine.ExitFailure, process.ExitCode);
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("schedtrace: could not write the output: ", line);
    }

    [KernelFact]
    public void Unprivileged_GetsPermissionDeniedWithAdvice()
    {
        // Run the real CLI as 'nobody' with every capability dropped, from a copy that nobody can
        // reach: the build folder may lie under a directory only root can enter (a clone under
        // /root or in a mktemp -d folder), and there nobody could not even start it.
        using var copy = ReachableCopy.Of(Path.GetDirectoryName(CliBinary.Path)!, Path.GetFileName(CliBinary.Path));
        var cli = Path.Combine(copy.Directory, Path.GetFileName(CliBinary.Path));
        var start = new ProcessStartInfo("setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--", cli, "switches", "--duration", "0.1" })
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["HOME"] = "/tmp";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "the CLI did not exit");

        Assert.Equal(CommandLine.ExitPermission, process.ExitCode);
        Assert.Equal(string.Empty, output.Result);
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("CAP_BPF", line);
        Assert.Contains("sudo", line);
    }
}

/// <summary>A copy of some files in a fresh directory under /tmp that every user can enter, read and run.</summary>
internal sealed class ReachableCopy : IDisposable
{
    private const UnixFileMode Readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode Runnable = Readable | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    private ReachableCopy(string directory) => Directory = directory;

    public string Directory { get; }

    public static ReachableCopy Of(string source, params string[] patterns)
    {
        // CreateTempSubdirectory makes it 0700; /tmp itself is open to all.
        var target = System.IO.Directory.CreateTempSubdirectory("schedtrace-cli-").FullName;
        File.SetUnixFileMode(target, Runnable);
        foreach (var file in patterns.SelectMany(pattern => System.IO.Directory.GetFiles(source, pattern)).Distinct())
        {
            var copied = Path.Combine(target, Path.GetFileName(file));
            File.Copy(file, copied);
            File.SetUnixFileMode(copied, Runnable);
        }
        return new ReachableCopy(target);
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}

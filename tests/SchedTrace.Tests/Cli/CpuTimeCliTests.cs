using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using SchedTrace.Cli;
using SchedTrace.Tests.Kernel;
using SchedTrace.Tests.Support;

namespace SchedTrace.Tests.Cli;

[Collection(KernelCollection.Name)]
public sealed class CpuTimeCliTests
{
    private static (int Exit, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [KernelFact]
    public void CpuTime_Json_FindsABusyChildWithThePowerShellPropertyNames()
    {
        // A shell busy loop; killed in finally, and by the kernel if the test process dies first
        // (setpriv's parent-death signal, which the exec of sh keeps), so it lives only as long as the test.
        using var busy = Process.Start(new ProcessStartInfo("setpriv", new[] { "--pdeathsig", "KILL", "sh", "-c", "while :; do :; done" }))!;
        try
        {
            // Past both execs (setpriv, then sh): the row's name is the comm at the reading.
            var execed = Stopwatch.StartNew();
            while (File.ReadAllText($"/proc/{busy.Id}/comm").Trim() != "sh" && execed.Elapsed < TimeSpan.FromSeconds(5))
            {
                Thread.Sleep(5);
            }
            long before = ProcFs.ThreadRuntimeNs(busy.Id, busy.Id);
            var (exit, output, errors) = Run("cputime", "--duration", "0.5", "--pid", busy.Id.ToString(), "--json");
            long after = ProcFs.ThreadRuntimeNs(busy.Id, busy.Id);
            Assert.Equal(0, exit);
            Assert.Equal(string.Empty, errors);
            var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            using var json = JsonDocument.Parse(line);
            var expected = typeof(ProcessCpuTime).GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name).ToList();
            Assert.Equal(expected, json.RootElement.EnumerateObject().Select(p => p.Name).ToList());
            Assert.Equal(busy.Id, json.RootElement.GetProperty("ProcessId").GetInt32());
            Assert.Equal("sh", json.RootElement.GetProperty("Name").GetString());
            // The loop competes with whatever else runs, so no fixed share is promised; but the
            // window lies inside [before, after], so it cannot exceed the kernel's figure there
            // (+ one tick either side, as a running task's schedstat lags by up to a tick).
            long cpuNs = json.RootElement.GetProperty("CpuTimeNs").GetInt64();
            Assert.InRange(cpuNs, 10_000_000, after - before + 20_000_000);
            Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("ThreadId").ValueKind);
        }
        finally
        {
            busy.Kill();
            busy.WaitForExit();
        }
    }

    [KernelFact]
    public void CpuTime_TopAndThreads_LimitAndSortTheRows()
    {
        using var load = PingPong.UntilDisposed();
        var (exit, output, _) = Run("cputime", "--duration", "0.3", "--top", "3", "--threads", "--csv");
        Assert.Equal(0, exit);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.InRange(lines.Length, 2, 4);
        Assert.StartsWith("\"Sample\",\"ProcessId\",\"ThreadId\",\"Name\",\"CpuTime\",\"CpuTimeNs\"", lines[0]);
        var cpuNs = lines.Skip(1).Select(l => long.Parse(l.Split(',')[5].Trim('"'))).ToList();
        Assert.Equal(cpuNs.OrderDescending(), cpuNs);
        Assert.All(lines.Skip(1), l => Assert.NotEqual("\"\"", l.Split(',')[2]));
    }

    [KernelFact]
    public void CpuTime_Table_HasAHeaderAndAlignedRows()
    {
        var (exit, output, _) = Run("cputime", "--duration", "0.2", "--top", "2", "--name", "*");
        Assert.Equal(0, exit);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("CPU TIME", lines[0]);
        Assert.True(lines.Length >= 3);
    }

    [Theory]
    [InlineData("cputime", "--top", "0")]
    [InlineData("cputime", "--pid", "1,x")]
    [InlineData("cputime", "--total")]
    [InlineData("cputime", "--tid", "4")]
    public void BadArguments_ExitTwo(params string[] args)
    {
        var (exit, output, errors) = Run(args);
        Assert.Equal(CommandLine.ExitUsage, exit);
        Assert.Equal(string.Empty, output);
        Assert.StartsWith("schedtrace: ", errors);
    }
}

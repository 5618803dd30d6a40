using System.Diagnostics;
using System.Globalization;

namespace SchedTrace.Tests.Support;

/// <summary>The real CLI as a separate process, interrupted the way a terminal's Ctrl+C does.</summary>
public static class CliProcess
{
    /// <summary>Runs the real CLI, waits until it has attached, sends SIGINT as a terminal's Ctrl+C would.</summary>
    public static (int Exit, string Out, string Err, HashSet<BpfObjectId> Held, TimeSpan StopTime) RunUntilInterrupted(params string[] args)
    {
        using var process = Process.Start(CliBinary.Start(args))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            var attached = Stopwatch.StartNew();
            var held = new HashSet<BpfObjectId>();
            while (!held.Any(id => id.Kind == "link") && attached.Elapsed < TimeSpan.FromSeconds(30))
            {
                Thread.Sleep(20);
                held = HeldBy(process.Id);
            }
            Assert.Contains(held, id => id.Kind == "link");
            Thread.Sleep(300); // something to measure before the interrupt
            held.UnionWith(HeldBy(process.Id));
            var stopping = Stopwatch.StartNew();
            Assert.True(TestNative.Interrupt(process.Id));
            Assert.True(process.WaitForExit(10_000), "the CLI did not stop after SIGINT");
            process.WaitForExit(); // and the output is read to the end
            return (process.ExitCode, output.Result, errors.Result, held, stopping.Elapsed);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    /// <summary>Neither the programs, the maps nor the links the CLI held are left in the kernel.</summary>
    public static void AssertReleased(HashSet<BpfObjectId> held)
    {
        Assert.Contains(held, id => id.Kind == "prog");
        // The kernel frees a program or map after an RCU grace period: give it a moment.
        var stillAlive = BpfObjectId.AliveInKernel(held);
        for (int attempt = 0; attempt < 50 && stillAlive.Count > 0; attempt++)
        {
            Thread.Sleep(100);
            stillAlive = BpfObjectId.AliveInKernel(held);
        }
        Assert.Empty(stillAlive);
    }

    /// <summary>The BPF objects process <paramref name="pid"/> holds an fd to (the first id line of each fdinfo).</summary>
    public static HashSet<BpfObjectId> HeldBy(int pid)
    {
        var ids = new HashSet<BpfObjectId>();
        string[] files;
        try
        {
            files = Directory.GetFiles($"/proc/{pid}/fdinfo");
        }
        catch (IOException)
        {
            return ids;
        }
        catch (UnauthorizedAccessException)
        {
            return ids;
        }
        foreach (var file in files)
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(file);
            }
            catch (IOException)
            {
                continue; // the fd closed while we listed
            }
            var first = lines.Select(l => l.Split(':', 2)).FirstOrDefault(p => p.Length == 2 && p[0] is "prog_id" or "map_id" or "link_id");
            if (first is not null && uint.TryParse(first[1].Trim(), CultureInfo.InvariantCulture, out uint id))
            {
                ids.Add(new BpfObjectId(first[0][..^3], id));
            }
        }
        return ids;
    }
}

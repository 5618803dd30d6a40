using System.Diagnostics;
using System.Text.Json;

namespace SchedTrace.Tests.Support;

/// <summary>
/// The kernel's BPF programs, maps and links as bpftool lists them: an oracle that is not
/// SchedTrace's own code (scripts/install-deps.sh installs bpftool).
/// </summary>
public static class Bpftool
{
    /// <summary>The ids bpftool lists now, of every kind.</summary>
    public static HashSet<BpfObjectId> List()
    {
        var ids = new HashSet<BpfObjectId>();
        foreach (var (kind, command) in new[] { ("prog", "prog"), ("map", "map"), ("link", "link") })
        {
            using var json = JsonDocument.Parse(Run(command, "show", "-j"));
            foreach (var entry in json.RootElement.EnumerateArray())
            {
                ids.Add(new BpfObjectId(kind, entry.GetProperty("id").GetUInt32()));
            }
        }
        return ids;
    }

    /// <summary>
    /// Those of <paramref name="held"/> that bpftool still lists, once the kernel has freed what a
    /// dead process held. A link and its program go when the last fd closes, but the kernel drops
    /// the program's reference only after an RCU grace period (tasks-trace for tp_btf), and a map
    /// goes with the last program that uses it, from a workqueue: nothing a process can wait on
    /// marks that, so this lists again (every 100 ms, bpftool's listing itself takes tens of
    /// milliseconds) until none is left or <paramref name="timeout"/> has passed. The test does
    /// nothing again; it waits for the kernel's deferred frees.
    /// </summary>
    public static HashSet<BpfObjectId> StillListed(IReadOnlyCollection<BpfObjectId> held, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var left = List();
            left.IntersectWith(held);
            if (left.Count == 0 || clock.Elapsed > timeout)
            {
                return left;
            }
            Thread.Sleep(100);
        }
    }

    private static string Run(params string[] args)
    {
        var start = new ProcessStartInfo("bpftool") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("bpftool is not installed: run sudo scripts/install-deps.sh (Debian package bpftool).", e);
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"bpftool {string.Join(' ', args)} exited {process.ExitCode}: {errors.Result}");
            }
            return output.Result;
        }
    }
}

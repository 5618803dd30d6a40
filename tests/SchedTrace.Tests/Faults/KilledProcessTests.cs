using System.Diagnostics;
using SchedTrace.Tests.Kernel;
using SchedTrace.Tests.Support;
using Xunit.Abstractions;

namespace SchedTrace.Tests.Faults;

/// <summary>
/// A CLI killed with SIGKILL runs no handler and no finalizer: whatever it attached must go
/// with its file descriptors, which the kernel closes when the process dies. bpftool is the
/// oracle for what the kernel still holds.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class KilledProcessTests(ITestOutputHelper output)
{
    [KernelTheory]
    [InlineData("events", "--type", "switch,wakeup,migrate")] // a ring buffer, mmapped
    [InlineData("cputime", "--interval", "60")]               // a task iterator link
    [InlineData("runqlat")]                                   // task storage and histograms
    public void KilledCli_LeavesNoProgramMapOrLink(params string[] args)
    {
        using var process = Process.Start(CliBinary.Start([.. args, "--verbose"]))!;
        var stdout = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
        HashSet<BpfObjectId> held;
        try
        {
            // --verbose describes the session once it is attached: its first line is the signal.
            var first = process.StandardError.ReadLineAsync();
            Assert.True(first.Wait(TimeSpan.FromSeconds(60)), "the CLI wrote nothing on stderr");
            Assert.StartsWith("schedtrace: Started a session", first.Result);
            held = CliProcess.HeldBy(process.Id);
            output.WriteLine($"{string.Join(' ', args)} held {held.Count(i => i.Kind == "prog")} programs, {held.Count(i => i.Kind == "map")} maps, {held.Count(i => i.Kind == "link")} links");
            Assert.Contains(held, id => id.Kind == "prog");
            Assert.Contains(held, id => id.Kind == "map");
            Assert.Contains(held, id => id.Kind == "link");
            // The oracle sees them while the CLI lives, so its silence afterwards means something.
            Assert.Subset(Bpftool.List(), held);
        }
        finally
        {
            process.Kill(); // SIGKILL
            process.WaitForExit();
        }
        Assert.Equal(128 + 9, process.ExitCode);

        var left = Bpftool.StillListed(held, TimeSpan.FromSeconds(10));
        Assert.True(left.Count == 0, $"bpftool still lists {string.Join(", ", left)} 10 s after the CLI was killed");
    }
}

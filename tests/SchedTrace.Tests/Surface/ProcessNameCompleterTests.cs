using System.Collections;
using System.Diagnostics;
using SchedTrace.PowerShell;

namespace SchedTrace.Tests.Surface;

/// <summary>
/// Get-ProcessCpuTime and Watch-SchedEvent -Name completion. The matching is tested on given
/// name lists (no /proc needed); one test per mode reads the real /proc and finds this test
/// host in it.
/// </summary>
public sealed class ProcessNameCompleterTests
{
    private static readonly string[] Names = ["sshd", "bash", "sh", "Xorg", "sh", "kworker/0:1H", "systemd", "(sd-pam)", "a[1]", "a1"];

    [Theory]
    [InlineData("", new[] { "(sd-pam)", "a1", "a[1]", "bash", "kworker/0:1H", "sh", "sshd", "systemd", "Xorg" })]
    [InlineData("s", new[] { "sh", "sshd", "systemd" })]
    [InlineData("S", new[] { "sh", "sshd", "systemd" })] // comm is case-sensitive, -Name is not
    [InlineData("x", new[] { "Xorg" })]
    [InlineData("sh", new[] { "sh" })] // a prefix, not a substring
    [InlineData("*sh", new[] { "bash", "sh", "sshd" })]
    [InlineData("s?s", new[] { "systemd" })]
    [InlineData("[bx]", new[] { "bash", "Xorg" })]
    [InlineData("[a-c]a", new[] { "bash" })]
    [InlineData("'ss", new[] { "sshd" })] // an opened quote is not part of the name
    [InlineData("\"kw", new[] { "kworker/0:1H" })]
    [InlineData("(", new[] { "(sd-pam)" })]
    [InlineData("a[", new string[0])] // an unclosed [ is no pattern PowerShell accepts
    [InlineData("a`[", new[] { "a[1]" })] // escaped: a literal [, not a set
    [InlineData("a[1]", new[] { "a1" })] // unescaped: a set, as -Name reads it
    [InlineData("zz", new string[0])]
    public void Matching_FiltersByWhatWasTyped_DistinctAndSorted(string typed, string[] expected)
    {
        Assert.Equal(expected, ProcessNameCompleter.Matching(Names, typed));
    }

    [Fact]
    public void Matching_KeepsNamesThatDifferOnlyInCase()
    {
        // Two comms, two processes: the menu shows both even though -Name would match either.
        Assert.Equal(["Xorg", "xorg"], ProcessNameCompleter.Matching(["xorg", "Xorg", "xorg"], "x"));
    }

    [Fact]
    public void Matching_AcceptsANullWord()
    {
        Assert.Equal(["a", "b"], ProcessNameCompleter.Matching(["b", "a"], null));
    }

    [Theory]
    [InlineData("sh", "sh")]
    [InlineData("kworker/0:1H", "kworker/0:1H")]
    [InlineData("python3.12", "python3.12")]
    [InlineData("(sd-pam)", "'(sd-pam)'")] // bare, PowerShell would run it as an expression
    [InlineData("Web Content", "'Web Content'")]
    [InlineData("tmux: server", "'tmux: server'")]
    [InlineData("it's", "'it''s'")]
    [InlineData("-bash", "'-bash'")] // bare, it would read as a parameter name
    [InlineData("$x", "'$x'")]
    [InlineData("a[1]", "'a`[1`]'")] // escaped so that -Name takes it literally
    [InlineData("what?", "'what`?'")]
    public void CompletionText_QuotesAndEscapesWhatPowerShellWouldMisread(string name, string expected)
    {
        Assert.Equal(expected, ProcessNameCompleter.CompletionText(name));
    }

    public static TheoryData<Hashtable?, bool> BoundParameters => new()
    {
        { null, false },
        { new Hashtable(), false },
        { new Hashtable { ["Top"] = 5 }, false },
        { new Hashtable { ["PerThread"] = true }, true },
        { new Hashtable { ["PerThread"] = false }, false },
    };

    [Theory]
    [MemberData(nameof(BoundParameters))]
    public void PerThread_SwitchesToThreadNames(Hashtable? bound, bool threads)
    {
        Assert.Equal(threads, ProcessNameCompleter.WantsThreadNames(bound));
    }

    public static TheoryData<string?, Hashtable?, bool> CommandsAndBoundParameters => new()
    {
        // Switch, wakeup and migrate events name threads: Watch-SchedEvent always wants thread names.
        { "Watch-SchedEvent", null, true },
        { "Watch-SchedEvent", new Hashtable { ["Type"] = "Wakeup" }, true },
        { "watch-schedevent", new Hashtable(), true }, // PowerShell matches command names in any case
        { "SchedTrace\\Watch-SchedEvent", new Hashtable(), true }, // module-qualified
        // Inversions name threads too (the waiting task, the owner, the tasks that ran instead).
        { "Watch-PriorityInversion", null, true },
        // Get-ProcessCpuTime keeps its -PerThread rule.
        { "Get-ProcessCpuTime", new Hashtable(), false },
        { "Get-ProcessCpuTime", new Hashtable { ["PerThread"] = true }, true },
        { "SchedTrace\\Get-ProcessCpuTime", new Hashtable { ["PerThread"] = false }, false },
        // Only the whole name counts, not a command that merely contains it.
        { "Watch-SchedEvents", new Hashtable(), false },
        { "My\\Watch-SchedEventX", new Hashtable(), false },
        { null, new Hashtable { ["PerThread"] = true }, true },
        { string.Empty, null, false },
    };

    [Theory]
    [MemberData(nameof(CommandsAndBoundParameters))]
    public void WatchSchedEvent_CompletesThreadNames_GetProcessCpuTimeOnlyWithPerThread(string? command, Hashtable? bound, bool threads)
    {
        Assert.Equal(threads, ProcessNameCompleter.WantsThreadNames(command, bound));
    }

    [Fact]
    public void CompleteArgument_ForWatchSchedEvent_OffersANamedThreadOfThisProcess()
    {
        // Through the IArgumentCompleter entry point: a thread whose comm no process has is
        // offered for Watch-SchedEvent and not for Get-ProcessCpuTime (without -PerThread).
        const string threadName = "stwatch-complet";
        using var release = new ManualResetEventSlim();
        using var started = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            started.Set();
            release.Wait();
        })
        { Name = threadName, IsBackground = true };
        thread.Start();
        try
        {
            started.Wait();
            var completer = new ProcessNameCompleter();
            var forWatch = completer.CompleteArgument("Watch-SchedEvent", "Name", "stwatch", null!, new Hashtable()).ToList();
            var forCpuTime = completer.CompleteArgument("Get-ProcessCpuTime", "Name", "stwatch", null!, new Hashtable()).ToList();

            // One result each way: the texts cannot be read back here, because the reference
            // stub's CompletionResult keeps nothing; Matching and CompletionText are tested above.
            Assert.Single(forWatch);
            Assert.Empty(forCpuTime);
        }
        finally
        {
            release.Set();
            thread.Join();
        }
    }

    [Fact]
    public void ReadComms_FindsThisProcessByItsComm()
    {
        // .NET's ProcessName comes from /proc/<pid>/stat, not from the comm file read here.
        var own = Process.GetCurrentProcess().ProcessName;
        var comms = ProcessNameCompleter.ReadComms(threads: false);
        Assert.Contains(own.Length > 15 ? own[..15] : own, comms);
        Assert.Contains(ProcessNameCompleter.Matching(comms, own[..1]), n => n == own[..Math.Min(own.Length, 15)]);
    }

    [Fact]
    public void ReadComms_WithThreads_FindsANamedThreadOfThisProcess()
    {
        // .NET gives a named thread that name in the kernel (cut to 15 characters).
        const string threadName = "stcomplete-prob";
        using var release = new ManualResetEventSlim();
        using var started = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            started.Set();
            release.Wait();
        })
        { Name = threadName, IsBackground = true };
        thread.Start();
        try
        {
            started.Wait();
            Assert.Contains(threadName, ProcessNameCompleter.ReadComms(threads: true));
            Assert.DoesNotContain(threadName, ProcessNameCompleter.ReadComms(threads: false));
        }
        finally
        {
            release.Set();
            thread.Join();
        }
    }
}

using System.Diagnostics;
using SchedTrace.Cli;

namespace SchedTrace.Tests.Support;

/// <summary>The one place the tests find the real `schedtrace` command, to run it as its own process.</summary>
public static class CliBinary
{
    /// <summary>The command and the arguments that come before the CLI's own.</summary>
    public static IReadOnlyList<string> Command { get; } =
        ["dotnet", Path.Combine(Path.GetDirectoryName(typeof(CommandLine).Assembly.Location)!, "schedtrace.dll")];

    /// <summary>A start for the CLI with <paramref name="args"/>, its output redirected.</summary>
    public static ProcessStartInfo Start(params string[] args)
    {
        var start = new ProcessStartInfo(Command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in Command.Skip(1).Concat(args))
        {
            start.ArgumentList.Add(arg);
        }
        return start;
    }
}

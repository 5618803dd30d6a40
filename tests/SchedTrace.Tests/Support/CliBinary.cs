using System.Diagnostics;
using System.Reflection;

namespace SchedTrace.Tests.Support;

/// <summary>
/// The one place the tests find the real `schedtrace` command to run as its own process: the
/// native (NativeAOT) executable every build publishes, which is what users run. Its path comes
/// from the build (SchedTraceCliDir in Directory.Build.props, as the Makefile's CLI).
/// </summary>
public static class CliBinary
{
    /// <summary>The native executable.</summary>
    public static string Path { get; } = Find();

    /// <summary>The command and the arguments that come before the CLI's own.</summary>
    public static IReadOnlyList<string> Command { get; } = [Path];

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

    private static string Find()
    {
        var path = typeof(CliBinary).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "SchedTraceCli").Value!;
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"The native CLI {path} is missing: build it with `make build` (or dotnet build SchedTrace.slnx -c Release), which publishes it there.", path);
    }
}

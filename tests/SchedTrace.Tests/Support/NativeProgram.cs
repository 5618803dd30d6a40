using System.Diagnostics;

namespace SchedTrace.Tests.Support;

/// <summary>The test workloads written in C (Support/Native), built with gcc on first use.</summary>
public static class NativeProgram
{
    /// <summary>Builds Support/Native/<paramref name="name"/>.c into a fresh temporary directory and returns the binary's path.</summary>
    public static string Build(string name)
    {
        var source = Path.Combine(RepoPaths.RepoRoot, "tests", "SchedTrace.Tests", "Support", "Native", name + ".c");
        var directory = Directory.CreateTempSubdirectory($"schedtrace-{name}-");
        var binary = Path.Combine(directory.FullName, name);
        var gcc = new ProcessStartInfo("gcc") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-O2", "-Wall", "-Wextra", "-Werror", "-pthread", "-o", binary, source })
        {
            gcc.ArgumentList.Add(argument);
        }
        using var build = Process.Start(gcc) ?? throw new InvalidOperationException("gcc did not start (sudo apt-get install gcc)");
        var errors = build.StandardError.ReadToEnd();
        build.WaitForExit();
        return build.ExitCode == 0 ? binary : throw new InvalidOperationException($"gcc could not build {source}: {errors}");
    }
}

using System.Diagnostics;

namespace SchedTrace.Tests.Surface;

/// <summary>What a finished child process printed and returned.</summary>
public sealed record ToolResult(int ExitCode, string StandardOutput, string StandardError)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}";
}

/// <summary>Runs the external checkers (git, pwsh-lint) the surface tests rely on.</summary>
public static class ExternalTool
{
    // The first pwsh-lint call may install its node modules with npm: allow for that.
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    public static ToolResult Run(string fileName, IEnumerable<string> arguments, string workingDirectory)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        // Read both streams concurrently so a chatty child cannot fill one pipe and stall.
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', start.ArgumentList)} did not finish within {Timeout}.");
        }
        return new ToolResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}

using System.Diagnostics;

namespace SchedTrace.Bench;

/// <summary>Finished command: exit code and everything it printed.</summary>
internal sealed record CommandResult(int ExitCode, string Stdout, string Stderr);

/// <summary>Runs helper commands (taskset, perf, mount, lscpu) and finds programs on PATH.</summary>
internal static class Run
{
    /// <summary>Runs a short helper command (mount, lscpu) to completion.</summary>
    internal static CommandResult Checked(string file, params string[] args) => Command(file, args, CancellationToken.None);

    /// <summary>
    /// Runs a command to completion. While it runs it is registered for cleanup, so any exit of
    /// the harness kills it too; <paramref name="cancel"/> kills it early and throws.
    /// </summary>
    internal static CommandResult Command(string file, IReadOnlyList<string> args, CancellationToken cancel)
    {
        using var process = Start(file, args);
        using var kill = Cleanup.Register($"kill {file} (pid {process.Id})", () => KillIfRunning(process));
        using var onCancel = cancel.Register(() => KillIfRunning(process));
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        process.WaitForExit();
        cancel.ThrowIfCancellationRequested();
        return new CommandResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Starts a command with its output redirected (the caller must drain both streams).</summary>
    internal static Process Start(string file, IReadOnlyList<string> args)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true, // bpftrace and perf must never read our terminal
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        return Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}.");
    }

    internal static void KillIfRunning(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit(2000);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped: nothing to kill.
        }
    }

    /// <summary>The full path of an executable on PATH (sudo may trim PATH, so /usr/sbin is added).</summary>
    internal static string? Which(string name)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "") + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => System.IO.Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>First line of a command's output, or a placeholder if it is missing or fails.</summary>
    internal static string FirstLine(string file, params string[] args)
    {
        try
        {
            var result = Checked(file, args);
            var text = result.Stdout.Length > 0 ? result.Stdout : result.Stderr;
            return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? "(no output)";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "(not installed)";
        }
    }
}

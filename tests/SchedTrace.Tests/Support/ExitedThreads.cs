using System.Diagnostics;

namespace SchedTrace.Tests.Support;

/// <summary>
/// Runs Support/Native/exited_threads.c (built with gcc on first use): a process that, on the
/// test's word, starts and joins threads one after another, each with a new thread id.
/// </summary>
public sealed class ExitedThreads : IDisposable
{
    private static readonly Lazy<string> Binary = new(() => NativeProgram.Build("exited_threads"));
    private readonly Process process;

    private ExitedThreads(Process process) => this.process = process;

    public int ProcessId => process.Id;

    public static ExitedThreads Start()
    {
        var start = new ProcessStartInfo(Binary.Value) { RedirectStandardInput = true, RedirectStandardOutput = true };
        var threads = new ExitedThreads(Process.Start(start) ?? throw new InvalidOperationException("exited_threads did not start"));
        threads.WaitFor("ready");
        return threads;
    }

    /// <summary>Starts and joins <paramref name="count"/> threads; returns once the last has exited.</summary>
    public void Run(int count)
    {
        process.StandardInput.WriteLine(count);
        process.StandardInput.Flush();
        WaitFor($"done {count}");
    }

    private void WaitFor(string expected)
    {
        var line = process.StandardOutput.ReadLineAsync();
        if (!line.Wait(TimeSpan.FromSeconds(60)) || line.Result != expected)
        {
            throw new TimeoutException($"exited_threads did not print '{expected}'");
        }
    }

    public void Dispose()
    {
        process.StandardInput.Close();
        if (!process.WaitForExit(10_000))
        {
            process.Kill();
        }
        process.Dispose();
    }
}

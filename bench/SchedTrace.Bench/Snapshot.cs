using System.Diagnostics;
using System.Globalization;
using SchedTrace.Engine;

namespace SchedTrace.Bench;

/// <summary>Snapshot timings for one table size and one population of live threads.</summary>
internal sealed record SnapshotCase(string Threads, string Sizing, long TableEntries, int Entries, long Dropped, IReadOnlyList<double> ReadTaskStatsMs, IReadOnlyList<double> BatchReadMs)
{
    internal double MedianMs => Sample.Median(ReadTaskStatsMs);

    internal double MedianBatchMs => Sample.Median(BatchReadMs);
}

internal sealed record SnapshotResult(int Threads, int Repetitions, IReadOnlyList<SnapshotCase> Cases, string? Skipped);

/// <summary>
/// What a CpuTime snapshot costs (SchedTraceSession.ReadTaskStats: an IPI per CPU, then batch
/// reads of the task table) with few live threads and with many. The engine sizes the table
/// from the threads alive at start (4 x threads, at least 16,384, at most pid_max); each
/// population is read with the table as the engine sizes it here, as it would size it on a
/// machine with pid_max 4194304 (same formula, without this machine's pid_max cap), and, for
/// comparison, as the previous engine sized it there (max_entries = pid_max = 4194304).
/// The many threads come from a small C helper whose threads each run once after the session
/// starts, so that every one of them is in the table when it is read.
/// </summary>
internal static class Snapshot
{
    internal const uint LargestPidMax = 4_194_304;

    internal static SnapshotResult Measure(int threads, int repetitions, string? gcc, Action<string> progress, CancellationToken cancel)
    {
        if (gcc is null)
        {
            return new SnapshotResult(threads, repetitions, [], "gcc is not installed (sudo apt-get install gcc): the thread helper could not be built");
        }
        uint pidMax = uint.Parse(File.ReadAllText("/proc/sys/kernel/pid_max").Trim(), CultureInfo.InvariantCulture);
        long threadsMax = long.Parse(File.ReadAllText("/proc/sys/kernel/threads-max").Trim(), CultureInfo.InvariantCulture);
        int live = Directory.EnumerateDirectories("/proc").Sum(d => int.TryParse(Path.GetFileName(d), out _) ? SafeThreadCount(d) : 0);
        if (live + threads > Math.Min(pidMax - 300, threadsMax))
        {
            return new SnapshotResult(threads, repetitions, [], $"{threads} more threads do not fit: {live} live, pid_max {pidMax}, threads-max {threadsMax}");
        }
        var cases = new List<SnapshotCase>();
        void Population(string label, Action? beforeReads)
        {
            // The engine's formula (SchedTraceSession.TaskTable) with pid_max 4194304 instead of ours.
            uint onLargePidMax = Math.Min(LargestPidMax, Math.Max(16_384u, 4 * KernelFeatures.ThreadCount()));
            progress($"  snapshot: {label}, table as the engine sizes it");
            var here = TimeReads(label, $"engine, this machine (pid_max {pidMax})", null, repetitions, beforeReads, cancel);
            cases.Add(here);
            if (onLargePidMax != here.TableEntries)
            {
                progress($"  snapshot: {label}, table of {onLargePidMax} (engine sizing with pid_max {LargestPidMax})");
                cases.Add(TimeReads(label, $"engine, if pid_max were {LargestPidMax}", onLargePidMax, repetitions, beforeReads, cancel));
            }
            else
            {
                cases.Add(here with { Sizing = $"engine, if pid_max were {LargestPidMax} (same size)" });
            }
            progress($"  snapshot: {label}, table of {LargestPidMax} (previous engine with pid_max {LargestPidMax})");
            cases.Add(TimeReads(label, $"previous engine (= pid_max {LargestPidMax})", LargestPidMax, repetitions, beforeReads, cancel));
        }
        Population("few (no helper)", null);
        using var helper = ThreadHelper.Start(gcc, threads, cancel);
        Population($"{threads} helper threads + the rest", () => helper.RunAllOnce(cancel));
        return new SnapshotResult(threads, repetitions, cases, null);
    }

    private static SnapshotCase TimeReads(string label, string sizing, uint? table, int repetitions, Action? beforeReads, CancellationToken cancel)
    {
        using var session = SchedTraceSession.Start(new SchedTraceSessionOptions { Features = SchedTraceFeature.CpuTime, TaskTableEntries = table });
        beforeReads?.Invoke();
        session.ReadTaskStats(); // warm-up: JIT, first-touch of buffers
        var full = new List<double>();
        var batch = new List<double>();
        int entries = 0;
        for (int i = 0; i < repetitions; i++)
        {
            cancel.ThrowIfCancellationRequested();
            long start = Stopwatch.GetTimestamp();
            var snapshot = session.ReadTaskStats();
            full.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            entries = snapshot.Figures.Count;
            start = Stopwatch.GetTimestamp();
            session.ReadTaskStatsRaw();
            batch.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        return new SnapshotCase(label, sizing, session.TaskTableCapacity, entries, session.DroppedTasks, full, batch);
    }

    private static int SafeThreadCount(string procDir)
    {
        try
        {
            return Directory.EnumerateDirectories(Path.Combine(procDir, "task")).Count();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0; // exited while we counted
        }
    }
}

/// <summary>The C helper with N live threads; disposing ends it (threads joined) and removes its build.</summary>
internal sealed class ThreadHelper : IDisposable
{
    private readonly Process process;
    private readonly string directory;
    private readonly IDisposable killOnExit;
    private readonly int threads;

    private ThreadHelper(Process process, string directory, int threads)
    {
        this.process = process;
        this.directory = directory;
        this.threads = threads;
        killOnExit = Cleanup.Register($"stop spawn_threads (pid {process.Id})", () => Run.KillIfRunning(process));
    }

    internal static ThreadHelper Start(string gcc, int threads, CancellationToken cancel)
    {
        var directory = Directory.CreateTempSubdirectory("schedtrace-bench-").FullName;
        try
        {
            var source = Path.Combine(AppContext.BaseDirectory, "Helpers", "spawn_threads.c");
            var binary = Path.Combine(directory, "spawn_threads");
            var build = Run.Command(gcc, ["-O2", "-Wall", "-Wextra", "-Werror", "-pthread", "-o", binary, source], cancel);
            if (build.ExitCode != 0)
            {
                throw new InvalidOperationException($"gcc could not build {source}:\n{build.Stderr}");
            }
            var helper = new ThreadHelper(Run.Start(binary, [threads.ToString(CultureInfo.InvariantCulture)]), directory, threads);
            helper.Expect($"ready {threads}", cancel);
            return helper;
        }
        catch
        {
            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>Every helper thread runs once (switches in and out): after this, all are in a running session's table.</summary>
    internal void RunAllOnce(CancellationToken cancel)
    {
        process.StandardInput.WriteLine("go");
        process.StandardInput.Flush();
        Expect($"ran {threads}", cancel);
    }

    private void Expect(string line, CancellationToken cancel)
    {
        var read = process.StandardOutput.ReadLineAsync(cancel).AsTask();
        if (!read.Wait(TimeSpan.FromSeconds(120), cancel) || read.Result != line)
        {
            throw new InvalidOperationException($"spawn_threads: expected '{line}', got '{(read.IsCompleted ? read.Result : "(nothing in 120 s)")}'; stderr: {(process.HasExited ? process.StandardError.ReadToEnd() : "")}");
        }
    }

    public void Dispose()
    {
        try
        {
            // EOF on stdin: every thread returns and is joined; the process prints "done" and exits.
            process.StandardInput.Close();
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                Run.KillIfRunning(process);
            }
        }
        finally
        {
            killOnExit.Dispose();
            process.Dispose();
            Directory.Delete(directory, recursive: true);
        }
    }
}

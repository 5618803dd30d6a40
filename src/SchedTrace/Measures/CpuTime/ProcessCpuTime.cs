using System.Globalization;
using System.Numerics;
using SchedTrace.Engine;
using SchedTrace.Measures;

namespace SchedTrace;

/// <summary>What to report from a CPU-time reading.</summary>
public sealed class CpuTimeQuery
{
    /// <summary>Only these processes (tgids); empty: every process.</summary>
    public IReadOnlyCollection<int> ProcessIds { get; init; } = Array.Empty<int>();

    /// <summary>Only processes whose name matches one of these (the caller supplies the matcher, e.g. wildcards).</summary>
    public Func<string, bool>? NameFilter { get; init; }

    /// <summary>One row per thread instead of one per process.</summary>
    public bool PerThread { get; init; }

    /// <summary>Only the N busiest rows; null: all.</summary>
    public int? Top { get; init; }
}

/// <summary>
/// On-CPU time of one process (or thread, with -PerThread) over a window, with how it was
/// switched out and how it moved between CPUs. Rows come busiest first.
/// </summary>
public sealed class ProcessCpuTime
{
    /// <summary>The type name that selects the view of -PerThread rows (a ThreadId column).</summary>
    public const string PerThreadTypeName = "SchedTrace.ProcessCpuTime#PerThread";

    /// <summary>The type name that selects the view of -Interval samples of processes (a Sample column).</summary>
    public const string IntervalTypeName = "SchedTrace.ProcessCpuTime#Interval";

    /// <summary>The type name that selects the view of -Interval samples of threads.</summary>
    public const string PerThreadIntervalTypeName = "SchedTrace.ProcessCpuTime#PerThreadInterval";

    private ProcessCpuTime(int sample, int processId, int? threadId, string name, TaskCounters counters, int threads, DateTime windowStart, DateTime windowEnd, TimeSpan duration)
    {
        Sample = sample;
        ProcessId = processId;
        ThreadId = threadId;
        Name = name;
        CpuTimeNs = (long)counters.RuntimeNs;
        Voluntary = (long)counters.Voluntary;
        Involuntary = (long)counters.Involuntary;
        Migrations = (long)counters.Migrations;
        Cpus = FormatCpuList(counters.CpuMask);
        CpuCount = BitOperations.PopCount(counters.CpuMask);
        Priority = counters.Priority;
        Threads = threads;
        Exited = counters.Exited;
        WindowStart = windowStart;
        WindowEnd = windowEnd;
        Duration = duration;
    }

    /// <summary>0 for a single reading; 1, 2, ... for -Interval samples.</summary>
    public int Sample { get; }

    /// <summary>The process id (tgid), as Get-Process shows it.</summary>
    public int ProcessId { get; }

    /// <summary>The thread id, on -PerThread rows; null on process rows.</summary>
    public int? ThreadId { get; }

    /// <summary>The command name (comm): the main thread's for a process row.</summary>
    public string Name { get; }

    /// <summary>Time on a CPU in the window.</summary>
    public TimeSpan CpuTime => TimeSpan.FromTicks(CpuTimeNs / 100);

    /// <summary>Time on a CPU in the window, in nanoseconds (exact).</summary>
    public long CpuTimeNs { get; }

    /// <summary>CPU time as a percentage of one CPU over the window, as top shows it (200 = two CPUs busy).</summary>
    public double CpuPercent => Duration > TimeSpan.Zero ? 100.0 * CpuTimeNs / (Duration.Ticks * 100.0) : 0;

    /// <summary>Times it was switched out: Voluntary + Involuntary.</summary>
    public long Switches => Voluntary + Involuntary;

    /// <summary>Switches out because it blocked (nvcsw).</summary>
    public long Voluntary { get; }

    /// <summary>Switches out while still runnable: preempted (nivcsw).</summary>
    public long Involuntary { get; }

    /// <summary>Moves to another CPU (the kernel's sched_migrate_task; nr_migrations).</summary>
    public long Migrations { get; }

    /// <summary>The CPUs it ran on since the session started, as a list like "0-2,5".</summary>
    public string Cpus { get; }

    /// <summary>How many CPUs it ran on since the session started.</summary>
    public int CpuCount { get; }

    /// <summary>
    /// 1 − Migrations / Switches, clamped to 0..1: the share of its switch-outs after which it did
    /// not move. 1 = stayed on its CPU; 0 = moved at least once for every time it was switched out.
    /// </summary>
    public double AffinityScore => Switches == 0 ? (Migrations == 0 ? 1 : 0) : Math.Clamp(1 - (double)Migrations / Switches, 0, 1);

    /// <summary>Kernel priority at its last switch (0-99 real-time, 100-139 normal; 120 = nice 0).</summary>
    public int Priority { get; }

    /// <summary>Threads that ran in the window (1 on thread rows).</summary>
    public int Threads { get; }

    /// <summary>It exited during the window (a process: its main thread did).</summary>
    public bool Exited { get; }

    /// <summary>Start of the window (UTC).</summary>
    public DateTime WindowStart { get; }

    /// <summary><see cref="WindowStart"/> as round-trip ISO 8601 text ending in Z, which Export-Csv keeps to the tick.</summary>
    public string WindowStartUtc => TextLayout.Utc(WindowStart);

    /// <summary>End of the window (UTC).</summary>
    public DateTime WindowEnd { get; }

    /// <summary><see cref="WindowEnd"/> as round-trip ISO 8601 text ending in Z.</summary>
    public string WindowEndUtc => TextLayout.Utc(WindowEnd);

    /// <summary>Length of the window, measured on the monotonic clock.</summary>
    public TimeSpan Duration { get; }

    /// <summary>"sh (pid 2100): 1.98 s on CPU (98.7 %), 0 voluntary, 125 involuntary, 1 migration, CPUs 0-1".</summary>
    public override string ToString()
    {
        string who = ThreadId is int tid
            ? string.Create(CultureInfo.InvariantCulture, $"{Name} (pid {ProcessId}, tid {tid})")
            : string.Create(CultureInfo.InvariantCulture, $"{Name} (pid {ProcessId})");
        return string.Create(CultureInfo.InvariantCulture,
            $"{(Sample > 0 ? $"Sample {Sample}, " : "")}{who}{(Exited ? " exited" : "")}: {LatencyStatistics.FormatNs(CpuTimeNs)} on CPU ({CpuPercent:F1} %), {Voluntary:N0} voluntary, {Involuntary:N0} involuntary, {Migrations:N0} {(Migrations == 1 ? "migration" : "migrations")}, CPUs {Cpus}");
    }

    /// <summary>The view for this row's variant (see <see cref="RecordViews"/>).</summary>
    internal string? ViewTypeName() => (ThreadId is not null, Sample > 0) switch
    {
        (true, true) => PerThreadIntervalTypeName,
        (true, false) => PerThreadTypeName,
        (false, true) => IntervalTypeName,
        _ => null,
    };

    /// <summary>Reads a session according to <paramref name="plan"/>: the one call both front ends make.
    /// A stopped session gives its final figures, from its start to its stop.</summary>
    public static IEnumerable<IReadOnlyList<ProcessCpuTime>> Collect(
        SchedTraceSession session,
        SamplingPlan plan,
        CpuTimeQuery query,
        CancellationToken cancellation,
        Action<CollectionProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(query);
        foreach (var window in Sampler.Readings<IReadOnlyDictionary<TaskKey, TaskCounters>>(plan, session, SchedTraceFeature.CpuTime, cancellation, progress))
        {
            yield return Between(window.Sample, window.Before, window.After, query);
        }
    }

    internal static IReadOnlyList<ProcessCpuTime> Between(int sample, MeasureReading<IReadOnlyDictionary<TaskKey, TaskCounters>> before, MeasureReading<IReadOnlyDictionary<TaskKey, TaskCounters>> after, CpuTimeQuery query)
    {
        var duration = System.Diagnostics.Stopwatch.GetElapsedTime(before.Timestamp, after.Timestamp);
        var threads = new List<TaskCounters>();
        foreach (var (key, counters) in after.Figures)
        {
            var delta = counters.Minus(before.Figures.TryGetValue(key, out var earlier) ? earlier : null);
            if (delta.Active && (query.ProcessIds.Count == 0 || query.ProcessIds.Contains(delta.ProcessId)))
            {
                threads.Add(delta);
            }
        }

        IEnumerable<ProcessCpuTime> rows = query.PerThread
            ? threads.Select(t => new ProcessCpuTime(sample, t.ProcessId, t.ThreadId, t.Name, t, 1, before.Utc, after.Utc, duration))
            : threads.GroupBy(t => t.ProcessId).Select(process => ForProcess(sample, process.Key, process.ToList(), before.Utc, after.Utc, duration));
        if (query.NameFilter is { } matches)
        {
            rows = rows.Where(r => matches(r.Name));
        }
        rows = rows.OrderByDescending(r => r.CpuTimeNs).ThenBy(r => r.ProcessId).ThenBy(r => r.ThreadId);
        return (query.Top is int top ? rows.Take(top) : rows).ToList();
    }

    private static ProcessCpuTime ForProcess(int sample, int processId, List<TaskCounters> threads, DateTime start, DateTime end, TimeSpan duration)
    {
        var main = threads.Find(t => t.ThreadId == processId);
        var sum = threads.Aggregate((a, b) => a.Plus(b)) with
        {
            Name = main.ThreadId == processId ? main.Name : MainThreadName(processId) ?? threads[0].Name,
            Priority = (main.ThreadId == processId ? main : threads[0]).Priority,
            // The process is gone when its main thread is; without it in the window, when all its threads are.
            Exited = main.ThreadId == processId ? main.Exited : threads.TrueForAll(t => t.Exited),
        };
        return new ProcessCpuTime(sample, processId, null, sum.Name, sum, threads.Count, start, end, duration);
    }

    /// <summary>The process's name when its main thread did not run in the window (still alive).</summary>
    private static string? MainThreadName(int processId)
    {
        try
        {
            return File.ReadAllText($"/proc/{processId}/comm").TrimEnd('\n');
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>A CPU bitmap as the kernel writes CPU lists: "0-2,5".</summary>
    internal static string FormatCpuList(ulong mask)
    {
        var parts = new List<string>();
        for (int cpu = 0; cpu < 64; cpu++)
        {
            if ((mask & (1UL << cpu)) == 0)
            {
                continue;
            }
            int last = cpu;
            while (last + 1 < 64 && (mask & (1UL << (last + 1))) != 0)
            {
                last++;
            }
            parts.Add(last == cpu ? $"{cpu}" : $"{cpu}-{last}");
            cpu = last;
        }
        return string.Join(',', parts);
    }
}

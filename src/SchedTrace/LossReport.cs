namespace SchedTrace;

/// <summary>
/// What the kernel counted as not kept (events and alerts a full ring buffer refused, alerts the
/// rate limit held back, threads and latency values a full table left out) and the warnings that
/// say so. Every front end takes its warnings about drops and losses from <see cref="Warnings"/>,
/// so the figures and the advice read the same wherever they are shown; the options the advice
/// names are for each front end to spell (<see cref="SchedTraceMessage.Format"/>).
/// </summary>
public sealed class LossReport
{
    /// <summary>Nothing lost.</summary>
    public static LossReport None { get; } = new();

    /// <summary>Events the ring buffer had no room for, by CPU (index = CPU).</summary>
    public IReadOnlyList<long> EventsLostPerCpu { get; init; } = Array.Empty<long>();

    /// <summary>Priority-inversion alerts the kernel's rate limit held back, by CPU.</summary>
    public IReadOnlyList<long> InversionsSuppressedPerCpu { get; init; } = Array.Empty<long>();

    /// <summary>Priority-inversion alerts the ring buffer had no room for, by CPU.</summary>
    public IReadOnlyList<long> InversionsLostPerCpu { get; init; } = Array.Empty<long>();

    /// <summary>Threads that did not fit in a CpuTime session's task table: their CPU time is missing.</summary>
    public long DroppedTasks { get; init; }

    /// <summary>The entries of that task table, for the warning.</summary>
    public long TaskTableCapacity { get; init; }

    /// <summary>Latency values that did not fit in the per-process histograms.</summary>
    public long LatencyDropped { get; init; }

    /// <summary>Latency values lost whole: the kernel refused a thread's stamp.</summary>
    public long LatencyLost { get; init; }

    /// <summary>What one watch of events lost.</summary>
    public static LossReport Of(EventWatchReport watch)
    {
        ArgumentNullException.ThrowIfNull(watch);
        return new() { EventsLostPerCpu = watch.LostPerCpu };
    }

    /// <summary>What one watch of priority inversions held back and lost.</summary>
    public static LossReport Of(InversionWatchReport watch)
    {
        ArgumentNullException.ThrowIfNull(watch);
        return new() { InversionsSuppressedPerCpu = watch.SuppressedPerCpu, InversionsLostPerCpu = watch.LostPerCpu };
    }

    /// <summary>The threads a CpuTime session's task table left out since it started, as of its counters' last read.</summary>
    public static LossReport OfTaskTable(SchedTraceSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return new() { DroppedTasks = session.DroppedTasks, TaskTableCapacity = session.TaskTableCapacity };
    }

    /// <summary>The latency values lost since the session started (and, for a reading of per-process
    /// rows, those the per-process histograms left out), as of its counters' last read.</summary>
    public static LossReport OfLatencyTable(SchedTraceSession session, bool processRows = true)
    {
        ArgumentNullException.ThrowIfNull(session);
        return new() { LatencyDropped = processRows ? session.LatencyDropped : 0, LatencyLost = session.LatencyLost };
    }

    /// <summary>What was lost after <paramref name="earlier"/> (the counters only grow): what is left to report.</summary>
    public LossReport Since(LossReport earlier)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        return new()
        {
            EventsLostPerCpu = Delta(EventsLostPerCpu, earlier.EventsLostPerCpu),
            InversionsSuppressedPerCpu = Delta(InversionsSuppressedPerCpu, earlier.InversionsSuppressedPerCpu),
            InversionsLostPerCpu = Delta(InversionsLostPerCpu, earlier.InversionsLostPerCpu),
            DroppedTasks = DroppedTasks - earlier.DroppedTasks,
            TaskTableCapacity = TaskTableCapacity,
            LatencyDropped = LatencyDropped - earlier.LatencyDropped,
            LatencyLost = LatencyLost - earlier.LatencyLost,
        };
    }

    /// <summary>One warning for each kind of loss there was, none when nothing was lost.</summary>
    public IReadOnlyList<SchedTraceMessage> Warnings()
    {
        var warnings = new List<SchedTraceMessage>();
        void Add(SchedTraceMessage.Builder warning) => warnings.Add(warning.ToMessage());

        if (DroppedTasks > 0)
        {
            Add($"{DroppedTasks} thread(s) did not fit in the task table ({TaskTableCapacity} entries); their CPU time is missing.");
        }
        if (LatencyDropped > 0)
        {
            Add($"{LatencyDropped} value(s) did not fit in the per-process latency table and are missing from the per-process figures (the machine-wide and {SchedTraceOption.Named("PerCpu")} figures have them).");
        }
        if (LatencyLost > 0)
        {
            Add($"{LatencyLost} latency value(s) were lost: the kernel refused a thread's stamp as it left or got a CPU (its task storage turns tracing programs away while a task on that CPU frees its own); they are missing from every figure.");
        }
        if (EventsLostPerCpu.Sum() is var lost and > 0)
        {
            Add($"{lost} events were lost because the ring buffer was full ({DescribeByCpu(EventsLostPerCpu)}). Use a larger {SchedTraceOption.Named("BufferSize")} or narrower filters.");
        }
        if (InversionsSuppressedPerCpu.Sum() is var suppressed and > 0)
        {
            Add($"{suppressed} priority inversions were not reported because of the rate limit ({DescribeByCpu(InversionsSuppressedPerCpu)}). Raise {SchedTraceOption.Named("MaxAlertsPerSecond")} or {SchedTraceOption.Named("Threshold")}.");
        }
        if (InversionsLostPerCpu.Sum() is var alertsLost and > 0)
        {
            Add($"{alertsLost} priority-inversion alerts were lost because the ring buffer was full ({DescribeByCpu(InversionsLostPerCpu)}).");
        }
        return warnings;
    }

    /// <summary>"CPU 0: 12, CPU 3: 4": the CPUs with a count above zero.</summary>
    public static string DescribeByCpu(IReadOnlyList<long> perCpu)
    {
        ArgumentNullException.ThrowIfNull(perCpu);
        return string.Join(", ", perCpu.Select((n, cpu) => (n, cpu)).Where(x => x.n > 0).Select(x => $"CPU {x.cpu}: {x.n}"));
    }

    private static long[] Delta(IReadOnlyList<long> now, IReadOnlyList<long> before) =>
        now.Select((n, cpu) => n - (cpu < before.Count ? before[cpu] : 0)).ToArray();
}

using SchedTrace.Measures;

namespace SchedTrace;

/// <summary>Options of the CpuTime feature.</summary>
public sealed partial record SchedTraceSessionOptions
{
    /// <summary>Overrides the per-task table size (tests: provoke a full table).</summary>
    internal uint? TaskTableEntries { get; init; }
}

/// <summary>What a session says about its CpuTime measure.</summary>
public sealed partial class SchedTraceSession
{
    /// <summary>Entries of the per-task table: four times the threads alive at start, at least 16,384, at most pid_max.</summary>
    public long TaskTableCapacity => MeasureOf<CpuTimeMeasure>()?.TableCapacity ?? 0;

    /// <summary>Threads the per-task table had no room for (their time is missing from CPU time
    /// figures), as of <see cref="CountersAsOf"/>.</summary>
    public long DroppedTasks => Counters.TasksDropped;
}

/// <summary>The task table's readings, as the session hands them over.</summary>
internal static class TaskTableReading
{
    /// <summary>
    /// Every thread seen since the session started, with its counters as of now (once stopped,
    /// as of the stop).
    /// </summary>
    internal static MeasureReading<IReadOnlyDictionary<TaskKey, TaskCounters>> ReadTaskStats(this SchedTraceSession session) =>
        session.Read<IReadOnlyDictionary<TaskKey, TaskCounters>>(SchedTraceFeature.CpuTime);

    /// <summary>The empty reading at the session's start.</summary>
    internal static MeasureReading<IReadOnlyDictionary<TaskKey, TaskCounters>> StartTaskStats(this SchedTraceSession session) =>
        session.StartReading<IReadOnlyDictionary<TaskKey, TaskCounters>>(SchedTraceFeature.CpuTime);

    /// <summary>The thread ids now in the kernel's table (tests: released entries are gone).</summary>
    internal static IReadOnlyList<TaskKey> ReadTaskStatsRaw(this SchedTraceSession session) =>
        session.WithObject(CpuTimeMeasure.TableKeys);
}

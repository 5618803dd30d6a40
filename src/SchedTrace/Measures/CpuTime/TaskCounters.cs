namespace SchedTrace.Measures;

/// <summary>A thread, told apart from a later thread that reuses its id by its start time.</summary>
internal readonly record struct TaskKey(int ThreadId, ulong StartTime);

/// <summary>One thread's cumulative counters since the session started.</summary>
internal readonly record struct TaskCounters(
    int ThreadId,
    int ProcessId,
    string Name,
    ulong RuntimeNs,
    ulong Voluntary,
    ulong Involuntary,
    ulong Migrations,
    ulong CpuMask,
    int Priority,
    bool Exited)
{
    internal static TaskCounters From(int threadId, in BpfTaskStats stats) => new(
        threadId,
        (int)stats.Tgid,
        stats.CommText(),
        stats.RuntimeNs,
        stats.Voluntary,
        stats.Involuntary,
        stats.Migrations,
        stats.Cpus,
        stats.Prio,
        stats.Exited != 0);

    /// <summary>Two parts of one thread's life (an exited thread's entry taken in two reads).</summary>
    internal TaskCounters Plus(TaskCounters later) => this with
    {
        RuntimeNs = RuntimeNs + later.RuntimeNs,
        Voluntary = Voluntary + later.Voluntary,
        Involuntary = Involuntary + later.Involuntary,
        Migrations = Migrations + later.Migrations,
        CpuMask = CpuMask | later.CpuMask,
        Priority = later.Priority,
        Exited = Exited || later.Exited,
    };

    /// <summary>What happened between <paramref name="earlier"/> (default: nothing yet) and this.</summary>
    internal TaskCounters Minus(TaskCounters? earlier) => earlier is not { } before ? this : this with
    {
        RuntimeNs = RuntimeNs - before.RuntimeNs,
        Voluntary = Voluntary - before.Voluntary,
        Involuntary = Involuntary - before.Involuntary,
        Migrations = Migrations - before.Migrations,
        // CPUs are a set, not a counter: a window's set is only known when the thread is new in it.
        CpuMask = CpuMask,
        Exited = Exited && !before.Exited,
    };

    internal bool Active => RuntimeNs > 0 || Voluntary > 0 || Involuntary > 0 || Migrations > 0;
}

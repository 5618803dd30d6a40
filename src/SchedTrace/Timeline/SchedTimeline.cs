namespace SchedTrace.Timeline;

/// <summary>One stretch of time in which one task ran on one CPU.</summary>
public sealed class RunSlice
{
    internal RunSlice(int cpu, ulong startNs, ulong endNs, int processId, int threadId, string name, int priority, string? endState, bool startKnown, bool endKnown)
    {
        Cpu = cpu;
        StartNs = startNs;
        EndNs = endNs;
        ProcessId = processId;
        ThreadId = threadId;
        Name = name;
        Priority = priority;
        EndState = endState;
        StartKnown = startKnown;
        EndKnown = endKnown;
    }

    public int Cpu { get; }

    /// <summary>Switch-in time on the kernel's monotonic clock, in nanoseconds.</summary>
    public ulong StartNs { get; }

    /// <summary>Switch-out time (or the end of the trace, if the task was still running), in nanoseconds.</summary>
    public ulong EndNs { get; }

    public ulong DurationNs => EndNs - StartNs;

    public int ProcessId { get; }

    public int ThreadId { get; }

    public string Name { get; }

    public int Priority { get; }

    /// <summary>Why it left, as in SchedSwitchEvent.PrevState; null when it was still running when the trace ended.</summary>
    public string? EndState { get; }

    /// <summary>False when the switch-in was not seen and the slice starts at the beginning of the trace instead.</summary>
    public bool StartKnown { get; }

    /// <summary>False when the switch-out was not seen (events were lost or filtered out) and the end is the next thing known on the CPU.</summary>
    public bool EndKnown { get; }

    /// <summary>"comm [tid]": the label Perfetto and the SVG show.</summary>
    public string Label => $"{Name} [{ThreadId}]";
}

/// <summary>
/// Per-CPU run slices rebuilt from sched_switch events, plus the wakeups and migrations to mark
/// on the same CPU rows: what Export-SchedTimeline and `schedtrace events --perfetto/--svg` draw.
/// </summary>
public sealed class SchedTimeline
{
    private SchedTimeline(IReadOnlyList<int> cpus, IReadOnlyList<RunSlice> slices, IReadOnlyList<SchedEvent> instants, ulong startNs, ulong endNs, DateTime? startTime)
    {
        Cpus = cpus;
        Slices = slices;
        Instants = instants;
        StartNs = startNs;
        EndNs = endNs;
        StartTime = startTime;
    }

    /// <summary>Every CPU any event happened on, ascending. CPUs with no events are unknown, so they have no row.</summary>
    public IReadOnlyList<int> Cpus { get; }

    /// <summary>Run slices ordered by CPU, then start; slices of one CPU never overlap.</summary>
    public IReadOnlyList<RunSlice> Slices { get; }

    /// <summary>Wakeup and migration events, ordered by CPU, then time.</summary>
    public IReadOnlyList<SchedEvent> Instants { get; }

    /// <summary>The first event's time (or an earlier switch-in known from a PrevRuntime), nanoseconds.</summary>
    public ulong StartNs { get; }

    /// <summary>The last event's time, nanoseconds.</summary>
    public ulong EndNs { get; }

    /// <summary>UTC time of <see cref="StartNs"/>; null for an empty timeline.</summary>
    public DateTime? StartTime { get; }

    /// <summary>Processes by time on CPU, busiest first: what the SVG legend lists.</summary>
    public IReadOnlyList<(int ProcessId, string Name, ulong RuntimeNs)> BusiestProcesses(int top) =>
        Slices.GroupBy(s => s.ProcessId)
            .Select(g => (ProcessId: g.Key, Name: ProcessName(g), RuntimeNs: g.Aggregate(0UL, (sum, s) => sum + s.DurationNs)))
            .OrderByDescending(p => p.RuntimeNs)
            .ThenBy(p => p.ProcessId)
            .Take(top)
            .ToList();

    // The main thread's comm names the process, as ps does; if it never ran, the busiest thread's.
    private static string ProcessName(IGrouping<int, RunSlice> slices) =>
        slices.FirstOrDefault(s => s.ThreadId == s.ProcessId)?.Name
        ?? slices.GroupBy(s => s.Name).OrderByDescending(n => n.Aggregate(0UL, (sum, s) => sum + s.DurationNs)).First().Key;

    /// <summary>Builds the timeline. Events may come in any order (per-CPU ring buffers interleave).</summary>
    public static SchedTimeline Build(IEnumerable<SchedEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        // A stable sort: events of one CPU with one timestamp keep the order the kernel wrote them in.
        var all = events.Where(e => e is not null).OrderBy(e => e.Cpu).ThenBy(e => e.TimestampNs).ToList();
        if (all.Count == 0)
        {
            return new SchedTimeline(Array.Empty<int>(), Array.Empty<RunSlice>(), Array.Empty<SchedEvent>(), 0, 0, null);
        }
        ulong first = all.Min(e => e.TimestampNs);
        ulong last = all.Max(e => e.TimestampNs);
        var slices = new List<RunSlice>();
        foreach (var cpu in all.GroupBy(e => e.Cpu))
        {
            AddSlices(cpu.Key, cpu.OfType<SchedSwitchEvent>(), first, last, slices);
        }
        ulong start = Math.Min(first, slices.Count > 0 ? slices.Min(s => s.StartNs) : first);
        // Timestamp and TimestampNs describe the same instant, so any event carries the offset.
        var anchor = all[0];
        var startTime = anchor.Timestamp - TimeSpan.FromTicks((long)(anchor.TimestampNs - start) / 100);
        var instants = all.Where(e => e is SchedWakeupEvent or SchedMigrateEvent).ToList();
        return new SchedTimeline(all.Select(e => e.Cpu).Distinct().ToList(), slices, instants, start, last, startTime);
    }

    private sealed record Running(int ProcessId, int ThreadId, string Name, int Priority, ulong StartNs, bool StartKnown);

    private static void AddSlices(int cpu, IEnumerable<SchedSwitchEvent> switches, ulong traceStart, ulong traceEnd, List<RunSlice> slices)
    {
        Running? running = null; // null: not known yet (before this CPU's first switch)
        bool seenSwitch = false;
        ulong lastEnd = 0; // keeps slices of one CPU from overlapping when the data disagree
        foreach (var s in switches)
        {
            ulong t = s.TimestampNs;
            // PrevRuntimeNs is zero when the kernel did not see prev's switch-in (before attach).
            ulong? prevStart = s.PrevRuntimeNs > 0 && s.PrevRuntimeNs <= t ? t - s.PrevRuntimeNs : null;
            if (running is not null && running.ThreadId == s.PrevThreadId)
            {
                Close(running, t, s.PrevState, endKnown: true);
            }
            else
            {
                // Prev's switch-in is missing: the first switch on this CPU, or the events in
                // between were lost or filtered out. What ran before ends where prev's run is known
                // to begin; prev's own slice starts there, or at the trace's start on a first switch.
                ulong prevFrom = Math.Min(Math.Max(prevStart ?? (seenSwitch ? t : traceStart), Math.Max(lastEnd, running?.StartNs ?? 0)), t);
                if (running is not null)
                {
                    Close(running, prevFrom, null, endKnown: false);
                }
                if (!IsIdle(s.PrevThreadId) && prevFrom < t)
                {
                    var prev = new Running(s.PrevProcessId, s.PrevThreadId, s.PrevName, s.PrevPriority, prevFrom, StartKnown: prevStart == prevFrom);
                    Close(prev, t, s.PrevState, endKnown: true);
                }
            }
            seenSwitch = true;
            running = new Running(s.NextProcessId, s.NextThreadId, s.NextName, s.NextPriority, t, StartKnown: true);
        }
        if (running is not null)
        {
            // Still on the CPU when the trace ended: it ran at least until the last event.
            Close(running, Math.Max(running.StartNs, traceEnd), null, endKnown: false);
        }

        void Close(Running task, ulong end, string? endState, bool endKnown)
        {
            // The idle task (pid 0, one per CPU) is drawn as a gap, not a slice.
            if (!IsIdle(task.ThreadId) && end > task.StartNs)
            {
                slices.Add(new RunSlice(cpu, task.StartNs, end, task.ProcessId, task.ThreadId, task.Name, task.Priority, endState, task.StartKnown, endKnown));
                lastEnd = end;
            }
        }
    }

    private static bool IsIdle(int threadId) => threadId == 0;
}

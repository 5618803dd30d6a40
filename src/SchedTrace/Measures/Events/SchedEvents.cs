using System.Globalization;

namespace SchedTrace;

/// <summary>The kinds of scheduler event Watch-SchedEvent can stream.</summary>
public enum SchedEventType
{
    /// <summary>sched_switch: one task left a CPU and another got it.</summary>
    Switch = 1,
    /// <summary>sched_wakeup: a task became runnable.</summary>
    Wakeup = 2,
    /// <summary>sched_wakeup_new: a newly created task became runnable for the first time.</summary>
    WakeupNew = 3,
    /// <summary>sched_migrate_task: a task was moved to another CPU.</summary>
    Migrate = 4,
}

/// <summary>One scheduler event, as the kernel reported it.</summary>
public abstract class SchedEvent
{
    private protected SchedEvent(SchedEventType type, ulong timestampNs, DateTime timestamp, int cpu)
    {
        Type = type;
        TimestampNs = timestampNs;
        Timestamp = timestamp;
        Cpu = cpu;
    }

    public SchedEventType Type { get; }

    /// <summary>When it happened (UTC), from the kernel's monotonic clock and an offset taken at session start.</summary>
    public DateTime Timestamp { get; }

    /// <summary><see cref="Timestamp"/> as round-trip ISO 8601 text ending in Z, which Export-Csv keeps to the tick.</summary>
    public string TimestampUtc => TextLayout.Utc(Timestamp);

    /// <summary>When it happened on the kernel's monotonic clock (bpf_ktime_get_ns), in nanoseconds.</summary>
    public ulong TimestampNs { get; }

    /// <summary>The CPU the event happened on.</summary>
    public int Cpu { get; }

    /// <summary>The names of the tasks the event is about (both sides of a switch): what -Name matches.</summary>
    public abstract IReadOnlyList<string> TaskNames();

    /// <summary>
    /// The task the event is about, as "name[tid]": the one leaving the CPU for a switch. The
    /// TASK column of `schedtrace events` and the Task column of the events' format view.
    /// </summary>
    public abstract string FormatTask();

    /// <summary>
    /// What happened to it, in a few words: for a switch the state it left in, how long it ran
    /// (when known) and the task that got the CPU ("S 51.0µs -> sched-pipe[4831]"); for a wakeup
    /// the CPU it was queued on ("-> CPU 1"); for a migration "CPU 0 -> CPU 1". The DETAIL column.
    /// </summary>
    public abstract string FormatDetail();

    /// <summary>"00:53:13.137032 CPU 1 Switch sched-pipe[4829] S 51.0µs -> sched-pipe[4831]" (time of day in UTC).</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Timestamp:HH:mm:ss.ffffff} CPU {Cpu} {Type} {FormatTask()} {FormatDetail()}");

    private protected static string Task(string name, int threadId) => string.Create(CultureInfo.InvariantCulture, $"{name}[{threadId}]");
}

/// <summary>sched_switch: <see cref="PrevName"/> left the CPU, <see cref="NextName"/> got it.</summary>
public sealed class SchedSwitchEvent : SchedEvent
{
    internal SchedSwitchEvent(ulong timestampNs, DateTime timestamp, int cpu,
        int prevProcessId, int prevThreadId, string prevName, int prevPriority, long prevStateValue, bool preempted, ulong prevRuntimeNs,
        int nextProcessId, int nextThreadId, string nextName, int nextPriority)
        : base(SchedEventType.Switch, timestampNs, timestamp, cpu)
    {
        PrevProcessId = prevProcessId;
        PrevThreadId = prevThreadId;
        PrevName = prevName;
        PrevPriority = prevPriority;
        PrevStateValue = prevStateValue;
        Preempted = preempted;
        PrevRuntimeNs = prevRuntimeNs;
        NextProcessId = nextProcessId;
        NextThreadId = nextThreadId;
        NextName = nextName;
        NextPriority = nextPriority;
    }

    /// <summary>Process id (tgid) of the task leaving the CPU; 0 for the idle task.</summary>
    public int PrevProcessId { get; }

    public int PrevThreadId { get; }

    public string PrevName { get; }

    /// <summary>Kernel priority (0-99 real-time, 100-139 normal; 120 = nice 0).</summary>
    public int PrevPriority { get; }

    /// <summary>Why it left, as ps and perf sched show it: R (runnable), R+ (preempted), S (sleeping), D (uninterruptible), I (idle), ...</summary>
    public string PrevState => TaskStateText.Format(PrevStateValue, Preempted);

    /// <summary>The raw task state the kernel passed (TASK_* bits; 0 = running).</summary>
    public long PrevStateValue { get; }

    /// <summary>The task was preempted (it did not give up the CPU itself).</summary>
    public bool Preempted { get; }

    /// <summary>How long the task leaving had been on this CPU; zero if it got the CPU before the session started.</summary>
    public TimeSpan PrevRuntime => TimeSpan.FromTicks((long)(PrevRuntimeNs / 100));

    /// <summary><see cref="PrevRuntime"/> in nanoseconds.</summary>
    public ulong PrevRuntimeNs { get; }

    /// <summary>Process id (tgid) of the task getting the CPU; 0 for the idle task.</summary>
    public int NextProcessId { get; }

    public int NextThreadId { get; }

    public string NextName { get; }

    public int NextPriority { get; }

    public override IReadOnlyList<string> TaskNames() => new[] { PrevName, NextName };

    public override string FormatTask() => Task(PrevName, PrevThreadId);

    // A zero runtime means the task got the CPU before the session started: unknown, so left out.
    public override string FormatDetail() =>
        $"{PrevState}{(PrevRuntimeNs == 0 ? "" : " " + TextLayout.CompactNs(PrevRuntimeNs))} -> {Task(NextName, NextThreadId)}";
}

/// <summary>sched_wakeup and sched_wakeup_new: a task became runnable.</summary>
public sealed class SchedWakeupEvent : SchedEvent
{
    internal SchedWakeupEvent(SchedEventType type, ulong timestampNs, DateTime timestamp, int cpu, int processId, int threadId, string name, int priority, int targetCpu)
        : base(type, timestampNs, timestamp, cpu)
    {
        ProcessId = processId;
        ThreadId = threadId;
        Name = name;
        Priority = priority;
        TargetCpu = targetCpu;
    }

    public int ProcessId { get; }

    public int ThreadId { get; }

    public string Name { get; }

    public int Priority { get; }

    /// <summary>The CPU it was queued on, where it will run.</summary>
    public int TargetCpu { get; }

    public override IReadOnlyList<string> TaskNames() => new[] { Name };

    public override string FormatTask() => Task(Name, ThreadId);

    public override string FormatDetail() => string.Create(CultureInfo.InvariantCulture, $"-> CPU {TargetCpu}");
}

/// <summary>sched_migrate_task: a task was moved from <see cref="OrigCpu"/> to <see cref="DestCpu"/>.</summary>
public sealed class SchedMigrateEvent : SchedEvent
{
    internal SchedMigrateEvent(ulong timestampNs, DateTime timestamp, int cpu, int processId, int threadId, string name, int priority, int origCpu, int destCpu)
        : base(SchedEventType.Migrate, timestampNs, timestamp, cpu)
    {
        ProcessId = processId;
        ThreadId = threadId;
        Name = name;
        Priority = priority;
        OrigCpu = origCpu;
        DestCpu = destCpu;
    }

    public int ProcessId { get; }

    public int ThreadId { get; }

    public string Name { get; }

    public int Priority { get; }

    public int OrigCpu { get; }

    public int DestCpu { get; }

    public override IReadOnlyList<string> TaskNames() => new[] { Name };

    public override string FormatTask() => Task(Name, ThreadId);

    public override string FormatDetail() => string.Create(CultureInfo.InvariantCulture, $"CPU {OrigCpu} -> CPU {DestCpu}");
}

/// <summary>Task states as the kernel's sched_switch format and ps print them.</summary>
internal static class TaskStateText
{
    // TASK_* bits in the order the kernel's state letters list them ("RSDTtXZPI").
    private static readonly (long Bit, char Letter)[] Letters =
    {
        (0x01, 'S'), (0x02, 'D'), (0x04, 'T'), (0x08, 't'), (0x10, 'X'), (0x20, 'Z'), (0x40, 'P'), (0x80, 'X'),
    };

    private const long TaskIdle = 0x402; // TASK_UNINTERRUPTIBLE | TASK_NOLOAD

    internal static string Format(long state, bool preempted)
    {
        if (state == 0)
        {
            return preempted ? "R+" : "R";
        }
        if ((state & TaskIdle) == TaskIdle)
        {
            return "I";
        }
        var letters = Letters.Where(l => (state & l.Bit) != 0).Select(l => l.Letter).Distinct();
        var text = string.Join('|', letters);
        return text.Length > 0 ? text : $"0x{state:x}";
    }
}

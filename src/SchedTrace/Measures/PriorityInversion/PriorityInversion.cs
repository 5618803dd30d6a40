using System.Globalization;
using System.Text.Json.Serialization;

namespace SchedTrace;

/// <summary>The two priority inversions SchedTrace detects.</summary>
public enum PriorityInversionKind
{
    /// <summary>A runnable task waited on a CPU while tasks of strictly lower priority ran there.</summary>
    RunQueue = 1,

    /// <summary>A task blocked on a glibc mutex whose lower-priority owner waited for a CPU that
    /// tasks of lower priority than the blocked task were using.</summary>
    Lock = 2,
}

/// <summary>A thread's scheduling policy (task->policy).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SchedPolicy>))]
public enum SchedPolicy
{
    /// <summary>SCHED_OTHER (SCHED_NORMAL): the fair class, priority from nice.</summary>
    Normal = 0,
    /// <summary>SCHED_FIFO: real-time, runs until it blocks, yields or a higher priority arrives.</summary>
    Fifo = 1,
    /// <summary>SCHED_RR: real-time with a time slice among equal priorities.</summary>
    RoundRobin = 2,
    /// <summary>SCHED_BATCH: the fair class, treated as CPU-bound.</summary>
    Batch = 3,
    /// <summary>SCHED_IDLE: runs only when nothing else of the fair class wants the CPU.</summary>
    Idle = 5,
    /// <summary>SCHED_DEADLINE: earliest deadline first, above real-time.</summary>
    Deadline = 6,
}

/// <summary>A thread taking part in a priority inversion, as the kernel saw it at the time.</summary>
public sealed class InversionTask
{
    internal InversionTask(int processId, int threadId, string name, int priority, SchedPolicy policy)
    {
        ProcessId = processId;
        ThreadId = threadId;
        Name = name;
        Priority = priority;
        Policy = policy;
    }

    /// <summary>Process id (tgid).</summary>
    public int ProcessId { get; }

    public int ThreadId { get; }

    /// <summary>The thread's name (the kernel's comm).</summary>
    public string Name { get; }

    /// <summary>Effective kernel priority: -1 deadline, 0-99 real-time (99 - rtprio), 100-139 normal
    /// (120 + nice). Lower is more important; a priority-inheritance boost shows here.</summary>
    public int Priority { get; }

    public SchedPolicy Policy { get; }

    /// <summary>"name[tid] FIFO 79".</summary>
    public override string ToString() => Format(Name, ThreadId, Policy, Priority);

    /// <summary>A task as the views and messages name it: "name[tid] FIFO 79".</summary>
    internal static string Format(string? name, int? threadId, SchedPolicy? policy, int? priority) =>
        string.Create(CultureInfo.InvariantCulture, $"{name}[{threadId}] {(policy is SchedPolicy p ? PolicyText(p) : "?")} {priority}");

    internal static string PolicyText(SchedPolicy policy) => policy switch
    {
        SchedPolicy.Normal => "OTHER",
        SchedPolicy.Fifo => "FIFO",
        SchedPolicy.RoundRobin => "RR",
        SchedPolicy.Batch => "BATCH",
        SchedPolicy.Idle => "IDLE",
        SchedPolicy.Deadline => "DL",
        _ => ((int)policy).ToString(CultureInfo.InvariantCulture),
    };
}

/// <summary>A task that ran on the CPU during an inversion, and for how long.</summary>
public sealed class InversionRunner
{
    internal InversionRunner(InversionTask task, ulong runTimeNs)
    {
        ProcessId = task.ProcessId;
        ThreadId = task.ThreadId;
        Name = task.Name;
        Priority = task.Priority;
        Policy = task.Policy;
        RunTimeNs = runTimeNs;
    }

    public int ProcessId { get; }

    public int ThreadId { get; }

    public string Name { get; }

    /// <summary>Effective kernel priority when it last left the CPU.</summary>
    public int Priority { get; }

    public SchedPolicy Policy { get; }

    /// <summary>Its time on the CPU inside the inversion, in nanoseconds (approximate when one of its
    /// slices began before the inversion did). Only in nanoseconds: a TimeSpan here, two levels
    /// down in an alert, is an object that ConvertTo-Json's default depth would cut off.</summary>
    public ulong RunTimeNs { get; }

    /// <summary>"name[tid] OTHER 120 49.8ms".</summary>
    public override string ToString() =>
        $"{InversionTask.Format(Name, ThreadId, Policy, Priority)} {(RunTimeNs / 1e6).ToString("F1", CultureInfo.InvariantCulture)}ms";

    /// <summary>Every figure, for the text of <see cref="PriorityInversion.RanInstead"/>: "name[tid] pid 4100 FIFO 79 49812345ns".</summary>
    internal string ToCell() =>
        string.Create(CultureInfo.InvariantCulture, $"{Name}[{ThreadId}] pid {ProcessId} {InversionTask.PolicyText(Policy)} {Priority} {RunTimeNs}ns");
}

/// <summary>
/// One priority inversion, reported when it ended: the waiting task (RunQueue) or the lock's owner
/// (Lock) got the CPU back.
/// </summary>
public sealed class PriorityInversion
{
    internal PriorityInversion(PriorityInversionKind kind, ulong timestampNs, DateTime timestamp, int cpu, ulong waitNs,
        InversionTask waiting, InversionTask? owner, ulong? lockAddress, IReadOnlyList<InversionRunner> ranInstead)
    {
        Kind = kind;
        TimestampNs = timestampNs;
        Timestamp = timestamp;
        Cpu = cpu;
        WaitNs = waitNs;
        ProcessId = waiting.ProcessId;
        ThreadId = waiting.ThreadId;
        Name = waiting.Name;
        Priority = waiting.Priority;
        Policy = waiting.Policy;
        if (owner is not null)
        {
            OwnerProcessId = owner.ProcessId;
            OwnerThreadId = owner.ThreadId;
            OwnerName = owner.Name;
            OwnerPriority = owner.Priority;
            OwnerPolicy = owner.Policy;
        }
        LockAddress = lockAddress;
        runners = new TextList<InversionRunner>(ranInstead, (runner, _) => runner.ToCell(), "; ");
    }

    public PriorityInversionKind Kind { get; }

    /// <summary>When it ended (UTC).</summary>
    public DateTime Timestamp { get; }

    /// <summary><see cref="Timestamp"/> as round-trip ISO 8601 text ending in Z, which Export-Csv keeps to the tick.</summary>
    public string TimestampUtc => TextLayout.Utc(Timestamp);

    /// <summary>When it ended on the kernel's monotonic clock, in nanoseconds.</summary>
    public ulong TimestampNs { get; }

    /// <summary>When it began (UTC): <see cref="Timestamp"/> minus <see cref="Wait"/>.</summary>
    public DateTime StartTime => Timestamp - Wait;

    /// <summary><see cref="StartTime"/> as round-trip ISO 8601 text ending in Z.</summary>
    public string StartTimeUtc => TextLayout.Utc(StartTime);

    /// <summary>The CPU the waiting task (RunQueue) or the owner (Lock) waited for.</summary>
    public int Cpu { get; }

    /// <summary>How long it lasted. RunQueue: the task's wait for the CPU. Lock: the time the blocked
    /// task was blocked while the owner waited for the CPU.</summary>
    public TimeSpan Wait => TimeSpan.FromTicks((long)(WaitNs / 100));

    public ulong WaitNs { get; }

    /// <summary>Process id of the task kept waiting: the runnable task (RunQueue) or the blocked
    /// high-priority task H (Lock).</summary>
    public int ProcessId { get; }

    public int ThreadId { get; }

    public string Name { get; }

    /// <summary>Its effective kernel priority (lower is more important).</summary>
    public int Priority { get; }

    public SchedPolicy Policy { get; }

    /// <summary>Lock: the mutex owner L, which waited for the CPU while holding it. Null for RunQueue.</summary>
    public int? OwnerProcessId { get; }

    public int? OwnerThreadId { get; }

    public string? OwnerName { get; }

    public int? OwnerPriority { get; }

    public SchedPolicy? OwnerPolicy { get; }

    /// <summary>Lock: the mutex's address in the blocked task's process.</summary>
    public ulong? LockAddress { get; }

    private readonly TextList<InversionRunner> runners;

    /// <summary>The tasks of lower priority than the waiting task that ran on the CPU meanwhile
    /// (up to four, most run time first): for Lock, the "medium" tasks M. A method rather than a
    /// property for the reason <see cref="LatencyStatistics.GetBuckets"/> gives; <see cref="RanInstead"/>
    /// has every figure as text.</summary>
    public IReadOnlyList<InversionRunner> GetRanInstead() => runners;

    /// <summary><see cref="GetRanInstead"/> as text, each task with every figure, "name[tid] pid 4100
    /// FIFO 79 49812345ns", joined by "; "; "" when none ran.</summary>
    public string RanInstead => runners.ToString();

    /// <summary>The task kept waiting, as the views show it: "name[tid] FIFO 69".</summary>
    public string FormatWaiting() => InversionTask.Format(Name, ThreadId, Policy, Priority);

    /// <summary>Lock: the mutex owner, as the views show it ("name[tid] FIFO 89"); "" for RunQueue.</summary>
    public string FormatOwner() => OwnerThreadId is null ? "" : InversionTask.Format(OwnerName, OwnerThreadId, OwnerPolicy, OwnerPriority);

    /// <summary>"Lock inversion on CPU 1 for 250.3 ms: inv-high[4102] FIFO 69 waited (owner inv-low[4101] FIFO 89); ran instead: inv-medium[4103] FIFO 79 249.8ms".</summary>
    public override string ToString()
    {
        string owner = OwnerThreadId is null ? "" : $" (owner {FormatOwner()})";
        string ran = runners.Count == 0 ? "" : "; ran instead: " + string.Join(", ", runners);
        return $"{Kind} inversion on CPU {Cpu.ToString(CultureInfo.InvariantCulture)} for {LatencyStatistics.FormatNs(WaitNs)}: {FormatWaiting()} waited{owner}{ran}";
    }

    /// <summary>The names of every task in the inversion: what -Name matches.</summary>
    public IEnumerable<string> TaskNames() =>
        new[] { Name }.Concat(OwnerName is null ? [] : [OwnerName]).Concat(runners.Select(r => r.Name));

    /// <summary>The process ids of every task in the inversion: what -Id matches.</summary>
    public IEnumerable<int> ProcessIds() =>
        new[] { ProcessId }.Concat(OwnerProcessId is int owner ? [owner] : []).Concat(runners.Select(r => r.ProcessId));
}

/// <summary>
/// Priority inversions grouped by pair: the task kept waiting and one task that ran instead
/// (and, for Lock, the owner in between).
/// </summary>
public sealed class PriorityInversionSummary
{
    private PriorityInversionSummary(PriorityInversion first, InversionRunner ran)
    {
        Kind = first.Kind;
        ProcessId = first.ProcessId;
        ThreadId = first.ThreadId;
        Name = first.Name;
        Priority = first.Priority;
        Policy = first.Policy;
        OwnerThreadId = first.OwnerThreadId;
        OwnerName = first.OwnerName;
        RanProcessId = ran.ProcessId;
        RanThreadId = ran.ThreadId;
        RanName = ran.Name;
        RanPriority = ran.Priority;
        RanPolicy = ran.Policy;
        FirstSeen = first.StartTime;
        LastSeen = first.Timestamp;
    }

    public PriorityInversionKind Kind { get; }

    /// <summary>The task kept waiting (RunQueue) or blocked (Lock).</summary>
    public int ProcessId { get; }

    public int ThreadId { get; }

    public string Name { get; }

    public int Priority { get; }

    public SchedPolicy Policy { get; }

    /// <summary>Lock: the mutex owner (the last one seen for this pair).</summary>
    public int? OwnerThreadId { get; private set; }

    public string? OwnerName { get; private set; }

    /// <summary>The task that ran instead.</summary>
    public int RanProcessId { get; }

    public int RanThreadId { get; }

    public string RanName { get; }

    public int RanPriority { get; }

    public SchedPolicy RanPolicy { get; }

    /// <summary>How many alerts named this pair.</summary>
    public int Count { get; private set; }

    /// <summary>The waits of those alerts, added up.</summary>
    public TimeSpan TotalWait => TimeSpan.FromTicks((long)(TotalWaitNs / 100));

    public ulong TotalWaitNs { get; private set; }

    /// <summary>The longest of those waits.</summary>
    public TimeSpan MaxWait => TimeSpan.FromTicks((long)(MaxWaitNs / 100));

    public ulong MaxWaitNs { get; private set; }

    /// <summary>The other task's run time inside those waits, added up.</summary>
    public TimeSpan RunTime => TimeSpan.FromTicks((long)(RunTimeNs / 100));

    public ulong RunTimeNs { get; private set; }

    /// <summary>When the first of them began (UTC).</summary>
    public DateTime FirstSeen { get; private set; }

    /// <summary><see cref="FirstSeen"/> as round-trip ISO 8601 text ending in Z, which Export-Csv keeps to the tick.</summary>
    public string FirstSeenUtc => TextLayout.Utc(FirstSeen);

    /// <summary>When the last of them ended (UTC).</summary>
    public DateTime LastSeen { get; private set; }

    /// <summary><see cref="LastSeen"/> as round-trip ISO 8601 text ending in Z.</summary>
    public string LastSeenUtc => TextLayout.Utc(LastSeen);

    /// <summary>The task kept waiting, as the views show it: "name[tid] FIFO 69".</summary>
    public string FormatWaiting() => InversionTask.Format(Name, ThreadId, Policy, Priority);

    /// <summary>The task that ran instead, as the views show it: "name[tid] FIFO 79".</summary>
    public string FormatRan() => InversionTask.Format(RanName, RanThreadId, RanPolicy, RanPriority);

    /// <summary>"Lock: inv-high[4102] FIFO 69 waited while inv-medium[4103] FIFO 79 ran, 3 times, 750.9 ms in all, at most 250.3 ms".</summary>
    public override string ToString()
    {
        string owner = OwnerThreadId is null ? "" : $" (owner {OwnerName}[{OwnerThreadId.Value.ToString(CultureInfo.InvariantCulture)}])";
        return string.Create(CultureInfo.InvariantCulture,
            $"{Kind}: {FormatWaiting()} waited{owner} while {FormatRan()} ran, {Count} {(Count == 1 ? "time" : "times")}, {LatencyStatistics.FormatNs(TotalWaitNs)} in all, at most {LatencyStatistics.FormatNs(MaxWaitNs)}");
    }

    /// <summary>
    /// One row per (kind, waiting thread, thread that ran instead), longest total wait first.
    /// Alerts the rate limit suppressed are not in the rows (see the session's SuppressedInversions).
    /// </summary>
    public static IReadOnlyList<PriorityInversionSummary> Summarize(IEnumerable<PriorityInversion> alerts)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        var rows = new Dictionary<(PriorityInversionKind, int, int), PriorityInversionSummary>();
        foreach (var alert in alerts)
        {
            foreach (var ran in alert.GetRanInstead())
            {
                var key = (alert.Kind, alert.ThreadId, ran.ThreadId);
                if (!rows.TryGetValue(key, out var row))
                {
                    row = new PriorityInversionSummary(alert, ran);
                    rows[key] = row;
                }
                row.Add(alert, ran);
            }
        }
        return rows.Values.OrderByDescending(r => r.TotalWaitNs).ThenBy(r => r.ThreadId).ToList();
    }

    private void Add(PriorityInversion alert, InversionRunner ran)
    {
        Count++;
        TotalWaitNs += alert.WaitNs;
        MaxWaitNs = Math.Max(MaxWaitNs, alert.WaitNs);
        RunTimeNs += ran.RunTimeNs;
        if (alert.StartTime < FirstSeen)
        {
            FirstSeen = alert.StartTime;
        }
        if (alert.Timestamp > LastSeen)
        {
            LastSeen = alert.Timestamp;
        }
        OwnerThreadId = alert.OwnerThreadId ?? OwnerThreadId;
        OwnerName = alert.OwnerName ?? OwnerName;
    }
}

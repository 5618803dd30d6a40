using System.Globalization;
using SchedTrace.Engine;

namespace SchedTrace.Measures;

/// <summary>Per-thread on-CPU time, switches, migrations and CPUs used (bpf/measures/cputime.bpf.h).</summary>
internal sealed class CpuTimeMeasure() : Measure(SchedTraceFeature.CpuTime)
{
    /// <summary>Its constants section (struct cputime_config), set before load.</summary>
    internal const string Constants = ".rodata.cputime";

    /// <summary>The per-thread table.</summary>
    internal const string TaskTable = "task_stats";

    /// <summary>tp_btf: walks every task and copies its counters (an iter/task program).</summary>
    internal const string TaskIterator = "task_counters";

    /// <summary>raw_tp: run on each CPU to credit the task running there (BPF_PROG_TEST_RUN).</summary>
    internal const string SnapshotProgram = "snapshot_cpu";

    /// <summary>A task's life: the figures a task iterator cannot see once it is gone, and its name after exec.</summary>
    private static readonly BpfHook[] TaskLifeHooks = { BpfHook.MigrateTask, BpfHook.ProcessExit, BpfHook.ProcessFree, BpfHook.ProcessExec };

    /// <summary>Freed threads, kept once the kernel table has released them.</summary>
    private readonly RetiredTasks retiredTasks = new();

    /// <summary>Entries of the per-thread table this session loaded (0 before it has).</summary>
    internal long TableCapacity { get; private set; }

    /// <summary>The per-thread table's size for these options (tests may ask for a small one).</summary>
    internal static ThreadTableSize TableFor(SchedTraceSessionOptions options) => ThreadTableSize.ForThisMachine(options.TaskTableEntries);

    /// <summary>
    /// How the figures are gathered depends on the hook kind (<see cref="BpfTrackTasks"/>): on
    /// tp_btf the kernel's own counters are copied by a task iterator and nothing runs per
    /// switch; on raw_tp every switch credits the task leaving.
    /// </summary>
    internal override void Request(BpfRequest request, SchedTraceSessionOptions options, int alternative)
    {
        bool btf = request.Kind == HookKind.BtfTracepoint;
        if (!btf)
        {
            request.Attach(BpfHook.SchedSwitch);
        }
        request.Attach(TaskLifeHooks);
        request.SetConstants(Constants, new BpfCpuTimeConfig { TrackTasks = (uint)(btf ? BpfTrackTasks.Counters : BpfTrackTasks.Switches) });
        var table = TableFor(options);
        request.SizeMap(TaskTable, table.MaxEntries);
        if (table.AllocateOnUse)
        {
            request.AllocateEntriesOnUse(TaskTable);
        }
        if (btf)
        {
            request.AttachTaskIterator(TaskIterator);
        }
        else
        {
            request.LoadOnDemand(SnapshotProgram);
        }
    }

    /// <summary>
    /// The base: on tp_btf every task alive now is counted from its counters now; on raw_tp the
    /// task running on each CPU is counted from now, not from when it got the CPU.
    /// </summary>
    internal override void Started(SchedBpfObject bpf)
    {
        TableCapacity = bpf.Request.MapSizes.GetValueOrDefault(TaskTable);
        BringCountersIn(bpf, start: true);
    }

    /// <summary>
    /// Brings the kernel's counters into the task table: on tp_btf by a walk of every task, on
    /// raw_tp by closing each CPU's running slice (an IPI per CPU); either way a task that was
    /// never switched out is counted up to this instant (at the start: from this instant).
    /// </summary>
    private static void BringCountersIn(SchedBpfObject bpf, bool start)
    {
        if (bpf.HookKind == HookKind.BtfTracepoint)
        {
            bpf.WalkTasks();
            return;
        }
        foreach (int cpu in CpuTopology.Online().Order())
        {
            bpf.RunOnCpu(SnapshotProgram, cpu, argument: start ? 1UL : 0UL);
        }
    }

    /// <summary>
    /// Every thread seen since the session started, with its counters as of now. Freed threads
    /// are read one last time, released from the kernel table, and kept here so later reads of
    /// this session still include them.
    /// </summary>
    internal override object? Read(SchedBpfObject bpf)
    {
        BringCountersIn(bpf, start: false);
        var tasks = retiredTasks.Copy();
        foreach (var (taskKey, stats) in bpf.ReadAll<BpfTaskKey, BpfTaskStats>(TaskTable))
        {
            var entry = stats;
            if (stats.Released)
            {
                // Take it out in one step: nothing can change it after its free, but read and delete stay one operation.
                entry = bpf.Take<BpfTaskKey, BpfTaskStats>(TaskTable, taskKey) ?? stats;
            }
            var key = new TaskKey((int)taskKey.Tid, taskKey.StartTime);
            var counters = TaskCounters.From((int)taskKey.Tid, entry);
            if (entry.Released)
            {
                counters = retiredTasks.Add(key, counters);
            }
            else if (retiredTasks.TryGet(key, out var retired))
            {
                counters = retired.Plus(counters);
            }
            tasks[key] = counters;
        }
        return (IReadOnlyDictionary<TaskKey, TaskCounters>)tasks;
    }

    internal override object? Empty => (IReadOnlyDictionary<TaskKey, TaskCounters>)new Dictionary<TaskKey, TaskCounters>();

    /// <summary>The threads now in the kernel's table, read as they are (tests: released entries are gone).</summary>
    internal static IReadOnlyList<TaskKey> TableKeys(SchedBpfObject bpf) =>
        bpf.ReadAll<BpfTaskKey, BpfTaskStats>(TaskTable).Select(e => new TaskKey((int)e.Key.Tid, e.Key.StartTime)).ToList();

    internal override string DescribePrograms(BpfRequest request) => request.TaskIterator == TaskIterator
        ? request.Tasks.Tgids.Count == 1 || request.Tasks.Tids.Count == 1
            ? "; a task iterator (iter/task) over the filtered tasks runs at the start and at each reading"
            : "; a task iterator (iter/task) over every task runs at the start and at each reading"
        : "; a program runs on each CPU at each reading (BPF_PROG_TEST_RUN)";

    internal override IEnumerable<string> DescribeTables(BpfRequest request)
    {
        uint entries = request.MapSizes[TaskTable];
        yield return $"task table {entries.ToString("N0", CultureInfo.InvariantCulture)} entries{(request.AllocateOnUse.Contains(TaskTable) ? " (allocated as used)" : string.Empty)}";
    }
}

/// <summary>How the CpuTime measure gathers per-task figures (TRACK_* in bpf/measures/cputime.bpf.h).</summary>
internal enum BpfTrackTasks : uint
{
    None = 0,
    /// <summary>raw_tp: every sched_switch credits the outgoing task.</summary>
    Switches = 1,
    /// <summary>tp_btf: nothing on sched_switch; a task iterator copies the kernel's own counters.</summary>
    Counters = 2,
}

/// <summary>Mirror of <c>struct cputime_config</c> (.rodata.cputime).</summary>
[KernelMirror("cputime_config")]
internal struct BpfCpuTimeConfig
{
    /// <summary><see cref="BpfTrackTasks"/>, chosen per hook kind.</summary>
    public uint TrackTasks;
    public uint Pad;
}

/// <summary>Mirror of <c>struct task_key</c>: a thread is its id and its start time.</summary>
[KernelMirror("task_key")]
internal struct BpfTaskKey
{
    public uint Tid;
    public uint Pad;
    public ulong StartTime;
}

/// <summary>Mirror of <c>struct task_stats</c>: one per thread seen.</summary>
[KernelMirror("task_stats")]
internal unsafe struct BpfTaskStats
{
    public ulong RuntimeNs;
    public ulong RuntimeSeen;
    public ulong Voluntary;
    public ulong Involuntary;
    public ulong Migrations;
    public ulong Cpus;
    public ulong StartTime;
    public uint Tgid;
    public int Prio;
    public uint Exited;
    public uint Pad;
    public fixed byte Comm[16];
    public ulong RuntimeBase;
    public ulong NvcswBase;
    public ulong NivcswBase;

    /// <summary>The thread has been freed (TASK_RELEASED): its figures are final and the entry
    /// is deleted once read. An exiting thread (TASK_EXITING) is read like a live one.</summary>
    public readonly bool Released => Exited == 2;

    public readonly string CommText()
    {
        fixed (byte* comm = Comm)
        {
            return BpfComm.Text(comm);
        }
    }
}

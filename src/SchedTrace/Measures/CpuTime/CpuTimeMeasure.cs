using System.Globalization;
using System.Runtime.InteropServices;
using SchedTrace.Engine;

namespace SchedTrace.Measures;

/// <summary>Per-thread on-CPU time, switches, migrations and CPUs used (bpf/measures/cputime.bpf.h).</summary>
internal sealed class CpuTimeMeasure : Measure
{
    internal const string Constants = ".rodata.cputime";

    /// <summary>The per-thread table.</summary>
    internal const string TaskTable = "task_stats";

    /// <summary>tp_btf: walks every task and copies its counters (an iter/task program).</summary>
    internal const string TaskIterator = "task_counters";

    /// <summary>raw_tp: run on each CPU to credit the task running there (BPF_PROG_TEST_RUN).</summary>
    internal const string SnapshotProgram = "snapshot_cpu";

    /// <summary>A task's life: the figures a task iterator cannot see once it is gone, and its name after exec.</summary>
    private static readonly BpfHook[] TaskLifeHooks = { BpfHook.MigrateTask, BpfHook.ProcessExit, BpfHook.ProcessFree, BpfHook.ProcessExec };

    internal override SchedTraceFeature Feature => SchedTraceFeature.CpuTime;

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
        if (bpf.HookKind == HookKind.BtfTracepoint)
        {
            bpf.WalkTasks();
            return;
        }
        foreach (int cpu in CpuTopology.Online().Order())
        {
            bpf.RunOnCpu(SnapshotProgram, cpu, argument: 1);
        }
    }

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
[StructLayout(LayoutKind.Sequential)]
[KernelMirror("cputime_config")]
internal struct BpfCpuTimeConfig
{
    /// <summary><see cref="BpfTrackTasks"/>, chosen per hook kind.</summary>
    public uint TrackTasks;
    public uint Pad;
}

/// <summary>Mirror of <c>struct task_key</c>: a thread is its id and its start time.</summary>
[StructLayout(LayoutKind.Sequential)]
[KernelMirror("task_key")]
internal struct BpfTaskKey
{
    public uint Tid;
    public uint Pad;
    public ulong StartTime;
}

/// <summary>Mirror of <c>struct task_stats</c>: one per thread seen.</summary>
[StructLayout(LayoutKind.Sequential)]
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

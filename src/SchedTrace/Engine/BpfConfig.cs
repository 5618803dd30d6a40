using System.Runtime.InteropServices;

namespace SchedTrace.Engine;

/// <summary>
/// Mirror of <c>struct config</c> in bpf/schedtrace.bpf.c (the object's .rodata.config). Same
/// order and natural alignment; <see cref="SchedBpfObject"/> refuses to load if the sizes differ.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
[KernelMirror("config")]
internal unsafe struct BpfConfig
{
    public uint FilterTgid;
    public uint FilterTid;
    public uint PrevStateArg;
    public uint CountSwitches;
    /// <summary>CpuTime: <see cref="BpfTrackTasks"/>, chosen per hook kind when the programs load.</summary>
    public uint TrackTasks;
    public uint Emit;
    public uint FilterCpu;
    /// <summary><see cref="BpfFilterSets"/>: filters of several ids, kept in the filter_tgids / filter_tids maps.</summary>
    public uint FilterSets;
    public ulong MinRuntimeNs;
    public fixed byte FilterComm[16];
    public uint Latency;
    public uint LatencyPerProcess;
    public uint ScheduleMethod;
    public uint Pad2;
    public uint Inversion;
    public uint InversionMinNiceGap;
    public ulong InversionThresholdNs;
    public ulong InversionCostNs;
    public ulong InversionBurstNs;
    public uint FutexNr;
    public uint Pad3;
    public ulong SessionStartNs;

    /// <summary>
    /// Sets the task name events are filtered on: the comm a task of that name has
    /// (<see cref="CommName.BytesOf"/>), with ASCII letters in lower case. comm_matches() folds
    /// only the ASCII letters of the task's comm, so folding anything else here (É to é, the
    /// Kelvin sign to k) would make a name miss its own task.
    /// </summary>
    public void SetFilterComm(string? name)
    {
        var bytes = CommName.BytesOf(name ?? string.Empty);
        for (int i = 0; i < 16; i++)
        {
            byte b = i < bytes.Length ? bytes[i] : (byte)0;
            FilterComm[i] = b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b + ('a' - 'A')) : b;
        }
    }
}

/// <summary>How feature CpuTime gathers per-task figures (TRACK_* in the BPF source).</summary>
internal enum BpfTrackTasks : uint
{
    None = 0,
    /// <summary>raw_tp: every sched_switch credits the outgoing task.</summary>
    Switches = 1,
    /// <summary>tp_btf: nothing on sched_switch; a task iterator copies the kernel's own counters.</summary>
    Counters = 2,
}

/// <summary>Which id filters are sets in a map rather than one constant (FILTER_*_SET in the BPF source).</summary>
[Flags]
internal enum BpfFilterSets : uint
{
    None = 0,
    Tgids = 1,
    Tids = 2,
}

/// <summary>The kinds of event the BPF programs send to the ring buffer (EMIT_* in the BPF source).</summary>
[Flags]
internal enum BpfEmit : uint
{
    None = 0,
    Switch = 1,
    Wakeup = 2,
    Migrate = 4,
}

/// <summary>The LAT_* bits of <c>cfg.latency</c>: which latency measures the programs record.</summary>
[Flags]
internal enum BpfLatency : uint
{
    None = 0,
    RunQueue = 1,
    OffCpu = 2,
    Schedule = 4,
}

/// <summary>Mirror of <c>struct switch_counts</c>: one copy per CPU.</summary>
[StructLayout(LayoutKind.Sequential)]
[KernelMirror("switch_counts")]
internal struct BpfSwitchCounts
{
    public ulong Voluntary;
    public ulong Involuntary;
    public ulong FromIdle;
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

/// <summary>Mirror of <c>struct session_stats</c>: one copy per CPU.</summary>
[StructLayout(LayoutKind.Sequential)]
[KernelMirror("session_stats")]
internal struct BpfSessionStats
{
    public ulong TasksDropped;
    public ulong EventsLost;
    public ulong LatencyDropped;
}

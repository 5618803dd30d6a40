using SchedTrace.Engine;

namespace SchedTrace.Measures;

/// <summary>
/// Run-queue length: how many tasks waited for each CPU, sampled on every CPU by a perf event
/// (bpf/measures/runqlen.bpf.h). bcc's runqlen, per CPU, with its -O occupancy.
/// </summary>
internal sealed class RunQueueLengthMeasure() : Measure(SchedTraceFeature.RunQueueLength)
{
    /// <summary>The per-CPU counts and histogram (one slot, a copy per CPU).</summary>
    internal const string CountsMap = "runqlen_counts";

    /// <summary>The perf_event program that takes each sample.</summary>
    internal const string Program = "runqlen_sample";

    /// <summary>
    /// Samples per second on each CPU: 99, as bcc's runqlen and perf's -F 99, off the 100 Hz and
    /// 1000 Hz ticks so that the samples do not fall in step with the timer's own work.
    /// </summary>
    internal const uint Hertz = 99;

    private static readonly BpfHook Sampling = BpfHook.Sample(Program, PerfSampling.CpuClock(Hertz));

    internal override void Request(BpfRequest request, SchedTraceSessionOptions options, int alternative)
    {
        request.Attach(Sampling);
    }

    /// <summary>One copy of the counts per possible CPU, read in one syscall.</summary>
    internal override object? Read(SchedBpfObject bpf) => bpf.ReadPerCpu<BpfRunQueueCounts>(CountsMap);

    internal override object? Empty => new BpfRunQueueCounts[SchedBpfObject.PossibleCpus];

    /// <summary>A run queue is a CPU's, not a task's: the process and thread filters leave it whole.</summary>
    internal override IEnumerable<string> DescribeFilters(SchedTraceSessionOptions options) =>
        options.ProcessIds.Count + options.ThreadIds.Count > 0 ? ["run-queue lengths count every task (a run queue is the CPU's)"] : [];
}

/// <summary>Mirror of <c>struct runqlen_counts</c>: one copy per CPU.</summary>
[KernelMirror("runqlen_counts")]
internal unsafe struct BpfRunQueueCounts
{
    /// <summary>RUNQLEN_SLOTS: 0 to 62 tasks waiting, and 63 or more in the last.</summary>
    internal const int Slots = 64;

    public ulong Samples;
    public ulong Idle;
    public ulong Waiting;
    public fixed ulong SlotCounts[Slots];

    internal readonly ulong[] CopySlots()
    {
        fixed (ulong* source = SlotCounts)
        {
            return new ReadOnlySpan<ulong>(source, Slots).ToArray();
        }
    }
}

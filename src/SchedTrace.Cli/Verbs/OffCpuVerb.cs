namespace SchedTrace.Cli.Verbs;

/// <summary>`schedtrace offcpu`: how long threads were off the CPU, by why they left it.</summary>
internal sealed class OffCpuVerb() : LatencyVerb(
    "offcpu", "Off-CPU time by reason: sleeping, uninterruptible (I/O), preempted, other.", LatencyReportKind.OffCpu, "off-CPU time");

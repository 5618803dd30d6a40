namespace SchedTrace.Cli.Verbs;

/// <summary>`schedtrace offcpu`: how long threads were off the CPU, by why they left it.</summary>
internal sealed class OffCpuVerb : LatencyVerb
{
    internal override string Name => "offcpu";

    internal override string Summary => "Off-CPU time by reason: sleeping, uninterruptible (I/O), preempted, other.";

    private protected override LatencyReportKind Kind => LatencyReportKind.OffCpu;

    private protected override string What => "off-CPU time";
}

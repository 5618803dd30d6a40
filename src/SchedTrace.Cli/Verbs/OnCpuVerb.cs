namespace SchedTrace.Cli.Verbs;

/// <summary>`schedtrace oncpu`: how long threads ran each time they got a CPU (bcc's cpudist).</summary>
internal sealed class OnCpuVerb() : LatencyVerb(
    "oncpu", "On-CPU slices: how long threads ran per switch-in, blocked or preempted.", LatencyReportKind.OnCpu, "on-CPU slices");

namespace SchedTrace.Cli.Verbs;

/// <summary>`schedtrace runqlat`: how long runnable threads waited for a CPU.</summary>
internal sealed class RunQueueLatencyVerb() : LatencyVerb(
    "runqlat", "Run-queue latency: how long runnable threads waited for a CPU (histogram).", LatencyReportKind.RunQueue, "run-queue latency");

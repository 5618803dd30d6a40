namespace SchedTrace.Cli.Verbs;

/// <summary>`schedtrace runqlat`: how long runnable threads waited for a CPU.</summary>
internal sealed class RunQueueLatencyVerb : LatencyVerb
{
    internal override string Name => "runqlat";

    internal override string Summary => "Run-queue latency: how long runnable threads waited for a CPU (histogram).";

    private protected override LatencyReportKind Kind => LatencyReportKind.RunQueue;

    private protected override string What => "run-queue latency";
}

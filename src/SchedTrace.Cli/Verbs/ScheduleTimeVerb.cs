namespace SchedTrace.Cli.Verbs;

/// <summary>`schedtrace switchtime`: the time in schedule() and the CPU's switch handover (the assignment's measure).</summary>
internal sealed class ScheduleTimeVerb : LatencyVerb
{
    internal override string Name => "switchtime";

    internal override string Summary => "Time in schedule() and the CPU's switch handover: count, min, mean, max, histogram.";

    private protected override LatencyReportKind Kind => LatencyReportKind.ScheduleTime;

    private protected override string What => "time in schedule() and the switch handover";
}

namespace SchedTrace.Cli.Verbs;

/// <summary>`schedtrace switchtime`: the time in schedule() and the CPU's switch handover (the assignment's measure).</summary>
internal sealed class ScheduleTimeVerb() : LatencyVerb(
    "switchtime", "Time in schedule() and the CPU's switch handover: count, min, mean, max, histogram.", LatencyReportKind.ScheduleTime,
    "time in schedule() and the switch handover");

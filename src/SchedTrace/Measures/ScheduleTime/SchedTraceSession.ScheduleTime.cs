using SchedTrace.Measures;

namespace SchedTrace;

/// <summary>What a session says about its ScheduleTime measure.</summary>
public sealed partial class SchedTraceSession
{
    /// <summary>How schedule() calls are timed (None without the ScheduleTime feature).</summary>
    public ScheduleTimeMethod ScheduleMethod => MeasureOf<ScheduleTimeMeasure>()?.Method ?? ScheduleTimeMethod.None;

    /// <summary>What a method hooks, for messages and the Method column of readings.</summary>
    public static string Describe(ScheduleTimeMethod method) => ScheduleTimeMeasure.Describe(method);
}

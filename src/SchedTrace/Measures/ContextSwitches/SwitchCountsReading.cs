using SchedTrace.Measures;

namespace SchedTrace;

/// <summary>The switch counters' readings, as the session hands them over.</summary>
internal static class SwitchCountsReading
{
    /// <summary>Per-CPU switch counters since the session started; once stopped, as of the stop.</summary>
    internal static MeasureReading<BpfSwitchCounts[]> ReadSwitchCounts(this SchedTraceSession session) =>
        session.Read<BpfSwitchCounts[]>(SchedTraceFeature.ContextSwitches);
}

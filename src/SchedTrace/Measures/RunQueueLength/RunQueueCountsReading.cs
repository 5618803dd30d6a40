using SchedTrace.Measures;

namespace SchedTrace;

/// <summary>The run-queue samples' readings, as the session hands them over.</summary>
internal static class RunQueueCountsReading
{
    /// <summary>Per-CPU run-queue samples since the session started; once stopped, as of the stop.</summary>
    internal static MeasureReading<BpfRunQueueCounts[]> ReadRunQueueCounts(this SchedTraceSession session) =>
        session.Read<BpfRunQueueCounts[]>(SchedTraceFeature.RunQueueLength);
}

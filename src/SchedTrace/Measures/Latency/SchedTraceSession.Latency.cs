using SchedTrace.Measures;

namespace SchedTrace;

/// <summary>Options of the latency features.</summary>
public sealed partial record SchedTraceSessionOptions
{
    /// <summary>Latency features: also keep one histogram per process and measure.</summary>
    public bool LatencyPerProcess { get; init; }
}

/// <summary>What a session says about its latency measures (the histogram family) and their stamps.</summary>
public sealed partial class SchedTraceSession
{
    /// <summary>Whether latency is also kept per process.</summary>
    public bool LatencyPerProcess => MeasureOf<HistogramMeasure>()?.PerProcess ?? false;

    /// <summary>Durations left out of per-process latency rows because that table was full
    /// (they are in the per-CPU and global figures), as of <see cref="CountersAsOf"/>.</summary>
    public long LatencyDropped => Counters.LatencyDropped;

    /// <summary>Durations missing from every latency figure, as of <see cref="CountersAsOf"/>: a
    /// thread's stamps could not be kept or read when it left or got the CPU (the kernel's task
    /// storage refuses tracing programs on a CPU while a task there is freeing its own), so its
    /// next duration is lost. Rare; counted, never silent. Priority inversion uses the same stamps.</summary>
    public long LatencyLost => Counters.LatencyLost;

    /// <summary>
    /// Times a traced thread left a CPU that it got without a switch the kernel reported, as of
    /// <see cref="CountersAsOf"/>: the latency durations that ended at that switch-in are missing.
    /// Some kernels never report certain threads leaving a CPU (in a Firecracker VM, the agent's
    /// threads, PID 1; ftrace misses them too), so whoever takes the CPU from one of them is
    /// switched in unseen. Kept by sessions with a latency feature or priority inversion; 0
    /// elsewhere. A switch-in whose stamps were refused (<see cref="LatencyLost"/>) counts here too.
    /// </summary>
    public long SwitchInsUnseen => Counters.SwitchInsUnseen;
}

/// <summary>The latency histograms' readings, as the session hands them over.</summary>
internal static class LatencyReading
{
    /// <summary>
    /// Every latency histogram as of now (once stopped, as of the stop), read through the
    /// session's first latency measure: one reading serves the family.
    /// </summary>
    internal static MeasureReading<LatencyFigures> ReadLatency(this SchedTraceSession session) =>
        session.Read<LatencyFigures>(FamilyFeature(session));

    /// <summary>The empty reading at the session's start.</summary>
    internal static MeasureReading<LatencyFigures> StartLatency(this SchedTraceSession session) =>
        session.StartReading<LatencyFigures>(FamilyFeature(session));

    /// <summary>The feature of the session's first latency measure; without one, the one a refusal names.</summary>
    private static SchedTraceFeature FamilyFeature(SchedTraceSession session) =>
        session.MeasureOf<HistogramMeasure>()?.Feature ?? SchedTraceFeature.RunQueueLatency;
}

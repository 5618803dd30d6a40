using SchedTrace.Measures;

namespace SchedTrace;

/// <summary>Options of the PriorityInversion feature.</summary>
public sealed partial record SchedTraceSessionOptions
{
    /// <summary>Waits shorter than this are not reported (default 10 ms).</summary>
    public TimeSpan InversionThreshold { get; init; } = DefaultInversionThreshold;

    /// <summary>10 ms: longer than a normal task's time slice, far shorter than anything a person notices.</summary>
    public static readonly TimeSpan DefaultInversionThreshold = TimeSpan.FromMilliseconds(10);

    /// <summary>Which detections (default: both; Lock needs x86-64).</summary>
    public IReadOnlyCollection<PriorityInversionKind>? InversionKinds { get; init; }

    /// <summary>Between two normal (SCHED_OTHER/BATCH) tasks, the least nice gap that counts as lower
    /// priority (default 10). Real-time tasks: any lower priority counts; across classes always.</summary>
    public int InversionMinNiceGap { get; init; } = DefaultInversionMinNiceGap;

    public const int DefaultInversionMinNiceGap = 10;

    /// <summary>Rate limit: alerts per second per CPU, with a burst of as many (default 100).</summary>
    public int MaxInversionsPerSecond { get; init; } = DefaultMaxInversionsPerSecond;

    public const int DefaultMaxInversionsPerSecond = 100;
}

public sealed partial class SchedTraceSession
{
    /// <summary>PriorityInversion: the threshold the kernel applies (null without the feature).</summary>
    public TimeSpan? InversionThreshold => MeasureOf<PriorityInversionMeasure>()?.Threshold;

    /// <summary>PriorityInversion: the detections this session runs.</summary>
    public IReadOnlyList<PriorityInversionKind> InversionKinds => MeasureOf<PriorityInversionMeasure>()?.Kinds ?? PriorityInversionMeasure.NoKinds;

    /// <summary>The alert counters as of <see cref="CountersAsOf"/>; empty per CPU without the feature.</summary>
    private InversionCounters InversionCounters => Counters.Inversions();

    /// <summary>Alerts the rate limit refused, summed over CPUs, as of <see cref="CountersAsOf"/>:
    /// always the sum of <see cref="SuppressedInversionsPerCpu"/>.</summary>
    public long SuppressedInversions => InversionCounters.SuppressedPerCpu.Sum();

    /// <summary>Suppressed alerts by CPU (index = CPU), as of <see cref="CountersAsOf"/>; empty without the feature.</summary>
    public IReadOnlyList<long> SuppressedInversionsPerCpu => PerCpu(InversionCounters.SuppressedPerCpu);

    /// <summary>Alerts the kernel detected and sent (whether or not read yet), as of <see cref="CountersAsOf"/>.</summary>
    public long InversionAlerts => InversionCounters.AlertsPerCpu.Sum();

    /// <summary>Alerts that found the alert ring buffer full, as of <see cref="CountersAsOf"/>.</summary>
    public long LostInversions => InversionCounters.LostPerCpu.Sum();

    /// <summary>Mutex waits the lock detection could not track because its tables were full, as of <see cref="CountersAsOf"/>.</summary>
    public long UntrackedLockWaits => InversionCounters.WaitsDropped;

    /// <summary>Whether this machine can detect lock inversions (x86-64 syscall registers).</summary>
    public static bool LockDetectionSupported => PriorityInversionMeasure.LockDetectionSupported;
}

/// <summary>The alert stream, as the session hands it over.</summary>
internal static class InversionReading
{
    /// <summary>
    /// Every alert the ring buffer holds now, decoded, in the order the kernel reserved them, and
    /// the counters read right after. A stopped session hands over what Stop drained, once.
    /// </summary>
    internal static StreamTake<PriorityInversion> TakeInversionAlerts(this SchedTraceSession session) =>
        session.Take<PriorityInversion>(SchedTraceFeature.PriorityInversion);

    /// <summary>The alerts alone (<see cref="TakeInversionAlerts"/>).</summary>
    internal static IReadOnlyList<PriorityInversion> TakeInversions(this SchedTraceSession session) => session.TakeInversionAlerts().Records;

    /// <summary>The alert counters of a take or of the session's last read.</summary>
    internal static InversionCounters Inversions(this SessionCounters counters) =>
        counters.Of(SchedTraceFeature.PriorityInversion, InversionCounters.None);
}

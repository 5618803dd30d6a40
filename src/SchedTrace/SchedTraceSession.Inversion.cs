using System.Runtime.InteropServices;
using SchedTrace.Engine;
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
    private InversionStream? inversions;

    /// <summary>PriorityInversion: the threshold the kernel applies (null without the feature).</summary>
    public TimeSpan? InversionThreshold { get; private set; }

    /// <summary>PriorityInversion: the detections this session runs.</summary>
    public IReadOnlyList<PriorityInversionKind> InversionKinds { get; private set; } = new TextList<PriorityInversionKind>([], (kind, _) => kind.ToString());

    /// <summary>Alerts the rate limit refused, summed over CPUs, as of <see cref="CountersAsOf"/>:
    /// always the sum of <see cref="SuppressedInversionsPerCpu"/>.</summary>
    public long SuppressedInversions => Counters.InversionsSuppressedPerCpu.Sum();

    /// <summary>Suppressed alerts by CPU (index = CPU), as of <see cref="CountersAsOf"/>; empty without the feature.</summary>
    public IReadOnlyList<long> SuppressedInversionsPerCpu => PerCpu(Counters.InversionsSuppressedPerCpu);

    /// <summary>Alerts the kernel detected and sent (whether or not read yet), as of <see cref="CountersAsOf"/>.</summary>
    public long InversionAlerts => Counters.InversionAlertsPerCpu.Sum();

    /// <summary>Alerts that found the alert ring buffer full, as of <see cref="CountersAsOf"/>.</summary>
    public long LostInversions => Counters.InversionsLostPerCpu.Sum();

    /// <summary>Mutex waits the lock detection could not track because its tables were full, as of <see cref="CountersAsOf"/>.</summary>
    public long UntrackedLockWaits => Counters.LockWaitsDropped;

    /// <summary>Whether this machine can detect lock inversions (x86-64 syscall registers).</summary>
    public static bool LockDetectionSupported => PriorityInversionMeasure.LockDetectionSupported;

    private void OpenInversions(SchedTraceSessionOptions options, SchedBpfObject bpf)
    {
        if (!options.Features.HasFlag(SchedTraceFeature.PriorityInversion))
        {
            return;
        }
        inversions = new InversionStream(bpf.MapFd(PriorityInversionMeasure.AlertRing), new SchedClock());
        InversionThreshold = options.InversionThreshold;
        InversionKinds = new TextList<PriorityInversionKind>(PriorityInversionMeasure.KindsFor(options).Order(), (kind, _) => kind.ToString(), ", ");
    }

    /// <summary>
    /// Every alert the ring buffer holds now, decoded, in the order the kernel reserved them, and
    /// the counters read right after. A stopped session hands over what Stop drained, once.
    /// </summary>
    internal IReadOnlyList<PriorityInversion> TakeInversions()
    {
        RequireFeature(SchedTraceFeature.PriorityInversion);
        lock (gate)
        {
            if (bpf is { } reader)
            {
                inversions!.Drain();
                RefreshCounters(reader);
            }
            var taken = inversions!.Pending.ToArray();
            inversions.Pending.Clear();
            return taken;
        }
    }
}

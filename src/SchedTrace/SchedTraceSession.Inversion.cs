using System.Runtime.InteropServices;
using SchedTrace.Engine;

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
    /// <summary>The futex syscall on x86-64, the one architecture whose syscall registers the lock
    /// detection reads (bpf/sched_types.h pt_regs).</summary>
    private const uint FutexX64 = 202;

    /// <summary>256 KiB: about 960 alerts; the reader drains it every 10 ms, and the default rate limit
    /// lets through at most 100 per second per CPU.</summary>
    private const uint AlertRingBytes = 256 << 10;

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

    private static IReadOnlyCollection<PriorityInversionKind> KindsFor(SchedTraceSessionOptions options) =>
        options.InversionKinds ?? (LockDetectionSupported
            ? new[] { PriorityInversionKind.RunQueue, PriorityInversionKind.Lock }
            : new[] { PriorityInversionKind.RunQueue });

    /// <summary>Whether this machine can detect lock inversions (x86-64 syscall registers).</summary>
    public static bool LockDetectionSupported => RuntimeInformation.ProcessArchitecture == Architecture.X64;

    private static void ValidateInversion(SchedTraceSessionOptions options)
    {
        if (!options.Features.HasFlag(SchedTraceFeature.PriorityInversion))
        {
            return;
        }
        if (options.InversionThreshold <= TimeSpan.Zero)
        {
            throw Invalid("InvalidThreshold", $"A threshold of {options.InversionThreshold} is not valid.", "Give a positive duration, e.g. 0.01 (10 ms) or '500us'.");
        }
        if (options.InversionMinNiceGap is < 1 or > 39)
        {
            throw Invalid("InvalidNiceGap", $"A nice gap of {options.InversionMinNiceGap} is not valid.", "Give a gap from 1 to 39 nice levels.");
        }
        if (options.MaxInversionsPerSecond is < 1 or > 1_000_000)
        {
            throw Invalid("InvalidAlertRate", $"A rate of {options.MaxInversionsPerSecond} alerts per second is not valid.", "Give 1 to 1000000 alerts per second per CPU.");
        }
        if (options.InversionKinds is { Count: 0 })
        {
            throw Invalid("NoInversionKinds", "No kind of priority inversion was asked for.", "Give RunQueue, Lock or both.");
        }
        if (KindsFor(options).Contains(PriorityInversionKind.Lock) && !LockDetectionSupported)
        {
            throw new SchedTraceException(SchedTraceErrorKind.NotSupported, "LockInversionNotSupported",
                $"Lock inversions can only be detected on x86-64; this machine is {RuntimeInformation.ProcessArchitecture}.",
                $"Ask for RunQueue inversions only ({SchedTraceOption.Named("Kind", PriorityInversionKind.RunQueue)}).");
        }
    }

    private static void ConfigureInversion(ref BpfConfig config, SchedTraceSessionOptions options)
    {
        if (!options.Features.HasFlag(SchedTraceFeature.PriorityInversion))
        {
            return;
        }
        var kinds = KindsFor(options);
        config.Inversion = (kinds.Contains(PriorityInversionKind.RunQueue) ? 1u : 0) | (kinds.Contains(PriorityInversionKind.Lock) ? 2u : 0);
        config.InversionThresholdNs = (ulong)options.InversionThreshold.Ticks * 100;
        config.InversionMinNiceGap = (uint)options.InversionMinNiceGap;
        config.InversionCostNs = 1_000_000_000UL / (ulong)options.MaxInversionsPerSecond;
        config.InversionBurstNs = config.InversionCostNs * (ulong)options.MaxInversionsPerSecond;
        config.FutexNr = FutexX64;
    }

    private static uint AlertRingBytesFor(SchedTraceSessionOptions options) =>
        options.Features.HasFlag(SchedTraceFeature.PriorityInversion) ? AlertRingBytes : 4096;

    /// <summary>Run-queue stamps come from wakeups and switches; lock waits from futex() entry and exit.</summary>
    private static IEnumerable<BpfHook> InversionHooks(SchedTraceSessionOptions options)
    {
        if (!options.Features.HasFlag(SchedTraceFeature.PriorityInversion))
        {
            yield break;
        }
        yield return BpfHook.Wakeup;
        yield return BpfHook.WakeupNew;
        if (KindsFor(options).Contains(PriorityInversionKind.Lock))
        {
            yield return BpfHook.SysEnter;
            yield return BpfHook.SysExit;
        }
    }

    private void OpenInversions(SchedTraceSessionOptions options, SchedBpfObject bpf)
    {
        if (!options.Features.HasFlag(SchedTraceFeature.PriorityInversion))
        {
            return;
        }
        inversions = new InversionStream(bpf.MapFd("inv_alerts"), new SchedClock());
        InversionThreshold = options.InversionThreshold;
        InversionKinds = new TextList<PriorityInversionKind>(KindsFor(options).Order(), (kind, _) => kind.ToString(), ", ");
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

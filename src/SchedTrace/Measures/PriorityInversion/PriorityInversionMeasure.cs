using System.Runtime.InteropServices;
using SchedTrace.Engine;

namespace SchedTrace.Measures;

/// <summary>Priority-inversion alerts: run-queue and lock inversions (bpf/measures/inversion.bpf.h).</summary>
internal sealed class PriorityInversionMeasure() : Measure(SchedTraceFeature.PriorityInversion)
{
    /// <summary>Its constants section (struct inversion_config), set before load.</summary>
    internal const string Constants = ".rodata.inversion";

    /// <summary>The alerts' own ring buffer.</summary>
    internal const string AlertRing = "inv_alerts";

    /// <summary>The per-CPU counters of alerts sent, suppressed and lost.</summary>
    internal const string StatsMap = "inv_stats";

    /// <summary>Lock detection: each lock owner's waiters, by owner thread.</summary>
    internal const string LockOwners = "lock_owners";

    /// <summary>Lock detection: each waiting thread's slot among its owner's waiters.</summary>
    internal const string LockWaiters = "lock_waiters";

    /// <summary>256 KiB: about 960 alerts; the reader drains it every 10 ms, and the default rate limit
    /// lets through at most 100 per second per CPU.</summary>
    private const uint AlertRingBytes = 256 << 10;

    /// <summary>The futex syscall on x86-64, the one architecture whose syscall registers the lock
    /// detection reads (bpf/sched_types.h pt_regs).</summary>
    private const uint FutexX64 = 202;

    /// <summary>The threshold the kernel applies, once requested.</summary>
    internal TimeSpan Threshold { get; private set; }

    /// <summary>The detections the session runs, once requested.</summary>
    internal IReadOnlyList<PriorityInversionKind> Kinds { get; private set; } = NoKinds;

    internal static IReadOnlyList<PriorityInversionKind> NoKinds { get; } = KindList([]);

    private static TextList<PriorityInversionKind> KindList(IEnumerable<PriorityInversionKind> kinds) => new(kinds, (kind, _) => kind.ToString(), ", ");

    /// <summary>The detections asked for (default: both where lock detection works, run-queue only elsewhere).</summary>
    internal static IReadOnlyCollection<PriorityInversionKind> KindsFor(SchedTraceSessionOptions options) =>
        options.InversionKinds ?? (LockDetectionSupported
            ? new[] { PriorityInversionKind.RunQueue, PriorityInversionKind.Lock }
            : new[] { PriorityInversionKind.RunQueue });

    /// <summary>Whether this machine can detect lock inversions (x86-64 syscall registers).</summary>
    internal static bool LockDetectionSupported => RuntimeInformation.ProcessArchitecture == Architecture.X64;

    internal override void Validate(SchedTraceSessionOptions options)
    {
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

    /// <summary>Run-queue stamps come from wakeups and switches; lock waits from futex() entry and exit.</summary>
    internal override void Request(BpfRequest request, SchedTraceSessionOptions options, int alternative)
    {
        var kinds = KindsFor(options);
        Threshold = options.InversionThreshold;
        Kinds = KindList(kinds.Order());
        bool locks = kinds.Contains(PriorityInversionKind.Lock);
        request.Attach(BpfHook.SchedSwitch, BpfHook.Wakeup, BpfHook.WakeupNew);
        if (locks)
        {
            request.Attach(BpfHook.SysEnter, BpfHook.SysExit);
        }
        ulong cost = 1_000_000_000UL / (ulong)options.MaxInversionsPerSecond;
        request.SetConstants(Constants, new BpfInversionConfig
        {
            Detect = (kinds.Contains(PriorityInversionKind.RunQueue) ? 1u : 0) | (locks ? 2u : 0),
            MinNiceGap = (uint)options.InversionMinNiceGap,
            ThresholdNs = (ulong)options.InversionThreshold.Ticks * 100,
            CostNs = cost,
            BurstNs = cost * (ulong)options.MaxInversionsPerSecond,
            FutexNr = FutexX64,
        });
        request.SizeMap(AlertRing, AlertRingBytes);
        // Lock-inversion tables only where lock waits are tracked (an LRU map is allocated up front).
        if (locks)
        {
            request.SizeMap(LockOwners, 4096);
            request.SizeMap(LockWaiters, 16_384);
        }
        request.Part<LatencyTables>().Keep(BpfStamps.Runnable);
    }

    internal override IRecordStream? OpenStream(SchedBpfObject bpf) => new InversionStream(bpf.MapFd(AlertRing), new SchedClock());

    /// <summary>Alerts sent, suppressed and lost by CPU, and lock waits left untracked, from inv_stats.</summary>
    internal override object? ReadCounters(SchedBpfObject bpf, BpfSessionStats[] shared) => InversionCounters.From(bpf.ReadPerCpu<BpfInvStats>(StatsMap));

    internal override object? ZeroCounters => InversionCounters.Zero(SchedBpfObject.PossibleCpus);

    internal override IEnumerable<string> DescribeTables(BpfRequest request)
    {
        yield return $"alert ring buffer {TextLayout.Bytes(request.MapSizes[AlertRing])}";
    }
}

/// <summary>The alert counters of one read of inv_stats, per CPU (index = CPU).</summary>
internal sealed record InversionCounters(long[] AlertsPerCpu, long[] SuppressedPerCpu, long[] LostPerCpu, long WaitsDropped)
{
    /// <summary>A session without the feature: nothing per CPU.</summary>
    internal static InversionCounters None { get; } = Zero(0);

    internal static InversionCounters Zero(int cpus) => new(new long[cpus], new long[cpus], new long[cpus], 0);

    internal static InversionCounters From(BpfInvStats[] stats) => new(
        stats.Select(cpu => (long)cpu.Alerts).ToArray(),
        stats.Select(cpu => (long)cpu.Suppressed).ToArray(),
        stats.Select(cpu => (long)cpu.Lost).ToArray(),
        stats.Sum(cpu => (long)cpu.WaitsDropped));
}

/// <summary>Mirror of <c>struct inversion_config</c> (.rodata.inversion).</summary>
[KernelMirror("inversion_config")]
internal struct BpfInversionConfig
{
    public uint Detect;
    public uint MinNiceGap;
    public ulong ThresholdNs;
    public ulong CostNs;
    public ulong BurstNs;
    public uint FutexNr;
    public uint Pad;
}

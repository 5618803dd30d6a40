using System.Diagnostics;
using SchedTrace.Engine;
using SchedTrace.Interop;

namespace SchedTrace;

/// <summary>What a session collects; each feature turns on the BPF programs it needs.</summary>
[Flags]
public enum SchedTraceFeature
{
    /// <summary>Context switches per CPU, voluntary / involuntary / out of idle.</summary>
    ContextSwitches = 1,
}

/// <summary>Whether a session's programs are still attached.</summary>
public enum SchedTraceState
{
    Running,
    Stopped,
}

/// <summary>What to start a session with. Filters are compiled into the BPF program as constants.</summary>
public sealed class SchedTraceSessionOptions
{
    /// <summary>A name to find the session by; defaults to SchedTrace&lt;Id&gt;.</summary>
    public string? Name { get; init; }

    public SchedTraceFeature Features { get; init; } = SchedTraceFeature.ContextSwitches;

    /// <summary>Count only switches of this process (tgid), when set.</summary>
    public int? ProcessId { get; init; }

    /// <summary>Count only switches of this thread (tid), when set.</summary>
    public int? ThreadId { get; init; }

    /// <summary>tp_btf by default; RawTracepoint skips straight to the fallback.</summary>
    public HookKind PreferredHook { get; init; } = HookKind.BtfTracepoint;

    /// <summary>Receives libbpf's own log while the session opens, loads and attaches.</summary>
    public Action<LibBpfLogLevel, string>? Log { get; init; }

    /// <summary>Receives notices the user should see, such as a hook falling back to raw_tp.</summary>
    public Action<string>? Notice { get; init; }
}

/// <summary>
/// A running BPF collection: attached on <see cref="Start"/>, aggregating in the kernel, read in
/// snapshots, detached by <see cref="Stop"/> (or Dispose). Independent of every other session.
/// </summary>
public sealed class SchedTraceSession : IDisposable
{
    private static int lastId;

    private readonly object gate = new();
    private readonly long startTimestamp;
    private SchedBpfObject? bpf;
    private long? stopTimestamp;

    private SchedTraceSession(SchedTraceSessionOptions options, SchedBpfObject bpf)
    {
        this.bpf = bpf;
        Id = Interlocked.Increment(ref lastId);
        Name = string.IsNullOrWhiteSpace(options.Name) ? $"SchedTrace{Id}" : options.Name;
        Features = options.Features;
        ProcessId = options.ProcessId;
        ThreadId = options.ThreadId;
        Hook = bpf.HookKind;
        startTimestamp = Stopwatch.GetTimestamp();
        StartTime = DateTime.UtcNow;
    }

    public int Id { get; }

    public string Name { get; }

    /// <summary>When the programs were attached: counting starts here (UTC).</summary>
    public DateTime StartTime { get; }

    /// <summary>When the session was stopped (UTC); null while running.</summary>
    public DateTime? StopTime { get; private set; }

    /// <summary>Time collected so far; frozen once stopped.</summary>
    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(startTimestamp, stopTimestamp ?? Stopwatch.GetTimestamp());

    public SchedTraceFeature Features { get; }

    public SchedTraceState State => stopTimestamp is null ? SchedTraceState.Running : SchedTraceState.Stopped;

    /// <summary>Which kind of hook the programs attached with (tp_btf, or the raw_tp fallback).</summary>
    public HookKind Hook { get; }

    /// <summary>The process filter, if any.</summary>
    public int? ProcessId { get; }

    /// <summary>The thread filter, if any.</summary>
    public int? ThreadId { get; }

    /// <summary>Events the kernel could not hand over (ring buffer full). Switch counting aggregates
    /// in per-CPU counters, which cannot overflow, so it never adds to this.</summary>
    public long LostEvents { get; private set; }

    /// <summary>Loads, configures and attaches the programs for <paramref name="options"/>.</summary>
    public static SchedTraceSession Start(SchedTraceSessionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        Preflight.Check();

        using var log = LibBpfLog.Begin(options.Log);
        var config = new BpfConfig
        {
            FilterTgid = (uint)(options.ProcessId ?? 0),
            FilterTid = (uint)(options.ThreadId ?? 0),
            PrevStateArg = KernelFeatures.SchedSwitchHasPrevState ? 1u : 0u,
        };
        var bpf = SchedBpfObject.Attach(HooksFor(options.Features), config, options.PreferredHook, log, options.Notice ?? (_ => { }));
        return new SchedTraceSession(options, bpf);
    }

    private static void Validate(SchedTraceSessionOptions options)
    {
        if (options.Features == 0 || (options.Features & ~SchedTraceFeature.ContextSwitches) != 0)
        {
            throw Invalid("InvalidFeature", $"Unknown feature set '{options.Features}'.", "Choose from: " + string.Join(", ", Enum.GetNames<SchedTraceFeature>()) + ".");
        }
        if (options.ProcessId is <= 0)
        {
            throw Invalid("InvalidProcessId", $"Process id {options.ProcessId} is not valid.", "Give a process id greater than 0.");
        }
        if (options.ThreadId is <= 0)
        {
            throw Invalid("InvalidThreadId", $"Thread id {options.ThreadId} is not valid.", "Give a thread id greater than 0.");
        }
    }

    private static SchedTraceException Invalid(string id, string message, string action) =>
        new(SchedTraceErrorKind.InvalidArgument, id, message, action);

    private static IReadOnlyList<BpfHook> HooksFor(SchedTraceFeature features)
    {
        var hooks = new List<BpfHook>();
        if (features.HasFlag(SchedTraceFeature.ContextSwitches))
        {
            hooks.Add(BpfHook.SchedSwitch);
        }
        return hooks;
    }

    /// <summary>The counters as they stood when the session started: all zero.</summary>
    internal SwitchSnapshot StartSnapshot => new(StartTime, startTimestamp, new BpfSwitchCounts[SchedBpfObject.PossibleCpus]);

    /// <summary>Per-CPU switch counters since the session started.</summary>
    internal SwitchSnapshot ReadSwitchCounts()
    {
        RequireFeature(SchedTraceFeature.ContextSwitches);
        lock (gate)
        {
            var reader = bpf ?? throw Stopped();
            var perCpu = reader.ReadPerCpu<BpfSwitchCounts>("switch_counts");
            return new SwitchSnapshot(DateTime.UtcNow, Stopwatch.GetTimestamp(), perCpu);
        }
    }

    private void RequireFeature(SchedTraceFeature feature)
    {
        if (!Features.HasFlag(feature))
        {
            throw new SchedTraceException(
                SchedTraceErrorKind.InvalidArgument,
                "FeatureNotEnabled",
                $"Session '{Name}' (Id {Id}) does not collect {feature}.",
                $"Start a session with the {feature} feature (Start-SchedTrace -Feature {feature}).");
        }
    }

    private SchedTraceException Stopped() => new(
        SchedTraceErrorKind.SessionStopped,
        "SessionStopped",
        $"Session '{Name}' (Id {Id}) is stopped; its counters were released with it.",
        "Start a new session with Start-SchedTrace (or read from a session before stopping it).");

    /// <summary>Detaches and frees every kernel object of this session. Safe to call twice.</summary>
    public void Stop()
    {
        lock (gate)
        {
            if (bpf is null)
            {
                return;
            }
            bpf.Dispose();
            bpf = null;
            stopTimestamp = Stopwatch.GetTimestamp();
            StopTime = DateTime.UtcNow;
        }
    }

    public void Dispose() => Stop();

    public override string ToString() => $"{Name} (Id {Id}, {State})";

    /// <summary>
    /// The fds of this session's loaded BPF programs, by name (for the benchmarks' kernel
    /// statistics). Owned by the session: valid only while it runs; never close them.
    /// </summary>
    internal IReadOnlyDictionary<string, int> ProgramFds()
    {
        lock (gate)
        {
            return (bpf ?? throw Stopped()).ProgramFds();
        }
    }
}

/// <summary>Per-CPU counters read at one instant.</summary>
internal sealed record SwitchSnapshot(DateTime Utc, long Timestamp, BpfSwitchCounts[] PerCpu);

using System.Diagnostics;
using SchedTrace.Engine;
using SchedTrace.Interop;
using SchedTrace.Measures;

namespace SchedTrace;

/// <summary>What a session collects; each feature turns on the BPF programs it needs.</summary>
[Flags]
public enum SchedTraceFeature
{
    /// <summary>Context switches per CPU, voluntary / involuntary / out of idle.</summary>
    ContextSwitches = 1,

    /// <summary>Per-thread on-CPU time, switches, migrations and CPUs used.</summary>
    CpuTime = 2,

    /// <summary>Live scheduler events through a BPF ring buffer.</summary>
    Events = 4,

    /// <summary>Run-queue latency: from becoming runnable (woken, new, or preempted) to running.</summary>
    RunQueueLatency = 8,

    /// <summary>Off-CPU time: from a thread's switch-out to its next switch-in, by why it left.</summary>
    OffCpuTime = 16,

    /// <summary>Time in schedule(), entry to return, per call (see <see cref="ScheduleTimeMethod"/>).</summary>
    ScheduleTime = 32,

    /// <summary>Priority-inversion alerts: run-queue and lock inversions (see <see cref="PriorityInversionKind"/>).</summary>
    PriorityInversion = 64,

    /// <summary>On-CPU slices: how long a thread ran each time it got a CPU, by how the slice ended.</summary>
    OnCpuTime = 128,

    /// <summary>Run-queue length: how many tasks waited for each CPU, sampled 99 times a second on every CPU.</summary>
    RunQueueLength = 256,
}

/// <summary>Whether a session's programs are still attached.</summary>
public enum SchedTraceState
{
    Running,
    Stopped,
}

/// <summary>What to start a session with. Filters are compiled into the BPF program as constants.</summary>
public sealed partial record SchedTraceSessionOptions
{
    /// <summary>The name a <see cref="SessionCatalog"/> keeps the session under (unique there, ignoring
    /// case); defaults to SchedTrace&lt;Id&gt;. A session started on its own has no name.</summary>
    public string? Name { get; init; }

    public SchedTraceFeature Features { get; init; } = SchedTraceFeature.ContextSwitches;

    /// <summary>Only these processes (tgids); empty: every process. One id is a constant of the
    /// programs; several (at most <see cref="MaxFilterIds"/>) a hash set in the kernel.</summary>
    public IReadOnlyCollection<int> ProcessIds { get; init; } = Array.Empty<int>();

    /// <summary>Only these threads (tids); empty: every thread. With <see cref="ProcessIds"/>, both must match.</summary>
    public IReadOnlyCollection<int> ThreadIds { get; init; } = Array.Empty<int>();

    /// <summary>The most process or thread ids one filter takes: each is a kernel hash-set entry.</summary>
    public const int MaxFilterIds = 4096;

    /// <summary>tp_btf by default; RawTracepoint skips straight to the fallback.</summary>
    public SchedTraceHook PreferredHook { get; init; } = SchedTraceHook.BtfTracepoint;

    /// <summary>Receives libbpf's own log while the session opens, loads and attaches.</summary>
    public Action<SchedTraceLogLevel, string>? Log { get; init; }

    /// <summary>The most detailed libbpf messages <see cref="Log"/> receives. Debug is about a
    /// thousand lines per load (BTF relocations), formatted only when asked for.</summary>
    public SchedTraceLogLevel LogLevel { get; init; } = SchedTraceLogLevel.Info;

    /// <summary>Only this CPU. Events: a switch's CPU, a wakeup's target, either end of a migration.
    /// Latency: the CPU where the measured interval ended (where the task ran). Run-queue length: the CPU sampled.</summary>
    public int? Cpu { get; init; }

    /// <summary>Receives notices the user should see, such as a hook falling back to raw_tp.</summary>
    public Action<string>? Notice { get; init; }
}

/// <summary>
/// A running BPF collection: attached on <see cref="Start"/>, aggregating in the kernel, read in
/// snapshots, detached by <see cref="Stop"/> (which keeps its final figures) or Dispose (which
/// does not). Independent of every other session.
/// </summary>
public sealed partial class SchedTraceSession : IDisposable
{
    private readonly object gate = new();
    private readonly long startTimestamp;
    private SchedBpfObject? bpf;
    private long? stopTimestamp;

    /// <summary>The session's measures, in registry order.</summary>
    private readonly IReadOnlyList<Measure> measures;

    /// <summary>The streams of the measures read as streams, opened once loaded.</summary>
    private readonly Dictionary<Measure, IRecordStream> streams = new();

    /// <summary>The counters as of each stream's last take (what a reader of it last saw).</summary>
    private readonly Dictionary<Measure, SessionCounters> takenAt = new();

    /// <summary>The loss and drop counters as of the last read: every counter property comes from this one object.</summary>
    private SessionCounters counters;

    /// <summary>The figures of the reading Stop took; null while running, or when the session was disposed.</summary>
    private FinalReading? final;

    /// <summary>Why Stop could not keep the final figures, when it could not.</summary>
    private SchedTraceException? finalReadingFailure;

    private SchedTraceSession(SchedTraceSessionOptions options, IReadOnlyList<Measure> measures, int[] chosen, SchedBpfObject bpf, string? fallbackNote)
    {
        this.bpf = bpf;
        this.measures = measures;
        var request = bpf.Request;
        foreach (var measure in measures)
        {
            if (measure.OpenStream(bpf) is { } stream)
            {
                streams[measure] = stream;
            }
        }
        // Stamped before any measure takes its base, so the session's window holds every
        // nanosecond it counts (a base walk and the setup below take milliseconds on a busy
        // machine, and a window that began after the base would be shorter than the time counted).
        startTimestamp = Stopwatch.GetTimestamp();
        StartTime = DateTime.UtcNow;
        for (int m = 0; m < measures.Count; m++)
        {
            measures[m].Alternative = chosen[m];
            measures[m].Started(bpf);
        }
        Features = options.Features;
        ProcessIds = IdList(request.Tasks.Tgids);
        Cpu = options.Cpu;
        ThreadIds = IdList(request.Tasks.Tids);
        setup = SetupLines(options, measures, bpf);
        Hook = bpf.HookKind.ToPublic();
        ScheduleMethodNote = fallbackNote;
        counters = SessionCounters.Zero(StartTime, measures);
    }

    /// <summary>The Id a <see cref="SessionCatalog"/> keeps the session by (1, 2, 3... in the order
    /// sessions were kept); 0 for a session no catalog keeps, such as a one-shot reading's own.</summary>
    public int Id { get; private set; }

    /// <summary>The name a <see cref="SessionCatalog"/> keeps the session by, unique there (ignoring
    /// case); empty for a session no catalog keeps (<see cref="Id"/> 0).</summary>
    public string Name { get; private set; } = "";

    /// <summary>Gives the session the identity a catalog keeps it by (before anyone else can see it).</summary>
    internal void Keep(int id, string name)
    {
        Id = id;
        Name = name;
    }

    /// <summary>
    /// The session in words, for messages and -Verbose lines: "session 'build' (Id 1)" for a kept
    /// session, "one-shot reading (CpuTime)" for one that a single reading started for itself.
    /// </summary>
    public string Describe() => Id == 0 ? $"one-shot reading ({Features})" : $"session '{Name}' (Id {Id})";

    /// <summary><see cref="Describe"/> at the start of a sentence.</summary>
    internal string Subject
    {
        get
        {
            var text = Describe();
            return char.ToUpperInvariant(text[0]) + text[1..];
        }
    }

    /// <summary>When the programs were attached: counting starts here (UTC).</summary>
    public DateTime StartTime { get; }

    /// <summary><see cref="StartTime"/> as round-trip ISO 8601 text ending in Z, which Export-Csv keeps to the tick.</summary>
    public string StartTimeUtc => TextLayout.Utc(StartTime);

    /// <summary>When the session was stopped (UTC): its final figures are as of this instant. Null while running.</summary>
    public DateTime? StopTime { get; private set; }

    /// <summary><see cref="StopTime"/> as round-trip ISO 8601 text ending in Z; null while running.</summary>
    public string? StopTimeUtc => TextLayout.Utc(StopTime);

    /// <summary>Time collected so far; frozen once stopped (StopTime - StartTime, on the monotonic clock).</summary>
    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(startTimestamp, stopTimestamp ?? Stopwatch.GetTimestamp());

    public SchedTraceFeature Features { get; }

    public SchedTraceState State => stopTimestamp is null ? SchedTraceState.Running : SchedTraceState.Stopped;

    /// <summary>Which kind of hook the programs attached with (tp_btf, or the raw_tp fallback).</summary>
    public SchedTraceHook Hook { get; }

    /// <summary>Why better methods of timing schedule() could not be used, when they could not.</summary>
    public string? ScheduleMethodNote { get; }

    /// <summary>The process filter (tgids, in order); empty: every process.</summary>
    public IReadOnlyList<int> ProcessIds { get; }

    /// <summary>The CPU filter of events and latency, if any.</summary>
    public int? Cpu { get; }

    /// <summary>The thread filter (tids, in order); empty: every thread.</summary>
    public IReadOnlyList<int> ThreadIds { get; }

    /// <summary>
    /// When the counters below were read from the kernel (UTC): at the session's last reading,
    /// drain of a ring buffer, <see cref="Refresh"/> (Get-SchedTrace), or its stop. All of them
    /// come from that one read, so they agree with each other; reading a property never asks the
    /// kernel again.
    /// </summary>
    public DateTime CountersAsOf => Volatile.Read(ref counters).Utc;

    /// <summary><see cref="CountersAsOf"/> as round-trip ISO 8601 text ending in Z, which Export-Csv keeps to the tick.</summary>
    public string CountersAsOfUtc => TextLayout.Utc(CountersAsOf);

    /// <summary>Ids as text "4100,4102" (what Export-Csv writes); "" for none.</summary>
    private static TextList<int> IdList(IEnumerable<uint> ids) =>
        new(ids.Select(id => (int)id), (id, _) => id.ToString(System.Globalization.CultureInfo.InvariantCulture), ",");

    /// <summary>Counts by CPU, as text "cpu:count" joined by ";" ("0:12;1:0"), so that Export-Csv keeps them.</summary>
    internal static TextList<long> PerCpu(IEnumerable<long> counts) =>
        new(counts, (count, cpu) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{cpu}:{count}"));

    /// <summary>Loads, configures and attaches the programs for <paramref name="options"/>.</summary>
    public static SchedTraceSession Start(SchedTraceSessionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var measures = Validate(options);
        Preflight.Check();

        using var log = LibBpfLog.Begin(options.Log.ToLibBpf(), options.LogLevel.ToLibBpf());
        var tasks = TaskFilterFor(options);
        var shared = tasks.Configure(new BpfSessionConfig
        {
            PrevStateArg = KernelFeatures.SchedSwitchHasPrevState ? 1u : 0u,
            SessionStartNs = SchedClock.MonotonicNow(),
            FilterCpu = options.Cpu is int cpu ? (uint)cpu + 1 : 0,
            Measures = (uint)measures.Aggregate((SchedTraceFeature)0, (all, measure) => all | measure.Feature),
        });
        var notice = options.Notice ?? (_ => { });

        // A measure served more than one way (schedule() time) is tried best way first; each
        // alternative is a full attach.
        var chosen = new int[measures.Count];
        var refusals = new List<string>();
        while (true)
        {
            BpfRequest RequestFor(HookKind kind)
            {
                var request = MeasureRegistry.NewRequest(kind, tasks);
                request.SetConstants(BpfSessionConfig.Section, shared);
                for (int m = 0; m < measures.Count; m++)
                {
                    measures[m].Request(request, options, chosen[m]);
                }
                return request.Complete();
            }
            SchedBpfObject bpf;
            try
            {
                bpf = SchedBpfObject.Attach(RequestFor, options.PreferredHook.ToEngine(), log, notice);
            }
            catch (SchedTraceException e) when (e.ErrorId is "HookAttachFailed" or "KernelHookMissing" && NextAlternative(measures, chosen) is int m)
            {
                refusals.Add($"{measures[m].DescribeAlternative(chosen[m] - 1)} could not be used: {string.Join("; ", e.HookFailures.DefaultIfEmpty(e.Message))}.");
                continue;
            }
            var fallback = measures.Select((measure, m) => chosen[m] > 0 ? measure.DescribeFallback(chosen[m]) : null).FirstOrDefault(text => text is not null);
            string? note = refusals.Count == 0 ? null : $"{string.Join(" ", refusals)} {fallback}";
            if (note is not null)
            {
                notice(note);
            }
            try
            {
                return new SchedTraceSession(options, measures, chosen, bpf, note);
            }
            catch (SchedTraceException e) when (ResourceLimits.Explain(e) is { } limit)
            {
                // Out of fds for the ring buffer's epoll or an iterator walk: say which limit.
                bpf.Dispose();
                throw limit;
            }
            catch
            {
                bpf.Dispose();
                throw;
            }
        }
    }

    /// <summary>Moves the first measure that has another way to be served to it; null when none has.</summary>
    private static int? NextAlternative(IReadOnlyList<Measure> measures, int[] chosen)
    {
        for (int m = 0; m < measures.Count; m++)
        {
            if (chosen[m] + 1 < measures[m].Alternatives)
            {
                chosen[m]++;
                return m;
            }
        }
        return null;
    }

    /// <summary>The measures for the options, each having checked them; the session-wide options are checked here.</summary>
    private static IReadOnlyList<Measure> Validate(SchedTraceSessionOptions options)
    {
        if (options.Features == 0 || (options.Features & ~MeasureRegistry.AllFeatures) != 0)
        {
            throw Invalid("InvalidFeature", $"Unknown feature set '{options.Features}'.", "Choose from: " + string.Join(", ", Enum.GetNames<SchedTraceFeature>()) + ".");
        }
        ValidateIds(options.ProcessIds, "InvalidProcessId", "TooManyProcessIds", "process");
        ValidateIds(options.ThreadIds, "InvalidThreadId", "TooManyThreadIds", "thread");
        if (options.Cpu is int cpu && (cpu < 0 || cpu >= SchedBpfObject.PossibleCpus))
        {
            throw Invalid("InvalidCpu", $"CPU {cpu} does not exist on this machine.", $"Give a CPU from 0 to {SchedBpfObject.PossibleCpus - 1}.");
        }
        return MeasureRegistry.Validated(options);
    }

    private static SchedTraceException Invalid(string id, string message, string action) =>
        new(SchedTraceErrorKind.InvalidArgument, id, message, action);

    /// <summary>
    /// The version of the libbpf this process calls ("1.7"): the system's, or the one the native CLI
    /// links in; null when there is none to load.
    /// </summary>
    public static string? LibBpfVersion => LibBpf.TryLoad(out _) ? $"{LibBpf.libbpf_major_version()}.{LibBpf.libbpf_minor_version()}" : null;

    /// <summary>The tracepoints (and the task iterator) a session with these features attaches to on
    /// tp_btf, for -WhatIf and messages.</summary>
    public static string TracepointsFor(SchedTraceFeature features)
    {
        var options = new SchedTraceSessionOptions { Features = features };
        var request = MeasureRegistry.NewRequest(HookKind.BtfTracepoint, TaskFilter.None);
        foreach (var measure in MeasureRegistry.For(features))
        {
            // The method most kernels here have: the schedule() tracepoints rather than fentry.
            measure.Request(request, options, Math.Min(1, measure.Alternatives - 1));
        }
        var attached = request.Hooks.Select(h => h.Tracepoint).Distinct();
        if (request.TaskIterator is not null)
        {
            attached = attached.Append("iter/task");
        }
        return string.Join(", ", attached);
    }

    /// <summary>
    /// Takes every record the stream of the measure that serves <paramref name="feature"/> holds
    /// now, decoded, in the order the kernel reserved them, and reads the counters. A stopped
    /// session hands over what Stop drained from the stream, once.
    /// </summary>
    internal StreamTake<T> Take<T>(SchedTraceFeature feature)
    {
        var measure = Serving(feature);
        lock (gate)
        {
            var stream = streams.GetValueOrDefault(measure) as RecordStream<T> ?? throw new InvalidOperationException($"{feature} is not read as a stream of {typeof(T).Name}.");
            if (bpf is { } reader)
            {
                stream.Drain();
                RefreshCounters(reader);
            }
            var taken = new StreamTake<T>(stream.TakeAll(), counters);
            takenAt[measure] = taken.Counters;
            return taken;
        }
    }

    /// <summary>The counters as of the last take of <paramref name="feature"/>'s stream; the start's before any.</summary>
    internal SessionCounters CountersAtLastTake(SchedTraceFeature feature)
    {
        lock (gate)
        {
            var measure = measures.FirstOrDefault(m => m.Feature == feature);
            return measure is not null && takenAt.TryGetValue(measure, out var taken) ? taken : SessionCounters.Zero(StartTime, measures);
        }
    }

    /// <summary>The counters, as every counter property reports them (see <see cref="CountersAsOf"/>).</summary>
    internal SessionCounters Counters => Volatile.Read(ref counters);

    /// <summary>
    /// Reads the counters (<see cref="LostEvents"/>, <see cref="DroppedTasks"/>,
    /// <see cref="LatencyDropped"/>, <see cref="SuppressedInversions"/> and the rest) from the
    /// kernel again, all in one read, as Process.Refresh does for a process. A stopped session
    /// keeps its final counters.
    /// </summary>
    public void Refresh()
    {
        lock (gate)
        {
            if (bpf is { } reader)
            {
                RefreshCounters(reader);
            }
        }
    }

    private void RefreshCounters(SchedBpfObject reader) => Volatile.Write(ref counters, ReadCounters(reader, DateTime.UtcNow));

    private SessionCounters ReadCounters(SchedBpfObject reader, DateTime utc) =>
        SessionCounters.From(utc, reader, reader.ReadPerCpu<BpfSessionStats>(SchedBpfObject.SessionStats), measures);

    /// <summary>The figures of the measure that serves <paramref name="feature"/> as of now; once stopped, as of the stop.</summary>
    internal MeasureReading<T> Read<T>(SchedTraceFeature feature)
    {
        var measure = Serving(feature);
        lock (gate)
        {
            if (bpf is not { } reader)
            {
                var final = FinalFigures();
                return new MeasureReading<T>(final.Utc, final.Timestamp, (T)final.Measured[measure], Final: true);
            }
            var figures = (T)(measure.Read(reader) ?? throw new InvalidOperationException($"{measure.GetType().Name} is not read in snapshots."));
            var reading = new MeasureReading<T>(DateTime.UtcNow, Stopwatch.GetTimestamp(), figures);
            RefreshCounters(reader);
            return reading;
        }
    }

    /// <summary>The figures of the measure that serves <paramref name="feature"/> at the session's start: nothing counted yet.</summary>
    internal MeasureReading<T> StartReading<T>(SchedTraceFeature feature)
    {
        var empty = Serving(feature).Empty ?? throw new InvalidOperationException($"{feature} is not read in snapshots.");
        return new MeasureReading<T>(StartTime, startTimestamp, (T)empty);
    }

    /// <summary>The BPF programs this session loaded (tests: what runs on which hook).</summary>
    internal IReadOnlyList<string> LoadedPrograms => WithObject(bpf => bpf.LoadedPrograms());

    /// <summary>Looks at the session's loaded object under its lock, while it runs (tests, benchmarks).</summary>
    internal T WithObject<T>(Func<SchedBpfObject, T> look)
    {
        lock (gate)
        {
            return look(bpf ?? throw Released());
        }
    }

    /// <summary>The session's measure of type <typeparamref name="T"/>, if it has one.</summary>
    internal T? MeasureOf<T>() where T : Measure => measures.OfType<T>().FirstOrDefault();

    /// <summary>The measure that serves <paramref name="feature"/>; an error naming the feature when the session lacks it.</summary>
    private Measure Serving(SchedTraceFeature feature)
    {
        RequireFeature(feature);
        return measures.First(m => m.Feature == feature);
    }

    private void RequireFeature(SchedTraceFeature feature)
    {
        if (!Features.HasFlag(feature))
        {
            throw new SchedTraceException(
                SchedTraceErrorKind.InvalidArgument,
                "FeatureNotEnabled",
                $"{Subject} does not collect {feature}.",
                $"Start a session with the {feature} feature ({SchedTraceOption.StartSession} {SchedTraceOption.Named("Feature", feature)}).");
        }
    }

    /// <summary>
    /// Refuses, before any waiting, a plan that needs more collecting from a stopped session:
    /// only a reading since its start (its final figures) is left to take.
    /// </summary>
    internal void RefuseSamplingIfStopped(SamplingPlan plan)
    {
        if (plan.Mode != SamplingMode.SinceStart && StopTime is { } stopped)
        {
            throw new SchedTraceException(
                SchedTraceErrorKind.SessionStopped,
                "SessionStopped",
                $"{Subject} was stopped at {stopped:yyyy-MM-dd HH:mm:ss.fff}Z: there is nothing more to sample.",
                $"Leave out {SchedTraceOption.Named("Interval")} to read its final figures (they end at the stop), or start a new session with {SchedTraceOption.StartSession}.");
        }
    }

    /// <summary>What Stop kept; an error when the session was disposed instead, or its final reading failed.</summary>
    private FinalReading FinalFigures() => final ?? throw Released();

    private SchedTraceException Released() => new(
        SchedTraceErrorKind.SessionStopped,
        "SessionStopped",
        finalReadingFailure is null
            ? $"{Subject} was released without keeping its figures."
            : $"{Subject} was stopped, but its final figures could not be read: {finalReadingFailure.Message}",
        $"Start a new session with {SchedTraceOption.StartSession}; {SchedTraceOption.StopSession} keeps a session's final figures.");

    /// <summary>
    /// Takes a final reading of everything the session collects (switch counts, the task table,
    /// the latency histograms), then detaches its programs, drains what its ring buffers still
    /// hold into memory (no more can arrive, so their size bounds it), reads its counters one
    /// last time, and frees every kernel object. Readings of a stopped session report those
    /// figures, ending at <see cref="StopTime"/>. Safe to call twice.
    /// </summary>
    public void Stop() => Release(keepFigures: true);

    /// <summary>Detaches and frees every kernel object without a final reading (a one-shot
    /// reading already has its figures); the counters are read one last time. Safe to call twice.</summary>
    public void Dispose() => Release(keepFigures: false);

    private void Release(bool keepFigures)
    {
        lock (gate)
        {
            if (bpf is not { } reader)
            {
                return;
            }
            try
            {
                FinalReading? reading = null;
                if (keepFigures)
                {
                    try
                    {
                        reading = TakeFinalReading(reader);
                    }
                    catch (SchedTraceException e)
                    {
                        finalReadingFailure = e;
                    }
                }
                long timestamp = Stopwatch.GetTimestamp();
                var utc = DateTime.UtcNow;
                // From here nothing runs: the buffers hold all there will be, and the counters are final.
                reader.Detach();
                try
                {
                    if (keepFigures)
                    {
                        foreach (var stream in streams.Values)
                        {
                            stream.Drain();
                        }
                    }
                    Volatile.Write(ref counters, ReadCounters(reader, utc));
                }
                catch (SchedTraceException e)
                {
                    finalReadingFailure ??= e;
                }
                final = reading?.At(utc, timestamp);
                stopTimestamp = timestamp;
                StopTime = utc;
            }
            finally
            {
                foreach (var stream in streams.Values)
                {
                    stream.Dispose();
                }
                reader.Dispose();
                bpf = null;
                if (stopTimestamp is null)
                {
                    stopTimestamp = Stopwatch.GetTimestamp();
                    StopTime = DateTime.UtcNow;
                }
            }
        }
    }

    /// <summary>
    /// Reads every figure the features collect, while everything is still attached (on raw_tp a
    /// CPU's running slice is closed by the switch hook's own timestamp); a measure that asks to
    /// be read last (<see cref="Measure.ReadLast"/>) lies closest to the stop instant.
    /// </summary>
    private FinalReading TakeFinalReading(SchedBpfObject reader)
    {
        var figures = new Dictionary<Measure, object>();
        foreach (var sharing in measures.OrderBy(m => m.ReadLast).GroupBy(m => m.ReadsWith))
        {
            if (sharing.First().Read(reader) is { } read)
            {
                foreach (var measure in sharing)
                {
                    figures[measure] = read;
                }
            }
        }
        return new FinalReading(figures);
    }

    /// <summary>Each snapshot measure's final figures (<see cref="Measure.Read"/>), stamped with the stop instant by <see cref="At"/>.</summary>
    private sealed record FinalReading(IReadOnlyDictionary<Measure, object> Measured)
    {
        internal DateTime Utc { get; private init; }

        internal long Timestamp { get; private init; }

        internal FinalReading At(DateTime utc, long timestamp) => this with { Utc = utc, Timestamp = timestamp };
    }

    /// <summary>"build (Id 1, Running, started 2026-12-02 00:53:08Z): ContextSwitches, CpuTime"; a
    /// one-shot reading's own session says so instead of a name and Id.</summary>
    public override string ToString()
    {
        string started = StartTime.ToString("u", System.Globalization.CultureInfo.InvariantCulture);
        return Id == 0
            ? $"one-shot reading ({State}, started {started}): {Features}"
            : $"{Name} (Id {Id.ToString(System.Globalization.CultureInfo.InvariantCulture)}, {State}, started {started}): {Features}";
    }

    /// <summary>
    /// The fds of this session's loaded BPF programs, by name (for the benchmarks' kernel
    /// statistics). Owned by the session: valid only while it runs; never close them.
    /// </summary>
    internal IReadOnlyDictionary<string, int> ProgramFds() => WithObject(bpf => bpf.ProgramFds());
}

/// <summary>
/// A session's loss and drop counters from one read: the session-wide statistics
/// (session_stats) and each measure's own (<see cref="Measure.ReadCounters"/>, by feature).
/// </summary>
internal sealed record SessionCounters(
    DateTime Utc,
    long TasksDropped,
    long LatencyDropped,
    long LatencyLost,
    long SwitchInsUnseen,
    IReadOnlyDictionary<SchedTraceFeature, object> Measured)
{
    internal static SessionCounters Zero(DateTime utc, IEnumerable<Measure> measures) =>
        new(utc, 0, 0, 0, 0, measures.Where(m => m.ZeroCounters is not null).ToDictionary(m => m.Feature, m => m.ZeroCounters!));

    internal static SessionCounters From(DateTime utc, SchedBpfObject bpf, BpfSessionStats[] stats, IEnumerable<Measure> measures)
    {
        var measured = new Dictionary<SchedTraceFeature, object>();
        foreach (var measure in measures)
        {
            if (measure.ReadCounters(bpf, stats) is { } own)
            {
                measured[measure.Feature] = own;
            }
        }
        return new(utc, stats.Sum(cpu => (long)cpu.TasksDropped), stats.Sum(cpu => (long)cpu.LatencyDropped), stats.Sum(cpu => (long)cpu.StampsLost), stats.Sum(cpu => (long)cpu.SwitchInsUnseen), measured);
    }

    /// <summary>The counters of the measure that serves <paramref name="feature"/>; <paramref name="none"/> without it.</summary>
    internal T Of<T>(SchedTraceFeature feature, T none) => Measured.TryGetValue(feature, out var own) ? (T)own : none;
}

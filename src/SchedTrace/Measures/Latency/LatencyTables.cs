using System.Globalization;
using System.Runtime.InteropServices;
using SchedTrace.Engine;

namespace SchedTrace.Measures;

/// <summary>
/// What the latency measures and priority inversion share in the kernel (bpf/lib/latency.bpf.h):
/// the per-thread stamps, the per-CPU histograms and the per-process rows. Each measure adds what
/// it needs; the tables are sized once all have, and are kept minimal for a session that has
/// none of them (the programs still reference them, so they exist).
/// </summary>
internal sealed class LatencyTables : IBpfRequestPart
{
    internal const string Constants = ".rodata.latency";

    /// <summary>Per-CPU histograms, one per <see cref="LatencyKind"/>.</summary>
    internal const string Histograms = "latency";

    /// <summary>Per-process histograms (when asked), keyed by process and kind.</summary>
    internal const string ProcessHistograms = "proc_latency";

    /// <summary>tp_btf: the stamps in task local storage.</summary>
    private const string StampsInTasks = "task_lat_store";

    /// <summary>raw_tp: the stamps in an LRU hash by thread id.</summary>
    private const string StampsByThread = "task_lat_hash";

    /// <summary>Histogram kinds in the latency map (LAT_KINDS in bpf/lib/latency.bpf.h).</summary>
    internal const uint Kinds = 11;

    private BpfStamps stamps;
    private uint processKinds;
    private bool histograms;
    private bool perProcess;

    /// <summary>The per-thread stamps the session keeps.</summary>
    internal void Keep(BpfStamps wanted) => stamps |= wanted;

    /// <summary>A measure records durations: <paramref name="kinds"/> histogram kinds, per process too when asked.</summary>
    internal void Record(uint kinds, bool alsoPerProcess)
    {
        histograms = true;
        processKinds += kinds;
        perProcess |= alsoPerProcess;
    }

    /// <summary>Whether a measure asked for per-process rows.</summary>
    internal bool PerProcess => perProcess;

    /// <summary>Per-process rows sized by <see cref="ProcessRows"/>, or 0 for none.</summary>
    internal uint ProcessRowCount => perProcess ? ProcessRows(processKinds) : 0;

    /// <summary>
    /// Per-process latency rows, preallocated at 5 KiB each: one per process alive now and
    /// histogram kind the measures record, plus 1,024 for processes that start later, at most
    /// 16,384 (84 MiB). A process beyond that is left out of the per-process rows, counted as
    /// dropped and warned about; the global and per-CPU figures keep it.
    /// </summary>
    private static uint ProcessRows(uint kinds) => Math.Min(16_384u, KernelFeatures.ProcessCount() * kinds + 1024);

    public void Apply(BpfRequest request)
    {
        request.SetConstants(Constants, new BpfLatencyConfig { Stamps = (uint)stamps, PerProcess = perProcess ? 1u : 0 });
        request.SizeMap(Histograms, histograms ? Kinds : 1);
        request.SizeMap(ProcessHistograms, Math.Max(1, ProcessRowCount));
        bool raw = request.Kind == HookKind.RawTracepoint;
        request.SizeMap(StampsByThread, raw && (histograms || stamps != 0) ? ThreadTableSize.ForThisMachine().MaxEntries : 1);
        if (raw)
        {
            // Kernels with raw_tp only may lack task storage altogether.
            request.DoNotCreate(StampsInTasks);
        }
    }

    /// <summary>
    /// Every histogram as of now: per kind and CPU, and per process and kind when the session
    /// keeps them. Cumulative since the session started.
    /// </summary>
    internal static LatencyFigures Read(SchedBpfObject bpf)
    {
        var perCpu = new Dictionary<LatencyKind, LatencyHistogram[]>();
        for (uint kind = 0; kind < Kinds; kind++)
        {
            perCpu[(LatencyKind)kind] = bpf.ReadPerCpu<BpfLatencyHist>(Histograms, kind).Select(h => h.ToHistogram()).ToArray();
        }
        var perProcess = new Dictionary<(int ProcessId, LatencyKind Kind), (string Name, LatencyHistogram Histogram)>();
        if (bpf.Request.Part<LatencyTables>().PerProcess)
        {
            foreach (var (key, row) in bpf.ReadAll<BpfProcHistKey, BpfProcHist>(ProcessHistograms))
            {
                perProcess[((int)key.Tgid, (LatencyKind)key.Kind)] = (row.CommText(), row.Hist.ToHistogram());
            }
        }
        return new LatencyFigures(perCpu, perProcess);
    }

    internal static IEnumerable<string> DescribeTables(BpfRequest request)
    {
        if (request.MapSizes.GetValueOrDefault(ProcessHistograms) is > 1 and var rows)
        {
            double rowKiB = Marshal.SizeOf<BpfProcHist>() / 1024.0;
            yield return $"{rows.ToString("N0", CultureInfo.InvariantCulture)} per-process latency rows of {rowKiB.ToString("0.#", CultureInfo.InvariantCulture)} KiB";
        }
    }
}

/// <summary>The STAMP_* bits of <c>latency_cfg.stamps</c>.</summary>
[Flags]
internal enum BpfStamps : uint
{
    None = 0,
    /// <summary>When a thread became runnable: woken, new, or preempted.</summary>
    Runnable = 1,
    /// <summary>When and why a thread left the CPU.</summary>
    OffCpu = 2,
}

/// <summary>Mirror of <c>struct latency_config</c> (.rodata.latency).</summary>
[KernelMirror("latency_config")]
internal struct BpfLatencyConfig
{
    public uint Stamps;
    public uint PerProcess;
}

/// <summary>
/// A measure that records durations into the latency histograms (run-queue latency, off-CPU
/// time, schedule() time): the family shares the stamps, the tables and the per-process option,
/// and one reading of the tables serves every measure of it.
/// </summary>
internal abstract class HistogramMeasure(SchedTraceFeature feature, uint kinds) : Measure(feature)
{
    internal override object? Read(SchedBpfObject bpf) => LatencyTables.Read(bpf);

    internal override object? Empty => LatencyFigures.Empty;

    internal override object ReadsWith => typeof(LatencyTables);

    /// <summary>Whether the session also keeps a histogram per process and kind.</summary>
    internal bool PerProcess { get; private set; }

    /// <summary>The histogram kinds it records, for sizing per-process rows.</summary>
    private uint Kinds { get; } = kinds;

    protected void RecordInto(BpfRequest request, SchedTraceSessionOptions options, BpfStamps stamps)
    {
        PerProcess = options.LatencyPerProcess;
        var tables = request.Part<LatencyTables>();
        tables.Keep(stamps);
        tables.Record(Kinds, options.LatencyPerProcess);
    }

    /// <summary>
    /// The whole request of a measure that has no constants of its own: its hooks, and the stamps
    /// its durations are taken from.
    /// </summary>
    protected void RequestHooksAndStamps(BpfRequest request, SchedTraceSessionOptions options, BpfStamps stamps, params BpfHook[] hooks)
    {
        request.Attach(hooks);
        RecordInto(request, options, stamps);
    }

    internal override IEnumerable<string> DescribeTables(BpfRequest request) => LatencyTables.DescribeTables(request);
}

using System.Globalization;
using SchedTrace.Engine;

namespace SchedTrace;

/// <summary>
/// What a session set up in the kernel, in a few lines: what -Verbose (and the CLI's --verbose)
/// says about it. Written here once so both front ends say the same.
/// </summary>
public sealed partial class SchedTraceSession
{
    private readonly IReadOnlyList<string> setup;

    /// <summary>
    /// What this session set up, one sentence a line: which session it is (one for a single
    /// command, or a kept one with its Id and name), the hooks it attached (and the fallback, if
    /// it took one), its kernel filters and the sizes of its tables.
    /// </summary>
    public IReadOnlyList<string> DescribeSetup() =>
        setup.Prepend(Id == 0
            ? $"Started a session for this command only ({Features})."
            : $"Started session '{Name}' (Id {Id}): {Features}.").ToList();

    private static IReadOnlyList<string> SetupLines(SchedTraceSessionOptions options, BpfLoadPlan plan, SchedBpfObject bpf)
    {
        var kind = bpf.HookKind;
        var lines = new List<string>();
        var hooks = plan.HooksFor(kind).Select(h => h.Describe(kind)).Distinct().ToList();
        var extra = plan.CpuTimeProgram(kind) switch
        {
            BpfLoadPlan.TaskIterator => plan.Tasks.Tgids.Count == 1 || plan.Tasks.Tids.Count == 1
                ? "; a task iterator (iter/task) over the filtered tasks runs at the start and at each reading"
                : "; a task iterator (iter/task) over every task runs at the start and at each reading",
            BpfLoadPlan.SnapshotProgram => "; a program runs on each CPU at each reading (BPF_PROG_TEST_RUN)",
            _ => string.Empty,
        };
        lines.Add(bpf.Fallback is null
            ? $"Attached {string.Join(", ", hooks)}{extra}."
            : $"Attached {string.Join(", ", hooks)}{extra}, the {BpfHook.SectionPrefix(kind)} fallback ({BpfHook.SectionPrefix(HookKind.BtfTracepoint)} was refused; see the warning).");

        var filters = new List<string>();
        AddIds(filters, "process", "processes", plan.Tasks.Tgids);
        AddIds(filters, "thread", "threads", plan.Tasks.Tids);
        if (options.Cpu is int cpu)
        {
            filters.Add($"CPU {cpu}");
        }
        if (options.Features.HasFlag(SchedTraceFeature.Events))
        {
            if (!string.IsNullOrEmpty(options.EventName))
            {
                filters.Add($"task name '{options.EventName}'");
            }
            if (options.EventMinRuntime is { } minimum && minimum > TimeSpan.Zero)
            {
                filters.Add($"switches after at least {FormatDuration(minimum)} on the CPU");
            }
        }
        lines.Add(filters.Count == 0 ? "Kernel filters: none (every task on every CPU)." : $"Kernel filters: {string.Join("; ", filters)}.");

        var sizes = new List<string>();
        if (plan.CpuTime)
        {
            sizes.Add($"task table {Count(plan.TaskTable.MaxEntries)} entries{(plan.TaskTable.AllocateOnUse ? " (allocated as used)" : string.Empty)}");
        }
        if (options.Features.HasFlag(SchedTraceFeature.Events))
        {
            sizes.Add($"event ring buffer {Bytes(plan.RingBufferBytes)}");
        }
        if (options.Features.HasFlag(SchedTraceFeature.PriorityInversion))
        {
            sizes.Add($"alert ring buffer {Bytes(plan.AlertRingBytes)}");
        }
        if (plan.Latency.ProcessRows > 0)
        {
            double rowKiB = System.Runtime.InteropServices.Marshal.SizeOf<BpfProcHist>() / 1024.0;
            sizes.Add($"{Count(plan.Latency.ProcessRows)} per-process latency rows of {rowKiB.ToString("0.#", CultureInfo.InvariantCulture)} KiB");
        }
        if (sizes.Count > 0)
        {
            lines.Add($"Tables: {string.Join("; ", sizes)}.");
        }
        return lines;
    }

    private static void AddIds(List<string> filters, string one, string several, IReadOnlyList<uint> ids)
    {
        if (ids.Count == 1)
        {
            filters.Add($"{one} {ids[0]}");
        }
        else if (ids.Count > 1)
        {
            filters.Add($"{several} {Narration.Ids(ids.Select(id => (int)id).ToList())} (a hash set of {ids.Count})");
        }
    }

    private static string Count(uint n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string Bytes(uint bytes) =>
        bytes % (1u << 20) == 0 ? $"{bytes >> 20} MiB"
        : bytes % (1u << 10) == 0 ? $"{bytes >> 10} KiB"
        : $"{bytes} bytes";

    private static string FormatDuration(TimeSpan value) =>
        value.TotalMilliseconds >= 1 ? $"{value.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture)} ms" : $"{(value.Ticks / 10.0).ToString("0.#", CultureInfo.InvariantCulture)} µs";

    /// <summary>The process and thread ids a session keeps, checked, in order and without repeats.</summary>
    private static TaskFilter TaskFilterFor(SchedTraceSessionOptions options) => new(
        options.ProcessIds.Distinct().Order().Select(id => (uint)id).ToArray(),
        options.ThreadIds.Distinct().Order().Select(id => (uint)id).ToArray());

    private static void ValidateIds(IReadOnlyCollection<int>? ids, string invalidId, string tooManyId, string what)
    {
        if (ids is null)
        {
            throw Invalid(invalidId, $"The {what} ids are null.", $"Give {what} ids greater than 0, or an empty list for every {what}.");
        }
        if (ids.Where(id => id <= 0).Select(id => (int?)id).FirstOrDefault() is int bad)
        {
            throw Invalid(invalidId, $"{char.ToUpperInvariant(what[0])}{what[1..]} id {bad} is not valid.", $"Give a {what} id greater than 0.");
        }
        int distinct = ids.Distinct().Count();
        if (distinct > SchedTraceSessionOptions.MaxFilterIds)
        {
            throw Invalid(tooManyId,
                $"{distinct} {what} ids were given; a session filters on at most {SchedTraceSessionOptions.MaxFilterIds}.",
                $"Give at most {SchedTraceSessionOptions.MaxFilterIds} {what} ids, or none to trace every {what} (and filter the output, e.g. with Where-Object).");
        }
    }
}

/// <summary>What a reading covered, in words, for -Verbose and the CLI's --verbose.</summary>
public static class Narration
{
    /// <summary>
    /// "Reading from 2026-12-01T22:58:08.9590414Z to 2026-12-01T22:58:09.9612345Z (1.002 s); processes 12, 40."
    /// Sample 0 is a single reading; 1, 2, ... are -Interval samples. <paramref name="selection"/>
    /// names what the reading kept beyond the session's kernel filters.
    /// </summary>
    public static string Window(int sample, DateTime start, DateTime end, TimeSpan duration, IEnumerable<string>? selection = null)
    {
        var what = sample == 0 ? "Reading" : $"Sample {sample}";
        var kept = selection?.Where(s => !string.IsNullOrEmpty(s)).ToList() ?? new List<string>();
        return $"{what} from {start.ToString("o", CultureInfo.InvariantCulture)} to {end.ToString("o", CultureInfo.InvariantCulture)} ({duration.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture)} s){(kept.Count == 0 ? string.Empty : "; " + string.Join("; ", kept))}.";
    }

    /// <summary>"process 12" or "processes 12, 40"; empty for no ids.</summary>
    public static string Processes(IReadOnlyCollection<int> ids) =>
        ids.Count == 0 ? string.Empty : (ids.Count == 1 ? "process " : "processes ") + Ids(ids);

    /// <summary>"names 'sh*', 'perl'"; empty for none.</summary>
    public static string Names(IReadOnlyCollection<string>? names) =>
        names is null || names.Count == 0 ? string.Empty : (names.Count == 1 ? "name " : "names ") + string.Join(", ", names.Select(n => $"'{n}'"));

    /// <summary>Ids as a list, the first 10 and a count beyond them.</summary>
    internal static string Ids(IReadOnlyCollection<int> ids) =>
        ids.Count <= 10
            ? string.Join(", ", ids.Select(id => id.ToString(CultureInfo.InvariantCulture)))
            : string.Join(", ", ids.Take(10).Select(id => id.ToString(CultureInfo.InvariantCulture))) + $" and {ids.Count - 10} more";
}

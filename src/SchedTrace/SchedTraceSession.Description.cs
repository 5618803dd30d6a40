using System.Globalization;
using SchedTrace.Engine;
using SchedTrace.Measures;

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

    private static IReadOnlyList<string> SetupLines(SchedTraceSessionOptions options, IReadOnlyList<Measure> measures, SchedBpfObject bpf)
    {
        var kind = bpf.HookKind;
        var request = bpf.Request;
        var lines = new List<string>();
        var hooks = request.Hooks.Select(h => h.Describe(kind)).Distinct().ToList();
        var extra = string.Concat(measures.Select(m => m.DescribePrograms(request)));
        lines.Add(bpf.Fallback is null
            ? $"Attached {string.Join(", ", hooks)}{extra}."
            : $"Attached {string.Join(", ", hooks)}{extra}, the {BpfHook.SectionPrefix(kind)} fallback ({BpfHook.SectionPrefix(HookKind.BtfTracepoint)} was refused; see the warning).");

        var filters = new List<string>();
        AddIds(filters, "process", "processes", request.Tasks.Tgids);
        AddIds(filters, "thread", "threads", request.Tasks.Tids);
        if (options.Cpu is int cpu)
        {
            filters.Add($"CPU {cpu}");
        }
        filters.AddRange(measures.SelectMany(m => m.DescribeFilters(options)));
        lines.Add(filters.Count == 0 ? "Kernel filters: none (every task on every CPU)." : $"Kernel filters: {string.Join("; ", filters)}.");

        var sizes = measures.SelectMany(m => m.DescribeTables(request)).Distinct().ToList();
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

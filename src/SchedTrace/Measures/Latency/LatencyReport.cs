using System.Diagnostics;
using SchedTrace.Engine;
using SchedTrace.Measures;

namespace SchedTrace;

/// <summary>Which latency report to produce: one per cmdlet and CLI verb.</summary>
public enum LatencyReportKind
{
    /// <summary>Run-queue latency (Measure-RunQueueLatency, schedtrace runqlat).</summary>
    RunQueue,

    /// <summary>Off-CPU time by reason (Measure-OffCpuTime, schedtrace offcpu).</summary>
    OffCpu,

    /// <summary>Time in schedule() and the CPU's handover (Measure-ScheduleTime, schedtrace switchtime).</summary>
    ScheduleTime,

    /// <summary>On-CPU slices by how they ended (Measure-OnCpuTime, schedtrace oncpu).</summary>
    OnCpu,
}

/// <summary>What to report from a latency reading.</summary>
public sealed record LatencyQuery
{
    public LatencyReportKind Kind { get; init; }

    /// <summary>One row per process and reason (needs a session that keeps per-process rows).</summary>
    public bool PerProcess { get; init; }

    /// <summary>One row per CPU and reason: the CPU where each interval ended.</summary>
    public bool PerCpu { get; init; }

    /// <summary>Only these processes (tgids); empty: every process.</summary>
    public IReadOnlyCollection<int> ProcessIds { get; init; } = Array.Empty<int>();

    /// <summary>Only processes whose name matches (the caller supplies the matcher, e.g. wildcards).</summary>
    public Func<string, bool>? NameFilter { get; init; }

    /// <summary>Only this CPU's rows (with <see cref="PerCpu"/>) or figures.</summary>
    public int? Cpu { get; init; }

    /// <summary>
    /// The session was started for this reading: the first window starts when it attached
    /// rather than at a first read, so its Min and Max are the kernel's exact values (a window
    /// that starts at a read can only bound an extreme that did not move; see
    /// <see cref="LatencyHistogram.Since"/>). The few milliseconds between attach and the
    /// first read then belong to the window too.
    /// </summary>
    public bool StartsWithSession { get; init; }

    /// <summary>
    /// Whether the rows must come from per-process histograms: per-process rows, or a process
    /// filter the kernel did not apply (<paramref name="kernelProcessIds"/> is the session's own
    /// process filter, which makes the figures of exactly those processes the global ones).
    /// </summary>
    public bool NeedsProcessRows(IReadOnlyCollection<int> kernelProcessIds) =>
        PerProcess || NameFilter is not null || (ProcessIds.Count > 0 && !ProcessIds.ToHashSet().SetEquals(kernelProcessIds));

    internal bool NeedsProcessRows(SchedTraceSession session) => NeedsProcessRows(session.ProcessIds);

    /// <summary>
    /// The options of a session started for this query alone: just its feature; the process ids
    /// and the CPU filtered in the kernel, so other tasks and CPUs cost next to nothing;
    /// per-process histograms only when the rows need them.
    /// </summary>
    public SchedTraceSessionOptions SessionOptions() => new()
    {
        Features = Feature,
        ProcessIds = ProcessIds,
        Cpu = Cpu,
        LatencyPerProcess = NeedsProcessRows(ProcessIds),
    };

    /// <summary>The features a session needs for this report.</summary>
    public SchedTraceFeature Feature => Kind switch
    {
        LatencyReportKind.RunQueue => SchedTraceFeature.RunQueueLatency,
        LatencyReportKind.OffCpu => SchedTraceFeature.OffCpuTime,
        LatencyReportKind.OnCpu => SchedTraceFeature.OnCpuTime,
        _ => SchedTraceFeature.ScheduleTime,
    };
}

/// <summary>
/// Turns a session's cumulative latency histograms into <see cref="LatencyStatistics"/> rows over
/// a window: the one call both front ends make.
/// </summary>
public static class LatencyReport
{
    /// <summary>A row of the report: its histogram kind(s), measure and reason.</summary>
    private sealed record RowSpec(LatencyMeasure Measure, string Reason, LatencyKind[] Kinds);

    /// <summary>Reads <paramref name="session"/> according to <paramref name="plan"/>; a stopped
    /// session gives its final figures, from its start to its stop.</summary>
    public static IEnumerable<IReadOnlyList<LatencyStatistics>> Collect(
        SchedTraceSession session,
        SamplingPlan plan,
        LatencyQuery query,
        CancellationToken cancellation,
        Action<CollectionProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(query);
        Check(session, query);
        foreach (var window in Sampler.Readings<LatencyFigures>(plan, session, query.Feature, cancellation, progress, query.StartsWithSession))
        {
            yield return Between(session, window.Sample, window.Before, window.After, query);
        }
    }

    /// <summary>
    /// Why a query cannot be answered by a session with these kernel filters (null if it can),
    /// so front ends can refuse it before attaching or waiting. Each refusal stands for rows
    /// that would not be what was asked for.
    /// </summary>
    public static SchedTraceException? Refusal(LatencyQuery query, IReadOnlyCollection<int> kernelProcessIds, int? kernelCpu)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Cpu is int cpu && (cpu < 0 || cpu >= SchedBpfObject.PossibleCpus))
        {
            // Otherwise the reading would be an empty row for a CPU that does not exist.
            return Invalid("InvalidCpu", $"CPU {cpu} does not exist on this machine.", $"Give a CPU from 0 to {SchedBpfObject.PossibleCpus - 1}.");
        }
        if (query.PerProcess && query.PerCpu)
        {
            return Invalid("PerProcessAndPerCpu", "Rows are either per process or per CPU, not both.", $"Ask for per-process rows ({PerProcess}) or per-CPU rows ({PerCpu}); per-process figures cover every CPU.");
        }
        bool processRows = query.NeedsProcessRows(kernelProcessIds);
        if (query.PerCpu && processRows)
        {
            return Invalid(
                "PerCpuWithProcessFilter",
                "Per-CPU rows cannot be combined with a name filter, or with process ids the session does not filter in the kernel: those figures come from per-process histograms, which do not tell CPUs apart.",
                $"Leave out {PerCpu}, or measure the process ids without {Session} ({Id}): a new session filters them in the kernel, so their figures can be split by CPU.");
        }
        if (query.Cpu is not null && processRows && kernelCpu != query.Cpu)
        {
            return Invalid(
                "CpuWithProcessRows",
                "A CPU filter cannot narrow per-process figures kept for every CPU.",
                $"Measure without {Session} (the CPU is then filtered in the kernel), start a session on that CPU ({SchedTraceOption.StartSession} {SchedTraceOption.Named("Cpu", query.Cpu)} {PerProcess}), or leave out {SchedTraceOption.Named("Cpu")}.");
        }
        return null;
    }

    private static SchedTraceException Invalid(string id, SchedTraceMessage.Builder message, SchedTraceMessage.Builder action) => new(SchedTraceErrorKind.InvalidArgument, id, message, action);

    // The options the refusals name, each front end in its own syntax.
    private static readonly SchedTraceOption PerProcess = SchedTraceOption.Named(nameof(PerProcess));
    private static readonly SchedTraceOption PerCpu = SchedTraceOption.Named(nameof(PerCpu));
    private static readonly SchedTraceOption Session = SchedTraceOption.Named(nameof(Session));
    private static readonly SchedTraceOption Id = SchedTraceOption.Named(nameof(Id));

    /// <summary>Refuses, before any waiting, a query the session cannot answer.</summary>
    internal static void Check(SchedTraceSession session, LatencyQuery query)
    {
        if (!session.Features.HasFlag(query.Feature))
        {
            throw Invalid(
                "FeatureNotEnabled",
                $"{session.Subject} does not collect {query.Feature}.",
                $"Start a session with the {query.Feature} feature ({SchedTraceOption.StartSession} {SchedTraceOption.Named("Feature", query.Feature)}).");
        }
        if (Refusal(query, session.ProcessIds, session.Cpu) is { } refusal)
        {
            throw refusal;
        }
        if (query.NeedsProcessRows(session) && !session.LatencyPerProcess)
        {
            throw Invalid(
                "SessionNotPerProcess",
                $"{session.Subject} keeps latency for the whole machine only, so it cannot give per-process figures or filter by process.",
                $"Start the session with {PerProcess} ({SchedTraceOption.StartSession} {SchedTraceOption.Named("Feature", query.Feature)} {PerProcess}), or read it without {PerProcess}, {Id} and {SchedTraceOption.Named("Name")}.");
        }
    }

    internal static IReadOnlyList<LatencyStatistics> Between(SchedTraceSession session, int sample, MeasureReading<LatencyFigures> before, MeasureReading<LatencyFigures> after, LatencyQuery query)
    {
        var duration = Stopwatch.GetElapsedTime(before.Timestamp, after.Timestamp);
        var rows = new List<LatencyStatistics>();
        LatencyStatistics Row(RowSpec spec, LatencyHistogram histogram, int? processId = null, string? name = null, int? cpu = null) =>
            LatencyStatistics.Create(histogram, spec.Measure, spec.Reason, MethodOf(session, spec.Measure), before.Utc, after.Utc, duration, sample, processId, name, cpu);

        foreach (var spec in RowsFor(query.Kind, session.ScheduleMethod))
        {
            if (query.PerProcess || (query.NeedsProcessRows(session) && spec.Measure != LatencyMeasure.SwitchHandover))
            {
                var processes = ProcessRows(spec, before, after, query);
                if (query.PerProcess)
                {
                    rows.AddRange(processes.Where(p => p.Histogram.Count > 0).Select(p => Row(spec, p.Histogram, p.ProcessId, p.Name)));
                }
                else
                {
                    rows.Add(Row(spec, processes.Aggregate(LatencyHistogram.Empty, (sum, p) => sum.Merge(p.Histogram))));
                }
            }
            else if (query.PerCpu)
            {
                for (int cpu = 0; cpu < SchedBpfObject.PossibleCpus; cpu++)
                {
                    if (query.Cpu is int only && cpu != only)
                    {
                        continue;
                    }
                    var histogram = Sum(spec.Kinds, kind => after.Figures.OnCpu(kind, cpu).Since(before.Figures.OnCpu(kind, cpu)));
                    if (histogram.Count > 0 || query.Cpu == cpu)
                    {
                        rows.Add(Row(spec, histogram, cpu: cpu));
                    }
                }
            }
            else if (query.Cpu is int cpu)
            {
                rows.Add(Row(spec, Sum(spec.Kinds, kind => after.Figures.OnCpu(kind, cpu).Since(before.Figures.OnCpu(kind, cpu)))));
            }
            else
            {
                rows.Add(Row(spec, Sum(spec.Kinds, kind => after.Figures.Total(kind).Since(before.Figures.Total(kind)))));
            }
        }
        // Per-process rows: the busiest (most time in the measure) first, as Get-ProcessCpuTime does.
        return query.PerProcess
            ? rows.OrderBy(r => r.Measure).ThenBy(r => r.Reason, StringComparer.Ordinal).ThenByDescending(r => r.TotalNs).ThenBy(r => r.ProcessId).ToList()
            : rows;
    }

    private static LatencyHistogram Sum(LatencyKind[] kinds, Func<LatencyKind, LatencyHistogram> read) =>
        kinds.Select(read).Aggregate(LatencyHistogram.Empty, (sum, h) => sum.Merge(h));

    private static IEnumerable<(int ProcessId, string Name, LatencyHistogram Histogram)> ProcessRows(RowSpec spec, MeasureReading<LatencyFigures> before, MeasureReading<LatencyFigures> after, LatencyQuery query)
    {
        var processes = after.Figures.PerProcess.Keys.Where(k => spec.Kinds.Contains(k.Kind)).Select(k => k.ProcessId).Distinct();
        foreach (int processId in processes)
        {
            if (query.ProcessIds.Count > 0 && !query.ProcessIds.Contains(processId))
            {
                continue;
            }
            string name = "";
            var histogram = LatencyHistogram.Empty;
            foreach (var kind in spec.Kinds)
            {
                if (after.Figures.PerProcess.TryGetValue((processId, kind), out var now))
                {
                    name = now.Name;
                    var earlier = before.Figures.PerProcess.TryGetValue((processId, kind), out var then) ? then.Histogram : LatencyHistogram.Empty;
                    histogram = histogram.Merge(now.Histogram.Since(earlier));
                }
            }
            if (query.NameFilter is { } matches && !matches(name))
            {
                continue;
            }
            yield return (processId, name, histogram);
        }
    }

    /// <summary>The rows of a report, in order. Reasons are PowerShell-friendly single words.</summary>
    private static IReadOnlyList<RowSpec> RowsFor(LatencyReportKind kind, ScheduleTimeMethod method) => kind switch
    {
        LatencyReportKind.RunQueue => [new(LatencyMeasure.RunQueue, "", [LatencyKind.RunQueue])],
        LatencyReportKind.OffCpu =>
        [
            new(LatencyMeasure.OffCpu, "Sleeping", [LatencyKind.OffSleeping]),
            new(LatencyMeasure.OffCpu, "Uninterruptible", [LatencyKind.OffUninterruptible]),
            new(LatencyMeasure.OffCpu, "Preempted", [LatencyKind.OffPreempted]),
            new(LatencyMeasure.OffCpu, "Other", [LatencyKind.OffOther]),
        ],
        LatencyReportKind.OnCpu =>
        [
            new(LatencyMeasure.OnCpu, "Blocked", [LatencyKind.OnBlocked]),
            new(LatencyMeasure.OnCpu, "Preempted", [LatencyKind.OnPreempted]),
        ],
        _ => method switch
        {
            ScheduleTimeMethod.FunctionExit => [new(LatencyMeasure.ScheduleCall, "All", [LatencyKind.ScheduleAll])],
            ScheduleTimeMethod.SwitchTracepoint => [new(LatencyMeasure.ScheduleCall, "Switched", [LatencyKind.ScheduleSwitched])],
            _ =>
            [
                new(LatencyMeasure.ScheduleCall, "All", [LatencyKind.ScheduleSwitched, LatencyKind.ScheduleNotSwitched]),
                new(LatencyMeasure.ScheduleCall, "Switched", [LatencyKind.ScheduleSwitched]),
                new(LatencyMeasure.ScheduleCall, "NotSwitched", [LatencyKind.ScheduleNotSwitched]),
                new(LatencyMeasure.SwitchHandover, "", [LatencyKind.Handover]),
            ],
        },
    };

    /// <summary>How a measure was taken on this session: the hooks, and what the interval means.</summary>
    public static string MethodOf(SchedTraceSession session, LatencyMeasure measure)
    {
        ArgumentNullException.ThrowIfNull(session);
        string hook = session.Hook == SchedTraceHook.BtfTracepoint ? "tp_btf" : "raw_tp";
        return measure switch
        {
            LatencyMeasure.RunQueue => $"{hook} sched_wakeup(_new) or runnable sched_switch-out -> sched_switch-in, per thread",
            LatencyMeasure.OffCpu => $"{hook} sched_switch-out -> sched_switch-in of the same thread",
            LatencyMeasure.OnCpu => $"{hook} sched_switch-in -> sched_switch-out of the same thread",
            LatencyMeasure.ScheduleCall => session.ScheduleMethod switch
            {
                ScheduleTimeMethod.FunctionExit => "fentry/fexit schedule(): each call, entry to return, per thread",
                ScheduleTimeMethod.SchedTracepoints => $"{hook} sched_entry_tp -> sched_exit_tp: each __schedule() call, entry to return, per thread" + (session.ScheduleMethodNote is null ? "" : " (fentry refused here)"),
                _ => $"{hook} sched_switch-out -> sched_switch-in: calls that switched, time off the CPU only (no schedule() hooks here)",
            },
            _ => $"{hook} sched_entry_tp -> sched_exit_tp on one CPU: the outgoing task entering __schedule() to the incoming task returning from it",
        };
    }
}

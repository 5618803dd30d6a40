using SchedTrace.Engine;

namespace SchedTrace.Measures;

/// <summary>
/// Every measure, one line each: what a session with a set of features is made of. Adding a
/// measure is a line here and one in bpf/schedtrace.bpf.c (docs/ARCHITECTURE.md).
/// </summary>
internal static class MeasureRegistry
{
    private static readonly Func<Measure>[] All =
    {
        () => new ContextSwitchesMeasure(),
        () => new CpuTimeMeasure(),
        () => new EventsMeasure(),
        () => new RunQueueLatencyMeasure(),
        () => new OffCpuTimeMeasure(),
        () => new ScheduleTimeMeasure(),
        () => new PriorityInversionMeasure(),
        () => new OnCpuTimeMeasure(),
        () => new RunQueueLengthMeasure(),
    };

    /// <summary>Every feature a measure serves.</summary>
    internal static SchedTraceFeature AllFeatures { get; } = All.Aggregate((SchedTraceFeature)0, (all, make) => all | make().Feature);

    /// <summary>A request for one hook kind, with the tables that several measures share.</summary>
    internal static BpfRequest NewRequest(HookKind kind, TaskFilter tasks)
    {
        var request = new BpfRequest(kind, tasks);
        // Created even when no measure adds to it: the programs reference its maps, and it keeps them minimal.
        request.Part<LatencyTables>();
        return request;
    }

    /// <summary>Fresh measures for the options' features, each having checked the options, and the rules that span measures.</summary>
    internal static IReadOnlyList<Measure> Validated(SchedTraceSessionOptions options)
    {
        var measures = For(options.Features);
        foreach (var measure in measures)
        {
            measure.Validate(options);
        }
        if (options.LatencyPerProcess && !measures.OfType<HistogramMeasure>().Any())
        {
            throw new SchedTraceException(SchedTraceErrorKind.InvalidArgument, "PerProcessWithoutLatency",
                "Per-process latency was asked for, but no latency feature.", "Add RunQueueLatency, OffCpuTime, ScheduleTime or OnCpuTime to the features.");
        }
        return measures;
    }

    /// <summary>Fresh measures for the features asked for, in registry order.</summary>
    internal static IReadOnlyList<Measure> For(SchedTraceFeature features) =>
        All.Select(make => make()).Where(m => features.HasFlag(m.Feature)).ToList();
}

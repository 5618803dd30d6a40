using SchedTrace.Engine;

namespace SchedTrace.Measures;

/// <summary>
/// Time in schedule(), entry to return, per call, with the best method the kernel allows
/// (bpf/measures/schedtime.bpf.h): each alternative is a full attach, tried best first. Two
/// kinds: switched and not switched (or all calls, with fexit), and the handover.
/// </summary>
internal sealed class ScheduleTimeMeasure() : HistogramMeasure(SchedTraceFeature.ScheduleTime, kinds: 2)
{
    /// <summary>Its constants section (struct schedtime_config), set before load.</summary>
    internal const string Constants = ".rodata.schedtime";

    private static readonly ScheduleTimeMethod[] Methods =
        { ScheduleTimeMethod.FunctionExit, ScheduleTimeMethod.SchedTracepoints, ScheduleTimeMethod.SwitchTracepoint };

    internal override int Alternatives => Methods.Length;

    /// <summary>The method the session times schedule() with.</summary>
    internal ScheduleTimeMethod Method => Methods[Alternative];

    internal override string DescribeAlternative(int alternative) => Describe(Methods[alternative]);

    internal override string DescribeFallback(int alternative) => $"Timing schedule() with {Describe(Methods[alternative])} instead.";

    /// <summary>What a method hooks, for messages and the Method column of readings.</summary>
    internal static string Describe(ScheduleTimeMethod method) => method switch
    {
        ScheduleTimeMethod.FunctionExit => "fentry/fexit on schedule()",
        ScheduleTimeMethod.SchedTracepoints => "the sched_entry_tp/sched_exit_tp tracepoints of __schedule()",
        ScheduleTimeMethod.SwitchTracepoint => "sched_switch (switch-out to switch-in)",
        _ => "nothing",
    };

    internal override void Request(BpfRequest request, SchedTraceSessionOptions options, int alternative)
    {
        var method = Methods[alternative];
        request.Attach(BpfHook.SchedSwitch);
        if (method == ScheduleTimeMethod.FunctionExit)
        {
            request.Attach(BpfHook.ScheduleEnter, BpfHook.ScheduleExit);
        }
        else if (method == ScheduleTimeMethod.SchedTracepoints)
        {
            request.Attach(BpfHook.SchedEntry, BpfHook.SchedExit);
        }
        request.SetConstants(Constants, new BpfScheduleTimeConfig { Method = (uint)method });
        // Only the switch method times calls from the switch stamps; the others stamp at entry.
        RecordInto(request, options, method == ScheduleTimeMethod.SwitchTracepoint ? BpfStamps.OffCpu : BpfStamps.None);
    }
}

/// <summary>Mirror of <c>struct schedtime_config</c> (.rodata.schedtime); Method is a <see cref="ScheduleTimeMethod"/>.</summary>
[KernelMirror("schedtime_config")]
internal struct BpfScheduleTimeConfig
{
    public uint Method;
    public uint Pad;
}

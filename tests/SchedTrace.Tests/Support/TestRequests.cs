using SchedTrace.Engine;
using SchedTrace.Measures;

namespace SchedTrace.Tests.Support;

/// <summary>BPF requests built by hand, for tests of the plumbing below the measures.</summary>
internal static class TestRequests
{
    /// <summary>Per-CPU switch counting on the given hooks (each hook's programs as named).</summary>
    internal static Func<HookKind, BpfRequest> CountingSwitches(params BpfHook[] hooks) => kind =>
    {
        var request = MeasureRegistry.NewRequest(kind, TaskFilter.None);
        request.SetConstants(BpfSessionConfig.Section, new BpfSessionConfig
        {
            PrevStateArg = KernelFeatures.SchedSwitchHasPrevState ? 1u : 0u,
            Measures = (uint)SchedTraceFeature.ContextSwitches,
        });
        request.Attach(hooks);
        return request.Complete();
    };
}

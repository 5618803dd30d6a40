using SchedTrace.Engine;
using SchedTrace.Interop;

namespace SchedTrace;

/// <summary>How a session's programs are attached to the kernel's tracepoints.</summary>
public enum SchedTraceHook
{
    /// <summary>BTF-typed tracepoints (tp_btf): typed arguments, direct loads, the cheapest.</summary>
    BtfTracepoint,
    /// <summary>Raw tracepoints (raw_tp): the fallback where tp_btf cannot load or attach.</summary>
    RawTracepoint,
}

/// <summary>How detailed a libbpf message is, as <see cref="SchedTraceSessionOptions.Log"/> receives it.</summary>
public enum SchedTraceLogLevel
{
    Warning,
    Info,
    Debug,
}

/// <summary>
/// The public hook and log-level choices and the engine's and libbpf's own: the public API names
/// them in its own types, so that the engine and the interop stay free to change theirs.
/// </summary>
internal static class EngineKinds
{
    internal static HookKind ToEngine(this SchedTraceHook hook) => hook switch
    {
        SchedTraceHook.BtfTracepoint => HookKind.BtfTracepoint,
        SchedTraceHook.RawTracepoint => HookKind.RawTracepoint,
        _ => throw new ArgumentOutOfRangeException(nameof(hook), hook, "Not a hook kind."),
    };

    internal static SchedTraceHook ToPublic(this HookKind kind) => kind switch
    {
        HookKind.BtfTracepoint => SchedTraceHook.BtfTracepoint,
        HookKind.RawTracepoint => SchedTraceHook.RawTracepoint,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a hook kind."),
    };

    internal static LibBpfLogLevel ToLibBpf(this SchedTraceLogLevel level) => level switch
    {
        SchedTraceLogLevel.Warning => LibBpfLogLevel.Warning,
        SchedTraceLogLevel.Info => LibBpfLogLevel.Info,
        SchedTraceLogLevel.Debug => LibBpfLogLevel.Debug,
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, "Not a log level."),
    };

    internal static SchedTraceLogLevel ToPublic(this LibBpfLogLevel level) => level switch
    {
        LibBpfLogLevel.Warning => SchedTraceLogLevel.Warning,
        LibBpfLogLevel.Info => SchedTraceLogLevel.Info,
        LibBpfLogLevel.Debug => SchedTraceLogLevel.Debug,
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, "Not a log level."),
    };

    /// <summary>A session's log sink as libbpf's capture calls it.</summary>
    internal static Action<LibBpfLogLevel, string>? ToLibBpf(this Action<SchedTraceLogLevel, string>? sink) =>
        sink is null ? null : (level, text) => sink(level.ToPublic(), text);
}

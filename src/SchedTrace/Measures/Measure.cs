using SchedTrace.Engine;

namespace SchedTrace.Measures;

/// <summary>
/// One measure's part in a session: the options it checks, and what it asks of the kernel (hooks,
/// constants, map sizes) for each hook kind. A measure lives in its own folder with its kernel
/// mirrors, and its kernel side in bpf/measures/; <see cref="MeasureRegistry"/> composes them, so
/// the session and the BPF plumbing know none by name.
/// </summary>
internal abstract class Measure(SchedTraceFeature feature)
{
    /// <summary>
    /// The feature that turns the measure on. Its value is also the measure's bit in the word the
    /// shared hooks read to know which handlers run (MEASURE_* in its header, <c>cfg.measures</c>).
    /// </summary>
    internal SchedTraceFeature Feature { get; } = feature;

    /// <summary>Refuses options the measure cannot honour, before anything is loaded.</summary>
    internal virtual void Validate(SchedTraceSessionOptions options)
    {
    }

    /// <summary>
    /// How many ways the measure can be served, best first (see <see cref="Request"/>'s
    /// alternative); the session tries the next when a kernel refuses one. Most have one.
    /// </summary>
    internal virtual int Alternatives => 1;

    /// <summary>An alternative in words, for the notice that says one was refused.</summary>
    internal virtual string DescribeAlternative(int alternative) => Feature.ToString();

    /// <summary>The sentence that ends that notice: what the measure does instead.</summary>
    internal virtual string DescribeFallback(int alternative) => $"Using {DescribeAlternative(alternative)} instead.";

    /// <summary>Adds what the measure needs, served its <paramref name="alternative"/> way, to the request for one hook kind.</summary>
    internal abstract void Request(BpfRequest request, SchedTraceSessionOptions options, int alternative);

    /// <summary>Once attached, at the session's start: takes the measure's base, if it has one.</summary>
    internal virtual void Started(SchedBpfObject bpf)
    {
    }

    /// <summary>
    /// Its figures as of now, read while attached; the session also takes them at Stop, so a
    /// stopped session still answers. Null for a measure read another way (a stream).
    /// </summary>
    internal virtual object? Read(SchedBpfObject bpf) => null;

    /// <summary>Its figures at the session's start, when nothing is counted yet (for a reading since the start).</summary>
    internal virtual object? Empty => null;

    /// <summary>
    /// Read after every other measure at Stop, closest to the stop instant: a read of one
    /// syscall whose figures are compared with the kernel's own around the stop.
    /// </summary>
    internal virtual bool ReadLast => false;

    /// <summary>
    /// Measures that read the same tables (the latency family) return the same key: at Stop the
    /// session reads them once and keeps those figures for each.
    /// </summary>
    internal virtual object ReadsWith => this;

    /// <summary>The way the session serves it (an index into <see cref="Alternatives"/>), set once attached.</summary>
    internal int Alternative { get; set; }

    /// <summary>
    /// Once loaded, before the session's start: the stream its records arrive in, for a measure
    /// read as a stream (null for one read in snapshots). The session drains it on every take
    /// and at Stop, and disposes it.
    /// </summary>
    internal virtual IRecordStream? OpenStream(SchedBpfObject bpf) => null;

    /// <summary>
    /// Its own loss counters as of now, from its maps or from the session-wide ones
    /// (<paramref name="shared"/>, read in the same instant); null for a measure that has none.
    /// </summary>
    internal virtual object? ReadCounters(SchedBpfObject bpf, BpfSessionStats[] shared) => null;

    /// <summary>Its loss counters before anything was read: all zero (null: it has none).</summary>
    internal virtual object? ZeroCounters => null;

    /// <summary>For -Verbose: the programs it runs besides its hooks, as a clause ("; a task iterator ...").</summary>
    internal virtual string DescribePrograms(BpfRequest request) => string.Empty;

    /// <summary>For -Verbose: the kernel filters of its own it applies ("task name 'x'").</summary>
    internal virtual IEnumerable<string> DescribeFilters(SchedTraceSessionOptions options) => [];

    /// <summary>For -Verbose: the sizes of its tables and buffers ("task table 16,384 entries").</summary>
    internal virtual IEnumerable<string> DescribeTables(BpfRequest request) => [];

    protected static SchedTraceException Invalid(string id, string message, string action) =>
        new(SchedTraceErrorKind.InvalidArgument, id, message, action);
}

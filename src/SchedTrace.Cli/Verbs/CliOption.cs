namespace SchedTrace.Cli.Verbs;

/// <summary>
/// An option a verb takes, as --help lists it: its name, the placeholder of its value (none for a
/// flag), and what it does, in one paragraph that the usage text wraps. A verb's list of these is
/// also what it accepts on the command line.
/// </summary>
internal sealed record CliOption(string Name, string? Value, string Help)
{
    internal bool IsFlag => Value is null;

    /// <summary>"--pid N[,N...]", "--json".</summary>
    internal string Syntax => Value is null ? "--" + Name : $"--{Name} {Value}";
}

/// <summary>
/// The options several verbs take with the same meaning, declared once: --help lists each in
/// full under the first verb that takes it, and by name under the others.
/// </summary>
internal static class SharedOptions
{
    /// <summary>A reading's length (switches, cputime); the latency verbs and the watches have their own.</summary>
    internal static readonly CliOption Duration = new("duration", "S", "Collect for S seconds (default 1; e.g. 2, 0.5, 500ms).");

    internal static readonly CliOption Interval = new("interval", "S", "Print a sample every S seconds instead of one reading.");

    internal static readonly CliOption Count = new("count", "N", "With --interval: stop after N samples (default: until Ctrl+C).");

    /// <summary>The processes of a per-process measure (cputime, the latency verbs).</summary>
    internal static readonly CliOption ProcessIds = new("pid", "N[,N...]", "Only these processes.");

    internal static readonly CliOption ProcessName = new("name", "PATTERN", "Only processes whose name matches (*, ?, [a-z] wildcards).");

    internal static readonly CliOption Json = new("json", null, "One JSON object per line (property names as in PowerShell).");

    internal static readonly CliOption Csv = new("csv", null, "CSV with a header row.");

    internal static readonly CliOption RawTracepoints = new("raw-tp", null, "Attach raw tracepoints instead of tp_btf.");

    internal static readonly CliOption Verbose = new("verbose", null, "Say on stderr what was attached, the kernel filters, table sizes and each window.");

    internal static readonly CliOption Debug = new("debug", null, "With --verbose's lines, libbpf's own log (about a thousand lines per load).");
}

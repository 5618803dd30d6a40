using System.Globalization;

namespace SchedTrace.Bench;

/// <summary>Command-line settings. Defaults give a run of about a minute on the 2-vCPU VM.</summary>
internal sealed class BenchOptions
{
    /// <summary>Interleaved rounds per scenario; each round runs every tracer (and none) once.</summary>
    public int Rounds { get; private set; } = 7;

    /// <summary>Pipe operations per workload run (perf bench sched pipe -l).</summary>
    public int Loops { get; private set; } = 100_000;

    public int WorkloadCpu { get; private set; }

    /// <summary>Warm SchedTraceSession.Start repetitions, after the one cold call.</summary>
    public int AttachRepetitions { get; private set; } = 20;

    /// <summary>Pairs (no tracing, CpuTime session) in the slowdown measurement.</summary>
    public int SlowdownPairs { get; private set; } = 48;

    /// <summary>Pipe operations per workload run in the slowdown measurement.</summary>
    public int SlowdownLoops { get; private set; } = 200_000;

    /// <summary>Extra live threads for the snapshot measurement.</summary>
    public int SnapshotThreads { get; private set; } = 10_000;

    /// <summary>Timed ReadTaskStats calls per snapshot case.</summary>
    public int SnapshotRepetitions { get; private set; } = 15;

    /// <summary>Runs per consumer variant in the events throughput measurement.</summary>
    public int EventsRepetitions { get; private set; } = 5;

    public string? OutputPath { get; private set; }

    /// <summary>--soak: only the soak run (a long steady load read every second), nothing else.</summary>
    public bool Soak { get; private set; }

    /// <summary>How long the soak's load runs.</summary>
    public int SoakSeconds { get; private set; } = 600;

    /// <summary>Seconds between the soak's readings (default 1; shorter ones reach the GC's first
    /// collection of the CLI within the run).</summary>
    public double SoakInterval { get; private set; } = 1;

    /// <summary>The CLI the soak runs (default: the native one every build publishes to out/cli).</summary>
    public string? CliPath { get; private set; }

    public bool SkipBpftrace { get; private set; }

    /// <summary>Only the start-to-tracing comparison (about a minute), not the rest of the run.</summary>
    public bool StartupOnly { get; private set; }

    /// <summary>libbpf-tools runqlat binaries built by the user (never part of the repository), for the start-to-tracing comparison.</summary>
    public IReadOnlyList<string> LibbpfToolsRunqlat { get; private set; } = [];

    /// <summary>
    /// Directories of libbpf-tools built by the user: each scenario's <see cref="Scenario.LibbpfPeer"/>
    /// found in one is measured in the same rounds, and its runqlat joins the start-to-tracing comparison.
    /// </summary>
    public IReadOnlyList<string> LibbpfToolsDirectories { get; private set; } = [];

    /// <summary>Only these in-kernel cost scenarios (by name); empty: all of them.</summary>
    public IReadOnlyList<string> Scenarios { get; private set; } = [];

    /// <summary>The options that shape the measurement (all but --output), to print the command that reproduces a run.</summary>
    public IReadOnlyList<string> MeasurementArgs { get; private set; } = [];

    public const string Usage =
        "usage: SchedTrace.Bench [--rounds N] [--loops N] [--cpu N] [--attach-repetitions N] [--slowdown-pairs N] [--slowdown-loops N]\n" +
        "                       [--snapshot-threads N] [--snapshot-repetitions N] [--events-repetitions N] [--output FILE.md] [--no-bpftrace]\n" +
        "                       [--scenario NAME[,NAME...]]   (in-kernel cost scenarios: switch-count, cpu-time, events, runqlat, oncpu, offcpu, runqlen, ...)\n" +
        "                       [--startup-only] [--libbpf-tools DIR | PATH/TO/runqlat]...   (DIR: built libbpf-tools, its cpudist and runqlat in\n" +
        "                       the oncpu, offcpu and runqlat scenarios and its runqlat in start to tracing; a runqlat file: start to tracing only)\n" +
        "       SchedTrace.Bench --soak [--soak-seconds N] [--soak-interval S] [--cli PATH] [--cpu N] [--output FILE.md]   (the soak run alone)";

    internal static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.\n{Usage}");
            int Positive() => int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0
                ? n
                : throw new ArgumentException($"{args[i]} needs a positive whole number.\n{Usage}");
            switch (args[i])
            {
                case "--rounds": options.Rounds = Positive(); break;
                case "--loops": options.Loops = Positive(); break;
                case "--cpu": options.WorkloadCpu = int.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture); break;
                case "--attach-repetitions": options.AttachRepetitions = Positive(); break;
                case "--slowdown-pairs": options.SlowdownPairs = Positive(); break;
                case "--slowdown-loops": options.SlowdownLoops = Positive(); break;
                case "--snapshot-threads": options.SnapshotThreads = Positive(); break;
                case "--snapshot-repetitions": options.SnapshotRepetitions = Positive(); break;
                case "--events-repetitions": options.EventsRepetitions = Positive(); break;
                case "--output": options.OutputPath = Value(); break;
                case "--no-bpftrace": options.SkipBpftrace = true; break;
                case "--startup-only": options.StartupOnly = true; break;
                case "--libbpf-tools": options.AddLibbpfTools(Path.GetFullPath(Value())); break;
                case "--soak": options.Soak = true; break;
                case "--soak-seconds": options.SoakSeconds = Positive(); break;
                case "--soak-interval": options.SoakInterval = double.TryParse(Value(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds) && seconds >= 0.01 ? seconds : throw new ArgumentException($"--soak-interval needs seconds, at least 0.01.\n{Usage}"); break;
                case "--cli": options.CliPath = Path.GetFullPath(Value()); break;
                case "--scenario": options.Scenarios = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries); break;
                default: throw new ArgumentException($"Unknown option {args[i]}.\n{Usage}");
            }
        }
        options.MeasurementArgs = RemoveOutput(args);
        return options;
    }

    /// <summary>
    /// A directory: its tools for the scenarios, and its runqlat (if built) for start to tracing.
    /// Anything else is a runqlat binary for start to tracing alone, checked when that runs.
    /// </summary>
    private void AddLibbpfTools(string path)
    {
        if (!Directory.Exists(path))
        {
            LibbpfToolsRunqlat = [.. LibbpfToolsRunqlat, path];
            return;
        }
        LibbpfToolsDirectories = [.. LibbpfToolsDirectories, path];
        var runqlat = Path.Combine(path, "runqlat");
        if (File.Exists(runqlat))
        {
            LibbpfToolsRunqlat = [.. LibbpfToolsRunqlat, runqlat];
        }
    }

    private static List<string> RemoveOutput(string[] args)
    {
        var kept = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--output")
            {
                i++;
                continue;
            }
            kept.Add(args[i]);
        }
        return kept;
    }
}

/// <summary>The external programs the harness uses. bpftrace is optional; the rest are not.</summary>
internal sealed record Tools(string Perf, string Taskset, string? Bpftrace, string? Gcc)
{
    internal static Tools Find(BenchOptions options)
    {
        string Require(string name, string package) => Run.Which(name)
            ?? throw new InvalidOperationException($"{name} is not installed; install it with: sudo apt-get install {package}");
        return new Tools(
            Require("perf", "linux-perf"),
            Require("taskset", "util-linux"),
            options.SkipBpftrace ? null : Run.Which("bpftrace"),
            Run.Which("gcc"));
    }
}

/// <summary>Order statistics for small samples.</summary>
internal static class Sample
{
    internal static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}

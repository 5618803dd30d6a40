using System.Globalization;
using System.Text.RegularExpressions;

namespace SchedTrace.Bench;

/// <summary>One tool's `runqlat` for one second, as its user starts it.</summary>
internal sealed record StartupTool(string Label, IReadOnlyList<string> Command, int Hooks);

/// <summary>One run of one tool: start to tracing, peak RSS, whole run, as start_to_tracing printed them.</summary>
internal sealed record StartupRun(double StartToTracingMs, double PeakRssMiB, double WallMs, int Status);

internal sealed record StartupResult(IReadOnlyList<(StartupTool Tool, IReadOnlyList<StartupRun> Runs)> Tools, string? Skipped);

/// <summary>
/// Start to tracing and peak memory of `runqlat --duration 1` for the native CLI, the CLI on the
/// .NET runtime (the build's bin/), bpftrace and, when given, libbpf-tools' runqlat, interleaved
/// in one run. "Start to tracing" is from the fork of the tool to the first moment the kernel
/// reports the tool's process holding its three sched hooks attached (sched_switch,
/// sched_wakeup, sched_wakeup_new), polled every 200 µs by Helpers/start_to_tracing.c; peak
/// memory is the process's ru_maxrss. The same external measure for every tool, whatever it prints.
/// </summary>
internal static partial class StartToTracing
{
    internal const double TargetMs = 100;
    internal const double TargetRssMiB = 15;

    internal static StartupResult Measure(BenchOptions options, Tools tools, Action<string> progress, CancellationToken cancel)
    {
        if (tools.Gcc is null)
        {
            return new StartupResult([], "gcc is not installed (sudo apt-get install gcc): the start_to_tracing helper could not be built");
        }
        var repo = RepoRoot();
        var candidates = new List<StartupTool>
        {
            new("schedtrace (native, out/cli)", [Path.Combine(repo, "out", "cli", "schedtrace"), "runqlat", "--duration", "1"], 3),
            new("schedtrace on the .NET runtime (bin/, JIT)", [Path.Combine(repo, "src", "SchedTrace.Cli", "bin", "Release", "net10.0", "schedtrace"), "runqlat", "--duration", "1"], 3),
        };
        foreach (var runqlat in options.LibbpfToolsRunqlat)
        {
            candidates.Add(new StartupTool($"libbpf-tools runqlat (`{runqlat}`)", [runqlat, "1", "1"], 3));
        }
        if (tools.Bpftrace is { } bpftrace)
        {
            // The interval probe (a perf software event) is not counted: BPF_TASK_FD_QUERY reports only hooks.
            candidates.Add(new StartupTool("bpftrace (runqlat logic + interval:s:1 { exit(); })", [bpftrace, "-e", Scenario.RunqlatScript + " interval:s:1 { exit(); }"], 3));
        }
        var missing = candidates.Where(t => !File.Exists(t.Command[0])).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"Not built: {string.Join(", ", missing.Select(t => t.Command[0]))} (make build publishes the native CLI; --libbpf-tools must name a runqlat binary or a directory of built libbpf-tools).");
        }

        var directory = Directory.CreateTempSubdirectory("schedtrace-bench-startup-").FullName;
        try
        {
            var helper = Path.Combine(directory, "start_to_tracing");
            var source = Path.Combine(AppContext.BaseDirectory, "Helpers", "start_to_tracing.c");
            var build = Run.Command(tools.Gcc, ["-O2", "-Wall", "-Wextra", "-Werror", "-o", helper, source, "-lutil"], cancel);
            if (build.ExitCode != 0)
            {
                throw new InvalidOperationException($"gcc could not build {source}:\n{build.Stderr}");
            }
            using var tracefs = tools.Bpftrace is null ? null : Tracefs.EnsureMounted();
            var runs = candidates.ToDictionary(t => t, _ => new List<StartupRun>());
            for (int round = 0; round < options.Rounds; round++)
            {
                // A different first tool each round, so no tool always follows the same one.
                foreach (var tool in candidates.Skip(round % candidates.Count).Concat(candidates.Take(round % candidates.Count)))
                {
                    cancel.ThrowIfCancellationRequested();
                    var result = Run.Command(helper, [tool.Hooks.ToString(CultureInfo.InvariantCulture), .. tool.Command], cancel);
                    var run = Parse(result, tool);
                    runs[tool].Add(run);
                    progress(Inv($"start to tracing, round {round + 1}/{options.Rounds}, {tool.Label}: {run.StartToTracingMs:0.0} ms, peak {run.PeakRssMiB:0.0} MiB"));
                }
            }
            return new StartupResult(candidates.Select(t => (t, (IReadOnlyList<StartupRun>)runs[t])).ToList(), null);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static StartupRun Parse(CommandResult result, StartupTool tool)
    {
        var match = ResultLine().Match(result.Stdout);
        if (result.ExitCode != 0 || !match.Success)
        {
            throw new InvalidOperationException($"start_to_tracing failed for {tool.Label} (exit {result.ExitCode}):\n{result.Stdout}{result.Stderr}");
        }
        long startNs = long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        int status = int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture);
        if (startNs < 0 || status != 0)
        {
            throw new InvalidOperationException($"{tool.Label} {(startNs < 0 ? $"never held its {tool.Hooks} hooks" : $"ended with wait status {status}")}:\n{result.Stderr}");
        }
        return new StartupRun(
            startNs / 1e6,
            long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) / 1024.0,
            long.Parse(match.Groups[4].Value, CultureInfo.InvariantCulture) / 1e6,
            status);
    }

    [GeneratedRegex(@"start_to_tracing_ns=(-?\d+) maxrss_kib=(\d+) status=(\d+) wall_ns=(\d+)")]
    private static partial Regex ResultLine();

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SchedTrace.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException($"No folder above {AppContext.BaseDirectory} holds SchedTrace.slnx.");
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

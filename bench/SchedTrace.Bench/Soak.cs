using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace SchedTrace.Bench;

/// <summary>Resident memory of one process, sampled once a second.</summary>
internal sealed record RssSeries(string Process, IReadOnlyList<(double Seconds, double MiB)> Samples)
{
    /// <summary>Mean of the samples in [from, to) seconds after the load started.</summary>
    internal double MeanBetween(double from, double to)
    {
        var inside = Samples.Where(s => s.Seconds >= from && s.Seconds < to).Select(s => s.MiB).ToList();
        return inside.Count == 0 ? double.NaN : inside.Average();
    }

    /// <summary>Least-squares slope, MiB per hour, over the samples from <paramref name="from"/> seconds on.</summary>
    internal double SlopeMiBPerHour(double from = 0)
    {
        var samples = Samples.Where(s => s.Seconds >= from).ToList();
        if (samples.Count < 2)
        {
            return double.NaN;
        }
        double meanX = samples.Average(s => s.Seconds), meanY = samples.Average(s => s.MiB);
        double covariance = samples.Sum(s => (s.Seconds - meanX) * (s.MiB - meanY));
        double variance = samples.Sum(s => (s.Seconds - meanX) * (s.Seconds - meanX));
        return covariance / variance * 3600;
    }

    internal double Max => Samples.Count == 0 ? double.NaN : Samples.Max(s => s.MiB);
}

/// <summary>What one reader (a CLI verb or the pwsh loop) counted over the whole run.</summary>
internal sealed record SoakReader(string Name, string Command, int Readings, double LongestGapSeconds, long Switches, long Voluntary, long Involuntary, long? CpuTimeNs, long? DroppedTasks, int ExitCode, IReadOnlyList<string> Warnings);

/// <summary>The kernel's own figures for the workload's threads (/proc), at the start and the end.</summary>
internal sealed record SoakOracle(long Voluntary, long Involuntary, long RuntimeNs)
{
    internal long Switches => Voluntary + Involuntary;
}

internal sealed record SoakResult(
    DateTime Started,
    double Interval,
    TimeSpan LoadDuration,
    string Workload,
    double SwitchesPerSecond,
    SoakOracle Oracle,
    int WorkloadThreads,
    IReadOnlyList<SoakReader> Readers,
    IReadOnlyList<RssSeries> Memory,
    string LoadAverage);

/// <summary>
/// The soak run (`bench/run.sh --soak`): one steady load for a long time, read every second by
/// the CLI (`switches` and `cputime`, `--interval 1`) and by pwsh (Get-ContextSwitchCount and
/// Get-ProcessCpuTime on one session, in a loop), all filtered to the load's process. Their
/// memory is sampled every second. At the end the load is frozen (SIGSTOP) and every reader's
/// total is compared with the kernel's own counters for the load's threads: those are exact
/// (README, Exactness), because every thread is blocked at both ends.
/// </summary>
internal static class Soak
{
    internal static SoakResult Run(BenchOptions options, Tools tools, Action<string> progress, CancellationToken cancel)
    {
        var repo = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));
        // The CLI users run: the native executable every build publishes to out/cli.
        var cli = options.CliPath ?? Path.Combine(repo, "out/cli/schedtrace");
        var pwsh = Path.Combine(repo, "scripts/pwsh");
        var module = Directory.GetFiles(Path.Combine(repo, "out/SchedTrace"), "SchedTrace.psd1", SearchOption.AllDirectories).FirstOrDefault();
        if (!File.Exists(cli) || module is null)
        {
            throw new InvalidOperationException($"The soak runs the built CLI ({cli}) and module (out/SchedTrace/<version>/SchedTrace.psd1): run make build first.");
        }
        var gcc = tools.Gcc ?? throw new InvalidOperationException("gcc is not installed; the soak builds its load with it: sudo apt-get install gcc");
        var seconds = options.SoakSeconds;
        var directory = Directory.CreateTempSubdirectory("schedtrace-soak-").FullName;
        using var removeDirectory = Cleanup.Register($"remove {directory}", () => Directory.Delete(directory, recursive: true));

        var binary = Path.Combine(directory, "soak_pingpong");
        var source = Path.Combine(AppContext.BaseDirectory, "Helpers", "soak_pingpong.c");
        var build = Bench.Run.Command(gcc, ["-O2", "-Wall", "-Wextra", "-Werror", "-pthread", "-o", binary, source], cancel);
        if (build.ExitCode != 0)
        {
            throw new InvalidOperationException($"gcc could not build {source}:\n{build.Stderr}");
        }
        using var load = Bench.Run.Start(binary, [options.WorkloadCpu.ToString(CultureInfo.InvariantCulture)]);
        using var killLoad = Cleanup.Register($"stop soak_pingpong (pid {load.Id})", () => { Native.kill(load.Id, Native.SIGCONT); Bench.Run.KillIfRunning(load); });
        var ready = load.StandardOutput.ReadLine();
        if (ready != $"ready {load.Id}")
        {
            throw new InvalidOperationException($"soak_pingpong printed '{ready}'");
        }
        int pid = load.Id;
        // "ready" comes before the main thread reads its stdin and maybe before the bouncers
        // reach their pipes: the baseline is read once all three sleep there, or the switches
        // they make on the way are in /proc's figures and in no session's.
        WaitForState(pid, 'S', expectedThreads: 3);
        var before = ReadOracle(pid);
        const int threads = 3;

        // The readers run one sample longer than the load, and a little more: their last reading
        // is taken after the load is frozen (checked below, not assumed).
        double interval = options.SoakInterval;
        int count = (int)Math.Ceiling((seconds + 10) / interval);
        var intervalText = interval.ToString(CultureInfo.InvariantCulture);
        var pidText = pid.ToString(CultureInfo.InvariantCulture);
        var countText = count.ToString(CultureInfo.InvariantCulture);
        var switchesCli = CliReader.Start("CLI switches", cli, ["switches", "--interval", intervalText, "--count", countText, "--pid", pidText, "--total", "--json", "--verbose"], pidText);
        var cputimeCli = CliReader.Start("CLI cputime", cli, ["cputime", "--interval", intervalText, "--count", countText, "--pid", pidText, "--json", "--verbose"], pidText);
        var stopFlag = Path.Combine(directory, "final");
        var pwshReader = PwshReader.Start(pwsh, module, pid, stopFlag, Path.Combine(directory, "soak.ps1"), interval);
        using var killReaders = Cleanup.Register("stop the soak's readers", () =>
        {
            Bench.Run.KillIfRunning(switchesCli.Process);
            Bench.Run.KillIfRunning(cputimeCli.Process);
            if (pwshReader.ProcessId is int shell)
            {
                Native.kill(shell, Native.SigKill);
            }
            Bench.Run.KillIfRunning(pwshReader.Process);
        });
        switchesCli.WaitAttached();
        cputimeCli.WaitAttached();
        pwshReader.WaitAttached();

        progress($"soak: {seconds} s of {Describe(options.WorkloadCpu)} read every {intervalText} s by two CLIs and pwsh");
        var started = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        load.StandardInput.WriteLine("go");
        load.StandardInput.Flush();
        var watched = new (string Name, int Pid)[] { ("CLI switches", switchesCli.Process.Id), ("CLI cputime", cputimeCli.Process.Id), ("pwsh", pwshReader.ProcessId!.Value) };
        var rss = watched.Select(_ => new List<(double, double)>()).ToArray();
        for (int tick = 1; clock.Elapsed.TotalSeconds < seconds; tick++)
        {
            var next = TimeSpan.FromSeconds(tick) - clock.Elapsed;
            if (next > TimeSpan.Zero && cancel.WaitHandle.WaitOne(next))
            {
                cancel.ThrowIfCancellationRequested();
            }
            for (int i = 0; i < watched.Length; i++)
            {
                if (ResidentMiB(watched[i].Pid) is double mib)
                {
                    rss[i].Add((clock.Elapsed.TotalSeconds, mib));
                }
            }
            if (tick % 60 == 0)
            {
                progress($"soak: {tick / 60} min; RSS {string.Join(", ", watched.Select((w, i) => $"{w.Name} {rss[i].LastOrDefault().Item2:F1} MiB"))}");
            }
        }

        // Freeze the load; once every thread is stopped its counters cannot move.
        Native.kill(pid, Native.SIGSTOP);
        var loadDuration = clock.Elapsed;
        WaitForState(pid, 'T', expectedThreads: 3);
        var frozenAt = DateTime.UtcNow;
        var after = ReadOracle(pid);
        File.WriteAllText(stopFlag, "final");

        var readers = new List<SoakReader>
        {
            switchesCli.Finish(frozenAt, (row, reader) => reader.Add(row.GetProperty("Voluntary").GetInt64(), row.GetProperty("Involuntary").GetInt64(), null)),
            cputimeCli.Finish(frozenAt, (row, reader) => reader.Add(row.GetProperty("Voluntary").GetInt64(), row.GetProperty("Involuntary").GetInt64(), row.GetProperty("CpuTimeNs").GetInt64())),
            pwshReader.Finish(),
        };
        Native.kill(pid, Native.SIGCONT);
        load.StandardInput.Close();
        load.WaitForExit(10_000);

        var oracle = new SoakOracle(after.Voluntary - before.Voluntary, after.Involuntary - before.Involuntary, after.RuntimeNs - before.RuntimeNs);
        return new SoakResult(started, interval, loadDuration, Describe(options.WorkloadCpu), oracle.Switches / loadDuration.TotalSeconds, oracle, threads, readers,
            watched.Select((w, i) => new RssSeries(w.Name, rss[i])).ToList(), File.ReadAllText("/proc/loadavg").Trim());
    }

    private static string Describe(int cpu) => $"soak_pingpong {cpu} (two threads pinned to CPU {cpu} passing a byte over two pipes)";

    /// <summary>Every thread's switch counters and run time (status, schedstat): the oracle.</summary>
    private static SoakOracle ReadOracle(int pid)
    {
        long voluntary = 0, involuntary = 0, runtime = 0;
        foreach (var task in Directory.GetDirectories($"/proc/{pid}/task"))
        {
            foreach (var line in File.ReadLines(Path.Combine(task, "status")))
            {
                if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal))
                {
                    voluntary += long.Parse(line.Split(':')[1].Trim(), CultureInfo.InvariantCulture);
                }
                else if (line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                {
                    involuntary += long.Parse(line.Split(':')[1].Trim(), CultureInfo.InvariantCulture);
                }
            }
            runtime += long.Parse(File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ')[0], CultureInfo.InvariantCulture);
        }
        return new SoakOracle(voluntary, involuntary, runtime);
    }

    /// <summary>Until the load has its threads, each in <paramref name="state"/> (S: asleep on its
    /// pipe or stdin; T: stopped): a bounded wait on the kernel's own view of them.</summary>
    private static void WaitForState(int pid, char state, int expectedThreads)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var tasks = Directory.GetDirectories($"/proc/{pid}/task");
            if (tasks.Length == expectedThreads && tasks.All(task => File.ReadAllText(Path.Combine(task, "stat")).Split(") ")[1][0] == state))
            {
                return;
            }
            if (clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new TimeoutException($"the soak load's threads were not all in state {state} within 10 s");
            }
            Thread.Sleep(1);
        }
    }

    internal static double? ResidentMiB(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? null : long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
        }
        catch (IOException)
        {
            return null; // exited
        }
    }

    /// <summary>A reader's running totals.</summary>
    internal sealed class Totals
    {
        internal long Voluntary { get; private set; }

        internal long Involuntary { get; private set; }

        internal long? CpuTimeNs { get; private set; }

        internal void Add(long voluntary, long involuntary, long? cpuTimeNs)
        {
            Voluntary += voluntary;
            Involuntary += involuntary;
            if (cpuTimeNs is long ns)
            {
                CpuTimeNs = (CpuTimeNs ?? 0) + ns;
            }
        }
    }

    /// <summary>The CLI sampling every second: JSON rows on stdout, --verbose lines and warnings on stderr.</summary>
    private sealed class CliReader
    {
        private readonly string name;
        private readonly string command;
        private readonly List<string> stderr = new();
        private readonly Task<string> stdout;
        private readonly TaskCompletionSource attached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<DateTime> windowEnds = new();

        private CliReader(string name, string command, Process process)
        {
            this.name = name;
            this.command = command;
            Process = process;
            stdout = process.StandardOutput.ReadToEndAsync();
            _ = Task.Run(() =>
            {
                while (process.StandardError.ReadLine() is { } line)
                {
                    lock (stderr)
                    {
                        stderr.Add(line);
                    }
                    if (line.StartsWith("schedtrace: Started a session", StringComparison.Ordinal))
                    {
                        attached.TrySetResult();
                    }
                    // "schedtrace: Sample 3 from <start> to <end> (1.001 s)." The windows, rows or not.
                    var words = line.Split(' ');
                    if (words.Length > 6 && words[1] == "Sample" && words[5] == "to")
                    {
                        lock (windowEnds)
                        {
                            windowEnds.Add(DateTime.Parse(words[6], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal));
                        }
                    }
                }
                attached.TrySetResult();
            });
        }

        internal Process Process { get; }

        internal static CliReader Start(string name, string cli, string[] args, string pid) =>
            new(name, $"schedtrace {string.Join(' ', args.Select(a => a == pid ? "PID" : a))}", Bench.Run.Start(cli, args));

        internal void WaitAttached()
        {
            if (!attached.Task.Wait(TimeSpan.FromSeconds(60)) || Process.HasExited)
            {
                throw new InvalidOperationException($"{name} did not attach: {string.Join(" ", stderr)}");
            }
        }

        /// <summary>Waits for the CLI to finish its samples, then sums its rows.</summary>
        internal SoakReader Finish(DateTime frozenAt, Action<JsonElement, Totals> add)
        {
            if (!Process.WaitForExit(120_000))
            {
                throw new TimeoutException($"{name} did not finish its samples");
            }
            Process.WaitForExit();
            var exitedAt = DateTime.UtcNow;
            var totals = new Totals();
            int rows = 0;
            foreach (var line in stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                using var json = JsonDocument.Parse(line);
                add(json.RootElement, totals);
                rows++;
            }
            // Its last reading was taken when it exited; that must be after the load froze.
            if (exitedAt <= frozenAt)
            {
                throw new InvalidOperationException($"{name} ended before the load was frozen: its totals would miss the end");
            }
            // cputime prints no row (and no Sample line) for a window in which the load did not
            // run: the gaps that count are those while it ran.
            List<DateTime> ends;
            lock (windowEnds)
            {
                ends = windowEnds.Where(e => e <= frozenAt).Order().ToList();
            }
            double gap = ends.Zip(ends.Skip(1), (a, b) => (b - a).TotalSeconds).DefaultIfEmpty(double.NaN).Max();
                List<string> warnings;
            lock (stderr)
            {
                warnings = stderr.Where(l => l.StartsWith("schedtrace: warning:", StringComparison.Ordinal)).ToList();
            }
            return new SoakReader(name, command, rows, gap, totals.Voluntary + totals.Involuntary, totals.Voluntary, totals.Involuntary, totals.CpuTimeNs, null, Process.ExitCode, warnings);
        }
    }

    /// <summary>pwsh with the built module: one session, both cmdlets on it every second.</summary>
    private sealed class PwshReader
    {
        private readonly List<JsonElement> readings = new();
        private readonly TaskCompletionSource attached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<JsonElement> final = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly StringBuilder errors = new();

        private PwshReader(Process process)
        {
            Process = process;
            _ = Task.Run(() =>
            {
                while (process.StandardOutput.ReadLine() is { } line)
                {
                    if (line.StartsWith("ready ", StringComparison.Ordinal))
                    {
                        ProcessId = int.Parse(line[6..], CultureInfo.InvariantCulture);
                        attached.TrySetResult();
                        continue;
                    }
                    var reading = JsonDocument.Parse(line).RootElement.Clone();
                    if (reading.GetProperty("Final").GetBoolean())
                    {
                        final.TrySetResult(reading);
                    }
                    else
                    {
                        lock (readings)
                        {
                            readings.Add(reading);
                        }
                    }
                }
                attached.TrySetResult();
                final.TrySetException(new InvalidOperationException($"pwsh ended without its final reading: {errors}"));
            });
            _ = Task.Run(() =>
            {
                while (process.StandardError.ReadLine() is { } line)
                {
                    lock (errors)
                    {
                        errors.AppendLine(line);
                    }
                }
            });
        }

        internal Process Process { get; }

        /// <summary>pwsh's own process: the dotnet-tool pwsh starts it as a child of its launcher.</summary>
        internal int? ProcessId { get; private set; }

        internal const string Command = "Start-SchedTrace -Feature ContextSwitches, CpuTime -ProcessId PID; at each interval Get-ContextSwitchCount -Session $s -Total and Get-ProcessCpuTime -Session $s -Id PID";

        internal static PwshReader Start(string pwsh, string module, int pid, string stopFlag, string scriptPath, double interval)
        {
            var intervalText = interval.ToString(CultureInfo.InvariantCulture);
            // Cumulative readings of one session: each is everything since the session started.
            File.WriteAllText(scriptPath, $$"""
                $ErrorActionPreference = 'Stop'
                Import-Module -Name '{{module}}'
                $session = Start-SchedTrace -Name 'soak' -Feature ContextSwitches, CpuTime -ProcessId {{pid}}
                "ready $PID"
                $clock = [System.Diagnostics.Stopwatch]::StartNew()
                for ($tick = 1; ; $tick++) {
                    $isFinal = Test-Path -LiteralPath '{{stopFlag}}'
                    $switches = Get-ContextSwitchCount -Session $session -Total
                    # Before the load's first run (a reading can precede "go") it has no row: an error, as
                    # for Get-Process, which here only means zero.
                    $cpu = @(Get-ProcessCpuTime -Session $session -Id {{pid}} -ErrorAction SilentlyContinue) + [pscustomobject]@{ CpuTimeNs = 0; Voluntary = 0; Involuntary = 0 }
                    [pscustomobject]@{
                        Final = $isFinal; Seconds = $clock.Elapsed.TotalSeconds; Switches = $switches.Switches; Voluntary = $switches.Voluntary
                        Involuntary = $switches.Involuntary; CpuTimeNs = $cpu[0].CpuTimeNs; CpuVoluntary = $cpu[0].Voluntary; CpuInvoluntary = $cpu[0].Involuntary
                        DroppedTasks = $session.DroppedTasks
                    } | ConvertTo-Json -Compress
                    if ($isFinal) { break }
                    $wait = [timespan]::FromSeconds($tick * {{intervalText}}) - $clock.Elapsed
                    if ($wait -gt [timespan]::Zero) { Start-Sleep -Milliseconds ([int]$wait.TotalMilliseconds) }
                }
                Stop-SchedTrace -Name 'soak'
                """);
            return new PwshReader(Bench.Run.Start(pwsh, ["-NoProfile", "-NonInteractive", "-File", scriptPath]));
        }

        internal void WaitAttached()
        {
            if (!attached.Task.Wait(TimeSpan.FromSeconds(120)) || ProcessId is null)
            {
                throw new InvalidOperationException($"pwsh did not start its session: {errors}");
            }
        }

        internal SoakReader Finish()
        {
            if (!final.Task.Wait(TimeSpan.FromSeconds(60)))
            {
                throw new TimeoutException("pwsh did not take its final reading");
            }
            var last = final.Task.Result;
            Process.WaitForExit(60_000);
            bool shellExited = !Directory.Exists($"/proc/{ProcessId}");
            List<double> times;
            lock (readings)
            {
                times = readings.Select(r => r.GetProperty("Seconds").GetDouble()).Append(last.GetProperty("Seconds").GetDouble()).ToList();
            }
            double gap = times.Zip(times.Skip(1), (a, b) => b - a).DefaultIfEmpty(double.NaN).Max();
            var warnings = new List<string>();
            if (errors.Length > 0)
            {
                warnings.Add(errors.ToString().Trim());
            }
            return new SoakReader("pwsh", Command, times.Count, gap, last.GetProperty("Switches").GetInt64(), last.GetProperty("Voluntary").GetInt64(),
                last.GetProperty("Involuntary").GetInt64(), last.GetProperty("CpuTimeNs").GetInt64(), last.GetProperty("DroppedTasks").GetInt64(), Process.HasExited && shellExited ? Process.ExitCode : -1, warnings);
        }
    }
}

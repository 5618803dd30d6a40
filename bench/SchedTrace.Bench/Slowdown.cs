using SchedTrace.Engine;

namespace SchedTrace.Bench;

/// <summary>One pair of workload runs: without tracing and with our session, back to back.</summary>
internal sealed record SlowdownPair(int Pair, bool TracedFirst, double BaselineUsPerOp, double TracedUsPerOp)
{
    internal double Ratio => TracedUsPerOp / BaselineUsPerOp;
}

/// <summary>Everything the slowdown phase measured.</summary>
internal sealed record SlowdownResult(string Workload, string Session, string BpfStatsEnabled, IReadOnlyList<SlowdownPair> Pairs, string LoadBefore, string LoadAfter)
{
    /// <summary>The A/A control: no session on either side of a pair, so its ratios are the method's own noise.</summary>
    internal bool Control { get; init; }

    /// <summary>The session the +3% target is about (CpuTime); the others are measured for scale.</summary>
    internal bool HasTarget { get; init; }

    internal double MedianRatio => Sample.Median(Pairs.Select(p => p.Ratio));

    internal double RatioOfMedians => Sample.Median(Pairs.Select(p => p.TracedUsPerOp)) / Sample.Median(Pairs.Select(p => p.BaselineUsPerOp));

    /// <summary>
    /// A distribution-free 95% confidence interval for the median pair ratio: order statistics
    /// k and n+1-k, k the largest with P(Binomial(n, 1/2) &lt; k) &lt;= 0.025. Null below 6 pairs.
    /// </summary>
    internal (double Low, double High)? MedianRatioInterval
    {
        get
        {
            var sorted = Pairs.Select(p => p.Ratio).Order().ToArray();
            int n = sorted.Length;
            int k = 0;
            double below = 0; // P(X < k+1) as k grows
            double term = Math.Pow(0.5, n); // P(X = 0)
            for (int j = 0; j < n; j++)
            {
                below += term;
                if (below > 0.025)
                {
                    break;
                }
                k = j + 1;
                term = term * (n - j) / (j + 1);
            }
            return k == 0 ? null : (sorted[k - 1], sorted[n - k]);
        }
    }
}

/// <summary>
/// Workload slowdown under full accounting: the pinned ping-pong with no tracing and with a
/// CpuTime session, in pairs whose order alternates (ABBA), so that drift on the VM hits both
/// sides equally. The figure is the median of the per-pair ratios; the spread and a confidence
/// interval show whether the VM's noise exceeds the effect.
/// </summary>
internal static class Slowdown
{
    internal static readonly SchedTraceSessionOptions CpuTimeSession = new() { Features = SchedTraceFeature.CpuTime };

    /// <summary>The cheapest program on sched_switch (a per-CPU counter): the floor any tp_btf session pays.</summary>
    internal static readonly SchedTraceSessionOptions SwitchCountSession = new() { Features = SchedTraceFeature.ContextSwitches };

    internal static readonly SchedTraceSessionOptions EventsSession = new() { Features = SchedTraceFeature.Events, EventTypes = [SchedEventType.Switch] };

    /// <param name="sessionLabel">The session as the report names it.</param>
    /// <param name="session">Its options; an Events session is consumed by SchedEventWatch.Watch on a thread of ours while it runs.
    /// Null: the A/A control, whose "traced" run has no session either.</param>
    internal static SlowdownResult Measure(IWorkload workload, int pairs, string sessionLabel, SchedTraceSessionOptions? session, Action<string> progress, CancellationToken cancel)
    {
        string stats = File.ReadAllText("/proc/sys/kernel/bpf_stats_enabled").Trim();
        string loadBefore = LoadAverage();
        workload.Run(cancel); // warm-up, untimed
        for (int i = 0; session is not null && i < 3; i++)
        {
            // The session's own path warmed up too (JIT, libbpf), so the first pairs do not pay for it.
            using var warm = SchedTraceTracer.Start(session);
        }
        var results = new List<SlowdownPair>();
        for (int i = 0; i < pairs; i++)
        {
            bool tracedFirst = i % 2 == 1;
            progress($"  slowdown {sessionLabel} pair {i + 1}/{pairs} ({(tracedFirst ? "traced, then none" : "none, then traced")})");
            double baseline = 0, traced = 0;
            foreach (bool withSession in tracedFirst ? new[] { true, false } : new[] { false, true })
            {
                if (withSession)
                {
                    // Attach is outside the timed part: perf times its own loop.
                    using var tracer = session is null ? null : SchedTraceTracer.Start(session);
                    traced = workload.Run(cancel).MicrosecondsPerOp;
                }
                else
                {
                    baseline = workload.Run(cancel).MicrosecondsPerOp;
                }
            }
            results.Add(new SlowdownPair(i + 1, tracedFirst, baseline, traced));
        }
        return new SlowdownResult(workload.Description, sessionLabel, stats, results, loadBefore, LoadAverage()) { Control = session is null, HasTarget = ReferenceEquals(session, CpuTimeSession) };
    }

    /// <summary>
    /// Keeps every thread of the harness off the workload's CPU while the slowdown is measured,
    /// and lets them use every CPU again afterwards: the pinned ping-pong then competes only with
    /// what the session does in the kernel, not with the harness's own threads (JIT, GC, timers),
    /// on both sides of every pair. Threads started meanwhile inherit the mask. No-op on one CPU.
    /// </summary>
    internal static IDisposable KeepHarnessOff(int workloadCpu)
    {
        int cpus = Math.Min(Environment.ProcessorCount, 64);
        ulong all = cpus == 64 ? ulong.MaxValue : (1UL << cpus) - 1;
        ulong others = all & ~(1UL << workloadCpu);
        if (others == 0)
        {
            return new Restore(() => { });
        }
        SetEveryThread(others);
        return new Restore(() => SetEveryThread(all));
    }

    private static void SetEveryThread(ulong mask)
    {
        foreach (var dir in Directory.GetDirectories("/proc/self/task"))
        {
            // A thread may end while we walk; whatever is left keeps its mask.
            _ = int.TryParse(Path.GetFileName(dir), out int tid) && Native.sched_setaffinity(tid, sizeof(ulong), ref mask) == 0;
        }
    }

    private sealed class Restore(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }

    private static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
}

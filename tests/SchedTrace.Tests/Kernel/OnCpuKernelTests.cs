using System.IO.Compression;
using SchedTrace.Engine;
using SchedTrace.Tests.Support;
using Xunit.Abstractions;

namespace SchedTrace.Tests.Kernel;

/// <summary>On-CPU slices on workloads the test owns, against the kernel's own run time and switch counts.</summary>
[Collection(KernelCollection.Name)]
public sealed class OnCpuKernelTests(ITestOutputHelper output)
{
    /// <summary>The CPU the pinned workloads share: the last online one, away from CPU 0's housekeeping.</summary>
    private static int WorkCpu => CpuTopology.Online().Max();

    private static SchedTraceSession Start(int[] threadIds, SchedTraceHook hook = SchedTraceHook.BtfTracepoint, bool perProcess = false, int[]? processIds = null) =>
        SchedTraceSession.Start(new SchedTraceSessionOptions
        {
            Features = SchedTraceFeature.OnCpuTime,
            ThreadIds = threadIds,
            ProcessIds = processIds ?? [],
            PreferredHook = hook,
            LatencyPerProcess = perProcess,
        });

    private void Show(string label, LatencyHistogram h) =>
        output.WriteLine($"{label}: n={h.Count} sum={h.SumNs} min={h.MinNs} p50={h.Percentile(50):F0} p90={h.Percentile(90):F0} max={h.MaxNs}");

    private static LatencyHistogram Since(MeasureReading<LatencyFigures> after, MeasureReading<LatencyFigures> before, LatencyKind kind) => after.Figures.Total(kind).Since(before.Figures.Total(kind));

    /// <summary>
    /// A thread's slices over a window sum to its run time in the kernel's own accounting
    /// (schedstat's first field, se.sum_exec_runtime), and there is one per switch-out the
    /// kernel counted (nvcsw + nivcsw), on both hook kinds. The thread sleeps and spins on a
    /// CPU that two spinners keep busy, so its slices end both ways. Its kind split is checked
    /// against the kernel's counters too: Blocked at most its voluntary switches plus the signals
    /// the runtime may send it (a signal as it blocks makes that switch-out runnable), which
    /// only moves switches from Blocked to Preempted.
    ///
    /// The window is bracketed by kernel readings taken while the thread is blocked outside its
    /// phase (ControlledThread checks it is in state S with a settled switch count): the slice in
    /// progress at each edge, which a sum of finished slices cannot hold and the kernel's delta
    /// can, is then none; the readings are before the first and after the last slice. SchedTrace
    /// measures a slice in that same run time (se.sum_exec_runtime at the switch-out less at the
    /// switch-in), so the sum is the kernel's to the nanosecond, less the slices that are
    /// missing: those whose switch-in the kernel hid (a thread of PID 1 left the CPU to it
    /// unreported, see <see cref="UntracedSwitchIns"/>; seen here about once a run), each at most
    /// <see cref="MaxSliceNs"/>.
    /// </summary>
    private static void AssertSumsToTheRunTime(long sum, long kernel, long missing)
    {
        if (missing == 0)
        {
            Assert.Equal(kernel, sum);
        }
        else
        {
            Assert.InRange(sum, kernel - missing * MaxSliceNs, kernel);
        }
    }

    /// <summary>
    /// The longest slice the sleep-and-spin workloads below can run: a slice ends at the latest
    /// when the thread sleeps after its 3 ms (wall-clock) spin, plus the loop's own µs; 4 ms.
    /// </summary>
    private const long MaxSliceNs = 4_000_000;

    [KernelTheory]
    [InlineData(SchedTraceHook.BtfTracepoint)]
    [InlineData(SchedTraceHook.RawTracepoint)]
    public void Slices_SumToTheThreadsRunTime_OnePerSwitchOut(SchedTraceHook hook)
    {
        int cpu = WorkCpu;
        var spin = Enumerable.Range(0, 2)
            .Select(_ => new ControlledThread(() => ControlledThread.Spin(TimeSpan.FromMilliseconds(600)), pinToCpu: cpu, name: "st-spinner"))
            .ToList();
        try
        {
            using var worker = new ControlledThread(() =>
            {
                for (int i = 0; i < 30; i++)
                {
                    Thread.Sleep(2);
                    ControlledThread.Spin(TimeSpan.FromMilliseconds(3));
                }
            }, pinToCpu: cpu, blockOutsidePhase: true, name: "st-oncpu");
            using var session = Start([worker.ThreadId], hook);
            using var untraced = new UntracedSwitchIns();
            Assert.Equal(hook, session.Hook);
            spin.ForEach(s => s.Go());
            int pid = Environment.ProcessId;
            long run0 = ProcFs.ThreadRuntimeNs(pid, worker.ThreadId);
            var switches0 = ProcFs.ThreadSwitches(worker.ThreadId);
            var before = session.ReadLatency();
            worker.Go();
            worker.WaitDone();
            var after = session.ReadLatency();
            long run1 = ProcFs.ThreadRuntimeNs(pid, worker.ThreadId);
            var switches1 = ProcFs.ThreadSwitches(worker.ThreadId);

            var blocked = Since(after, before, LatencyKind.OnBlocked);
            var preempted = Since(after, before, LatencyKind.OnPreempted);
            Show("blocked", blocked);
            Show("preempted", preempted);
            long kernel = run1 - run0;
            long voluntary = switches1.Voluntary - switches0.Voluntary, involuntary = switches1.Involuntary - switches0.Involuntary;
            long lost = session.LatencyLost;
            int hidden = untraced.Count(worker.ThreadId)[worker.ThreadId];
            output.WriteLine($"kernel: run {kernel} ns, {voluntary} voluntary and {involuntary} involuntary switches; lost {lost}; switch-ins the kernel hid {hidden}");

            ulong slices = blocked.Count + preempted.Count;
            long missing = lost + hidden;
            Assert.InRange((long)slices, voluntary + involuntary - missing, voluntary + involuntary);
            Assert.True(preempted.Count > 0 && blocked.Count > 0, "sleeps among two spinners end slices both ways");
            Assert.True((long)blocked.Count <= voluntary, $"{blocked.Count} Blocked slices, but the kernel counted {voluntary} voluntary switches");
            AssertSumsToTheRunTime((long)(blocked.SumNs + preempted.SumNs), kernel, missing);
        }
        finally
        {
            spin.ForEach(s => s.Dispose());
        }
    }

    /// <summary>
    /// The same sum per process: a single-threaded perl process, blocked on its stdin at both
    /// readings (so no slice is under way at either edge, as above), alternates sleeps and
    /// spins; its per-process rows, under its name, sum to its thread's schedstat run time as
    /// above.
    /// </summary>
    [KernelFact]
    public void PerProcessRows_OfAPerlProcess_SumToItsRunTime()
    {
        const string script = """
            use Time::HiRes qw(sleep time); $| = 1; print "ready\n";
            while (defined(my $line = <STDIN>)) { for (1..20) { sleep 0.002; my $t = time + 0.003; 1 while time < $t; } print "done\n"; }
            """;
        var start = new System.Diagnostics.ProcessStartInfo("perl") { RedirectStandardInput = true, RedirectStandardOutput = true };
        start.ArgumentList.Add("-e");
        start.ArgumentList.Add(script);
        using var perl = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException("perl did not start");
        try
        {
            Assert.Equal("ready", perl.StandardOutput.ReadLine());
            WaitUntilBlocked(perl.Id);
            using var session = Start([], perProcess: true);
            using var untraced = new UntracedSwitchIns();
            long run0 = ProcFs.ThreadRuntimeNs(perl.Id, perl.Id);
            var switches0 = Switches(perl.Id);
            var before = session.ReadLatency();
            perl.StandardInput.WriteLine("go");
            perl.StandardInput.Flush();
            Assert.Equal("done", perl.StandardOutput.ReadLine());
            WaitUntilBlocked(perl.Id);
            var after = session.ReadLatency();
            long run1 = ProcFs.ThreadRuntimeNs(perl.Id, perl.Id);
            var switches1 = Switches(perl.Id);

            var rows = LatencyReport.Between(session, 0, before, after, new LatencyQuery { Kind = LatencyReportKind.OnCpu, PerProcess = true })
                .Where(r => r.ProcessId == perl.Id).ToList();
            rows.ForEach(r => output.WriteLine(r.ToString()));
            Assert.All(rows, r => Assert.Equal("perl", r.Name));
            Assert.All(rows, r => Assert.Equal(LatencyMeasure.OnCpu, r.Measure));
            long kernel = run1 - run0;
            long voluntary = switches1.Voluntary - switches0.Voluntary, involuntary = switches1.Involuntary - switches0.Involuntary;
            long lost = session.LatencyLost;
            int hidden = untraced.Count(perl.Id)[perl.Id];
            long missing = lost + hidden;
            long slices = rows.Sum(r => r.Count), sum = rows.Sum(r => r.TotalNs);
            output.WriteLine($"kernel: run {kernel} ns, {voluntary} voluntary and {involuntary} involuntary switches; SchedTrace {slices} slices, {sum} ns; lost {lost}; switch-ins the kernel hid {hidden}");
            // Nothing signals perl: each switch-out is Blocked exactly when the kernel counts it
            // voluntary, less the slices that are missing (of either kind).
            long blocked = rows.SingleOrDefault(r => r.Reason == "Blocked")?.Count ?? 0;
            long preempted = rows.SingleOrDefault(r => r.Reason == "Preempted")?.Count ?? 0;
            Assert.InRange(blocked, voluntary - missing, voluntary);
            Assert.InRange(preempted, involuntary - missing, involuntary);
            Assert.InRange(slices, voluntary + involuntary - missing, voluntary + involuntary);
            Assert.True(voluntary >= 21, $"20 sleeps and the read of stdin are voluntary switches: {voluntary}");
            AssertSumsToTheRunTime(sum, kernel, missing);
        }
        finally
        {
            perl.Kill();
            perl.WaitForExit();
        }
    }

    private static (long Voluntary, long Involuntary) Switches(int pid) => ProcFs.StatusSwitches($"/proc/{pid}/task/{pid}/status");

    /// <summary>Waits until a process's only thread is blocked (state S) with a settled switch count: off the CPU.</summary>
    private static void WaitUntilBlocked(int pid)
    {
        var limit = System.Diagnostics.Stopwatch.StartNew();
        long previous = -1;
        while (limit.Elapsed < TimeSpan.FromSeconds(30))
        {
            var text = File.ReadAllText($"/proc/{pid}/task/{pid}/stat");
            char state = text[text.LastIndexOf(')') + 2];
            var (voluntary, involuntary) = Switches(pid);
            if (state == 'S' && voluntary + involuntary == previous)
            {
                return;
            }
            previous = state == 'S' ? voluntary + involuntary : -1;
            Thread.Sleep(5);
        }
        throw new TimeoutException($"process {pid} did not block within 30 s");
    }

    /// <summary>
    /// The scheduler's base slice (EEVDF's sysctl_sched_base_slice): debugfs has it when
    /// mounted; otherwise it is the kernel's default, 0.75 ms scaled as the kernel scales it
    /// at boot (SCHED_TUNABLESCALING_LOG: 1 + ilog2 of the CPUs, at most 8 counted).
    /// </summary>
    private static double BaseSliceNs()
    {
        const string debugfs = "/sys/kernel/debug/sched/base_slice_ns";
        if (File.Exists(debugfs))
        {
            return long.Parse(File.ReadAllText(debugfs).Trim());
        }
        int cpus = Math.Min(Environment.ProcessorCount, 8);
        return 750_000.0 * (1 + Math.Floor(Math.Log2(cpus)));
    }

    /// <summary>
    /// The timer tick, in ns: a slice's end is only noticed at a tick (without HRTICK), so a
    /// spinner's slice is its base slice rounded up to one. From the kernel's CONFIG_HZ when
    /// /proc/config.gz has it, else the longest tick Linux has (HZ=100).
    /// </summary>
    private static double TickNs()
    {
        if (File.Exists("/proc/config.gz"))
        {
            using var config = new StreamReader(new GZipStream(File.OpenRead("/proc/config.gz"), CompressionMode.Decompress));
            for (string? line; (line = config.ReadLine()) is not null;)
            {
                if (line.StartsWith("CONFIG_HZ=", StringComparison.Ordinal))
                {
                    return 1e9 / int.Parse(line["CONFIG_HZ=".Length..]);
                }
            }
        }
        return 10_000_000;
    }

    /// <summary>
    /// Two spinners pinned to one CPU take turns: each runs one base slice (rounded up to the
    /// next tick, when the scheduler sees it used up) and is preempted for the other. Other
    /// tasks on this busy VM cut many turns short (a wakeup there preempts; a median of 1.1 ms
    /// was seen with a 1.5 ms base slice at load 14), and those short slices hold little of
    /// the run time: so the assertion is on the median weighted by time (half the spinners' run
    /// time was in longer slices), between half the base slice and the base slice plus two
    /// ticks. A spinner blocks only when the runtime stops it (GC suspension) and once at the
    /// end: its Blocked slices are at most the kernel's voluntary switches of it.
    /// </summary>
    [KernelFact]
    public void TwoSpinnersOnOneCpu_RunInBaseSlices_AndArePreempted()
    {
        int cpu = WorkCpu;
        var spinners = Enumerable.Range(0, 2)
            .Select(_ => new ControlledThread(() => ControlledThread.Spin(TimeSpan.FromMilliseconds(800)), pinToCpu: cpu, blockOutsidePhase: true, name: "st-spinner"))
            .ToList();
        try
        {
            using var session = Start(spinners.Select(s => s.ThreadId).ToArray());
            long Voluntary() => spinners.Sum(s => ProcFs.ThreadSwitches(s.ThreadId).Voluntary);
            long voluntary0 = Voluntary();
            var before = session.ReadLatency();
            spinners.ForEach(s => s.Go());
            spinners.ForEach(s => s.WaitDone());
            var after = session.ReadLatency();
            long voluntary = Voluntary() - voluntary0;
            var preempted = Since(after, before, LatencyKind.OnPreempted);
            var blocked = Since(after, before, LatencyKind.OnBlocked);
            double baseSlice = BaseSliceNs(), tick = TickNs();
            Show("preempted", preempted);
            Show("blocked", blocked);
            double weightedMedian = TimeWeightedMedian(preempted);
            output.WriteLine($"base slice {baseSlice} ns, tick {tick} ns; time-weighted median {weightedMedian} ns; kernel: {voluntary} voluntary switches");

            Assert.True(preempted.Count >= 20, $"800 ms of two spinners sharing a CPU: {preempted.Count} preemptions");
            Assert.True((long)blocked.Count <= voluntary, $"{blocked.Count} Blocked slices, but the kernel counted {voluntary} voluntary switches");
            Assert.InRange(weightedMedian, baseSlice / 2, baseSlice + 2 * tick);
        }
        finally
        {
            spinners.ForEach(s => s.Dispose());
        }
    }

    /// <summary>
    /// A spinner alone on its CPU is not preempted, so its slices are long. A normal task is
    /// never alone on this shared VM (its load average runs above 10), so the test makes it so
    /// the way the scheduler allows: SCHED_FIFO, which no normal task preempts. Its slices then
    /// end when an RT kernel thread (the CPU's stopper) runs, when RT throttling (950 ms of
    /// each second; the spin is shorter) stops it, or when it blocks at the end. The median slice,
    /// weighted by time (half its run time was in longer slices), is then much longer than the
    /// base slice: at least 20 of them.
    /// </summary>
    [KernelFact]
    public void SpinnerAloneOnACpu_RunsInLongSlices()
    {
        int cpu = WorkCpu;
        int other = CpuTopology.Online().Min();
        Assert.NotEqual(cpu, other);
        // Keep this thread off the spinning CPU, where it would wait behind the FIFO spinner.
        TestNative.PinCurrentThread(other);
        try
        {
            using var spinner = new ControlledThread(() =>
            {
                TestNative.MakeCurrentThreadFifo(1);
                ControlledThread.Spin(TimeSpan.FromMilliseconds(400));
            }, pinToCpu: cpu, blockOutsidePhase: true, name: "st-alone");
            using var session = Start([spinner.ThreadId]);
            var before = session.ReadLatency();
            spinner.Go();
            spinner.WaitDone();
            var after = session.ReadLatency();
            var all = Since(after, before, LatencyKind.OnPreempted).Merge(Since(after, before, LatencyKind.OnBlocked));
            Show("all", all);
            double baseSlice = BaseSliceNs();
            double weightedMedian = TimeWeightedMedian(all);
            output.WriteLine($"base slice {baseSlice} ns; time-weighted median slice {weightedMedian:F0} ns");
            Assert.True(all.SumNs >= 300_000_000, $"the spinner ran {all.SumNs} ns of its 400 ms");
            Assert.True(weightedMedian >= 20 * baseSlice, $"half its run time in slices over {weightedMedian:F0} ns, base slice {baseSlice} ns");
        }
        finally
        {
            TestNative.UnpinCurrentThread();
        }
    }

    /// <summary>The slice length above which half the run time lies, at slot resolution (lower slot edge).</summary>
    private static double TimeWeightedMedian(LatencyHistogram h)
    {
        var slots = h.SlotCounts;
        double total = 0;
        var weights = new double[slots.Count];
        for (int slot = 0; slot < slots.Count; slot++)
        {
            weights[slot] = slots[slot] * (double)LatencyHistogram.SlotUpperNs(slot);
            total += weights[slot];
        }
        double seen = 0;
        for (int slot = slots.Count - 1; slot >= 0; slot--)
        {
            seen += weights[slot];
            if (seen >= total / 2)
            {
                return slot == 0 ? 0 : LatencyHistogram.SlotUpperNs(slot - 1);
            }
        }
        return 0;
    }
}

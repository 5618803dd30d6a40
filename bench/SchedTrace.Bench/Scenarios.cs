using SchedTrace.Engine;

namespace SchedTrace.Bench;

/// <summary>One of our sessions as measured: a label and the options it starts with.</summary>
internal sealed record OurTracer(string Label, SchedTraceSessionOptions Options);

/// <summary>
/// A libbpf-tools program doing a scenario's job, as its user starts it: its file name in a
/// <c>--libbpf-tools</c> directory, its arguments (no interval: it traces until SIGINT), and how
/// many BPF programs it holds once attached (the harness waits until each has fired).
/// </summary>
internal sealed record LibbpfTool(string Name, IReadOnlyList<string> Args, int Programs)
{
    internal string Label => "libbpf-tools " + string.Join(' ', Args.Prepend(Name));
}

/// <summary>
/// One benchmark scenario: our session(s), the bpftrace script that does the same job, and a
/// workload that produces the events. Later scenarios (per-process CPU time, ring-buffer
/// events, run-queue latency) are added to <see cref="All"/> with their own three parts.
/// The bpftrace script must not use BEGIN or END: the harness waits until each of the N probes
/// bpftrace announces ("Attaching N probes...") has a program that has fired, which END never does.
/// </summary>
internal sealed record Scenario(
    string Name,
    string Job,
    IReadOnlyList<OurTracer> Ours,
    string BpftraceScript,
    string BpftraceProbe,
    IWorkload Workload,
    double? NsRatioTarget,
    string TargetSource)
{
    /// <summary>
    /// Other bpftrace scripts measured in the same rounds for reference (label, script); the
    /// ratio and verdict are always against <see cref="BpftraceScript"/>.
    /// </summary>
    public IReadOnlyList<(string Label, string Script)> ReferenceScripts { get; init; } = [];

    /// <summary>
    /// The bpftrace script prints on every event: bpftrace writes to a file in /dev/shm (-o) that
    /// is counted (lines delivered, "Lost N events") and deleted after the round.
    /// </summary>
    public bool BpftracePrintsPerEvent { get; init; }

    /// <summary>
    /// The libbpf-tools program that does the same job, measured in the same rounds when a
    /// <c>--libbpf-tools</c> directory holding it is given (one mode per such directory).
    /// </summary>
    public LibbpfTool? LibbpfPeer { get; init; }

    /// <summary>
    /// <see cref="NsRatioTarget"/> is against <see cref="LibbpfPeer"/> (the first directory's),
    /// not bpftrace: for jobs whose issue names the C tool as the bar.
    /// </summary>
    public bool TargetAgainstLibbpfPeer { get; init; }

    /// <summary>
    /// A second cost target for scenarios whose other hook matters as much as sched_switch: the
    /// ratio of our sched_wakeup program's ns per run to bpftrace's, at most this.
    /// </summary>
    public double? WakeupRatioTarget { get; init; }

    /// <summary>
    /// Compare every program of each tracer, plus one end-of-window read, per context switch,
    /// instead of the sched_switch program alone: for jobs where our session runs nothing on
    /// sched_switch (CpuTime on tp_btf copies the kernel's counters at the read instead), so the
    /// cost it moved elsewhere is counted. For a tracer whose only program is on sched_switch the
    /// two figures are the same.
    /// </summary>
    public bool CostPerContextSwitch { get; init; }

    /// <summary>
    /// Compare every program's run time over its runs, per sample: for a sampling job (a perf
    /// event on every CPU runs it at a fixed rate), whose cost follows the rate and not the
    /// switches, and which has no sched_switch program at all.
    /// </summary>
    public bool CostPerSample { get; init; }

    /// <summary>What the compared figure is, for the report.</summary>
    internal string CostUnit => CostPerSample ? "ns per sample" : CostPerContextSwitch ? "ns per context switch, all programs" : "ns per sched_switch";

    /// <summary>The script a bpftrace mode runs, by its label.</summary>
    internal string ScriptFor(string label) =>
        ReferenceScripts.FirstOrDefault(r => r.Label == label).Script ?? BpftraceScript;

    /// <summary>
    /// The program that runs on sched_switch: ours (tp_btf or raw_tp), bpftrace's (named after
    /// its probe) and libbpf-tools' (runqlat's sched_switch; cpudist's sched_switch_btf, which the
    /// kernel cuts to 15 characters, or sched_switch_tp). "ns per sched_switch" and the ratio to a
    /// peer are this program's alone; the other hooks of a multi-program tracer are reported next to it.
    /// </summary>
    internal static bool IsSwitchProgram(string name) => name is "switch_btf" or "switch_raw" or "sched_switch" or "sched_switch_bt" or "sched_switch_tp";

    /// <summary>The program on sched_wakeup: ours, or bpftrace's (named after its probe).</summary>
    internal static bool IsWakeupProgram(string name) => name is "wakeup_btf" or "wakeup_raw" or "sched_wakeup";

    /// <summary>
    /// bcc/bpftrace runqlat's logic: stamp at wakeup and at a switch-out while runnable, and at
    /// switch-in put the wait in a log2 histogram. Ours does more on the same events: a
    /// 16-slots-per-octave histogram per CPU (for percentiles), exact min/max/sum, preempted
    /// tasks counted (the classic tracepoint reports their prev_state as R+, not 0, so this
    /// script misses them), and per-thread stamps that are freed with the task.
    /// </summary>
    internal const string RunqlatScript =
        "tracepoint:sched:sched_wakeup, tracepoint:sched:sched_wakeup_new { @qtime[args->pid] = nsecs; } "
        + "tracepoint:sched:sched_switch { if (args->prev_state == 0) { @qtime[args->prev_pid] = nsecs; } $ns = @qtime[args->next_pid]; if ($ns) { @usecs = hist((nsecs - $ns) / 1000); } delete(@qtime[args->next_pid]); }";

    /// <summary>
    /// What a bpftrace user writes for per-pid CPU time: the time between being switched in and
    /// switched out, summed per pid (tid). Ours does more on the same event: it also counts
    /// voluntary/involuntary switches, CPUs used, priority and name, and is exact from the first
    /// slice (sum_exec_runtime rather than timestamps).
    /// </summary>
    internal const string PerPidRuntimeScript =
        "tracepoint:sched:sched_switch { if (@start[args->prev_pid]) { @rt[args->prev_pid] = sum(nsecs - @start[args->prev_pid]); delete(@start[args->prev_pid]); } @start[args->next_pid] = nsecs; }";

    /// <summary>
    /// The same job written for speed: one lookup into a variable, no delete (the next switch-in
    /// overwrites the start time). A reference, so the verdict does not rest on a slow script.
    /// </summary>
    internal const string PerPidRuntimeLeanScript =
        "tracepoint:sched:sched_switch { $s = @start[args->prev_pid]; if ($s) { @rt[args->prev_pid] = sum(nsecs - $s); } @start[args->next_pid] = nsecs; }";

    /// <summary>
    /// bcc/bpftrace cpudist's logic (on-CPU mode): stamp a thread at switch-in, and at its
    /// switch-out put the slice in a log2 histogram; the idle task is left out, as cpudist does.
    /// Ours does more on the same event: the slice split by how it ended (blocked or preempted),
    /// a 16-slots-per-octave histogram per CPU, exact min/max/sum, and stamps freed with the task.
    /// </summary>
    internal const string CpudistScript =
        "tracepoint:sched:sched_switch { $s = @start[args->prev_pid]; if ($s) { @usecs = hist((nsecs - $s) / 1000); delete(@start[args->prev_pid]); } if (args->next_pid) { @start[args->next_pid] = nsecs; } }";

    /// <summary>
    /// cpudist -O's logic: stamp a thread at switch-out, and at its next switch-in put the time
    /// off the CPU in a log2 histogram; the idle task left out, as in <see cref="CpudistScript"/>.
    /// Ours does more on the same event: the time split by why the thread left (sleeping,
    /// uninterruptible, preempted, other), a 16-slots-per-octave histogram per CPU, exact
    /// min/max/sum, and stamps freed with the task.
    /// </summary>
    internal const string OffCpuScript =
        "tracepoint:sched:sched_switch { if (args->prev_pid) { @start[args->prev_pid] = nsecs; } $s = @start[args->next_pid]; if ($s) { @usecs = hist((nsecs - $s) / 1000); delete(@start[args->next_pid]); } }";

    /// <summary>
    /// bcc runqlen's logic at 99 Hz on every CPU: the interrupted task's cfs_rq, its queued
    /// entities less the one running (nr_queued since 6.14, nr_running before), in a linear
    /// histogram. Ours reads the CPU's whole run queue on the same sample (every class, the
    /// group's rq, delayed-dequeue sleepers taken out, the idle task told apart) into a per-CPU
    /// histogram with the sum of the counts.
    /// </summary>
    internal const string RunqlenScript =
        "profile:hz:99 { $t = (struct task_struct *)curtask; $n = $t->se.cfs_rq->nr_queued; @q = lhist($n > 0 ? $n - 1 : 0, 0, 100, 1); }";

    internal static IReadOnlyList<Scenario> All(BenchOptions options, Tools tools) =>
    [
        new Scenario(
            Name: "switch-count",
            Job: "count context switches per CPU",
            Ours:
            [
                new OurTracer("SchedTrace (tp_btf)", new SchedTraceSessionOptions { Features = SchedTraceFeature.ContextSwitches, PreferredHook = SchedTraceHook.BtfTracepoint }),
                // The fallback hook, measured too: what users on kernels without tp_btf get.
                new OurTracer("SchedTrace (raw_tp fallback)", new SchedTraceSessionOptions { Features = SchedTraceFeature.ContextSwitches, PreferredHook = SchedTraceHook.RawTracepoint }),
            ],
            BpftraceScript: "tracepoint:sched:sched_switch { @[cpu] = count(); }",
            // bpftrace 0.17 rejects rawtracepoint:sched_switch ("Invalid probe type"), so the
            // classic tracepoint it is; it needs tracefs, which the harness mounts if absent.
            BpftraceProbe: "tracepoint (classic, via perf event)",
            Workload: new PerfPipeWorkload(tools.Perf, tools.Taskset, options.WorkloadCpu, options.Loops),
            NsRatioTarget: 0.6,
            TargetSource: "a bare tp_btf per-CPU counter measured 52 ns against bpftrace's 108 here"),
        new Scenario(
            Name: "cpu-time",
            Job: "per-thread CPU time (Features = CpuTime; tp_btf: a task iterator at the start and at the read, sched_migrate_task, sched_process_exit/free/exec, nothing on sched_switch; raw_tp: sched_switch too)",
            Ours:
            [
                new OurTracer("SchedTrace CpuTime (tp_btf)", new SchedTraceSessionOptions { Features = SchedTraceFeature.CpuTime, PreferredHook = SchedTraceHook.BtfTracepoint }),
                new OurTracer("SchedTrace CpuTime (raw_tp fallback)", new SchedTraceSessionOptions { Features = SchedTraceFeature.CpuTime, PreferredHook = SchedTraceHook.RawTracepoint }),
            ],
            BpftraceScript: PerPidRuntimeScript,
            BpftraceProbe: "tracepoint (classic, via perf event)",
            Workload: new PerfPipeWorkload(tools.Perf, tools.Taskset, options.WorkloadCpu, options.Loops),
            NsRatioTarget: 0.5,
            TargetSource: "issue: bpftrace's per-pid runtime script measured 268 ns here")
        {
            ReferenceScripts = [("bpftrace (lean script)", PerPidRuntimeLeanScript)],
            CostPerContextSwitch = true,
        },
        new Scenario(
            Name: "events",
            Job: "every sched_switch to user space (Features = Events, EventTypes = Switch, default 4 MiB ring buffer, consumed by SchedEventWatch.Watch on a thread of the harness)",
            Ours:
            [
                new OurTracer("SchedTrace Events (tp_btf)", new SchedTraceSessionOptions { Features = SchedTraceFeature.Events, EventTypes = [SchedEventType.Switch], PreferredHook = SchedTraceHook.BtfTracepoint }),
                new OurTracer("SchedTrace Events (raw_tp fallback)", new SchedTraceSessionOptions { Features = SchedTraceFeature.Events, EventTypes = [SchedEventType.Switch], PreferredHook = SchedTraceHook.RawTracepoint }),
            ],
            BpftraceScript: PrintfScript,
            BpftraceProbe: "tracepoint (classic, via perf event)",
            Workload: new PerfPipeWorkload(tools.Perf, tools.Taskset, options.WorkloadCpu, options.Loops),
            NsRatioTarget: null,
            TargetSource: "issue: shown next to bpftrace printing the same fields, 382 ns here; no ratio target")
        {
            BpftracePrintsPerEvent = true,
        },
        new Scenario(
            Name: "runqlat",
            Job: "run-queue latency histogram (Features = RunQueueLatency: sched_switch + sched_wakeup + sched_wakeup_new)",
            Ours:
            [
                new OurTracer("SchedTrace RunQueueLatency (tp_btf)", new SchedTraceSessionOptions { Features = SchedTraceFeature.RunQueueLatency, PreferredHook = SchedTraceHook.BtfTracepoint }),
                new OurTracer("SchedTrace RunQueueLatency (raw_tp fallback)", new SchedTraceSessionOptions { Features = SchedTraceFeature.RunQueueLatency, PreferredHook = SchedTraceHook.RawTracepoint }),
                new OurTracer("SchedTrace RunQueueLatency -PerProcess (tp_btf)", new SchedTraceSessionOptions { Features = SchedTraceFeature.RunQueueLatency, LatencyPerProcess = true, PreferredHook = SchedTraceHook.BtfTracepoint }),
                // Every latency measure at once, for the cost of the others' hooks (sched_entry_tp/sched_exit_tp).
                new OurTracer("SchedTrace all latency (tp_btf)", new SchedTraceSessionOptions { Features = SchedTraceFeature.RunQueueLatency | SchedTraceFeature.OffCpuTime | SchedTraceFeature.ScheduleTime, PreferredHook = SchedTraceHook.BtfTracepoint }),
            ],
            BpftraceScript: RunqlatScript,
            BpftraceProbe: "tracepoint (classic, via perf event)",
            Workload: new PerfPipeWorkload(tools.Perf, tools.Taskset, options.WorkloadCpu, options.Loops),
            NsRatioTarget: 0.6,
            TargetSource: "issue: bpftrace running the runqlat logic measured 249 ns per switch and 140 per wakeup here")
        {
            WakeupRatioTarget = 0.6,
            LibbpfPeer = new LibbpfTool("runqlat", [], Programs: 3),
        },
        new Scenario(
            Name: "oncpu",
            Job: "on-CPU slice histogram, blocked or preempted (Features = OnCpuTime: sched_switch only)",
            Ours:
            [
                new OurTracer("SchedTrace OnCpuTime (tp_btf)", new SchedTraceSessionOptions { Features = SchedTraceFeature.OnCpuTime, PreferredHook = SchedTraceHook.BtfTracepoint }),
                new OurTracer("SchedTrace OnCpuTime (raw_tp fallback)", new SchedTraceSessionOptions { Features = SchedTraceFeature.OnCpuTime, PreferredHook = SchedTraceHook.RawTracepoint }),
                new OurTracer("SchedTrace OnCpuTime -PerProcess (tp_btf)", new SchedTraceSessionOptions { Features = SchedTraceFeature.OnCpuTime, LatencyPerProcess = true, PreferredHook = SchedTraceHook.BtfTracepoint }),
            ],
            BpftraceScript: CpudistScript,
            BpftraceProbe: "tracepoint (classic, via perf event)",
            Workload: new PerfPipeWorkload(tools.Perf, tools.Taskset, options.WorkloadCpu, options.Loops),
            NsRatioTarget: 0.6,
            TargetSource: "issue: libbpf-tools cpudist is the bar, measured in the same run")
        {
            LibbpfPeer = new LibbpfTool("cpudist", [], Programs: 1),
            TargetAgainstLibbpfPeer = true,
        },
        new Scenario(
            Name: "offcpu",
            Job: "off-CPU time histogram by why the thread left (Features = OffCpuTime: sched_switch only)",
            Ours:
            [
                new OurTracer("SchedTrace OffCpuTime (tp_btf)", new SchedTraceSessionOptions { Features = SchedTraceFeature.OffCpuTime, PreferredHook = SchedTraceHook.BtfTracepoint }),
                new OurTracer("SchedTrace OffCpuTime (raw_tp fallback)", new SchedTraceSessionOptions { Features = SchedTraceFeature.OffCpuTime, PreferredHook = SchedTraceHook.RawTracepoint }),
            ],
            BpftraceScript: OffCpuScript,
            BpftraceProbe: "tracepoint (classic, via perf event)",
            Workload: new PerfPipeWorkload(tools.Perf, tools.Taskset, options.WorkloadCpu, options.Loops),
            NsRatioTarget: null,
            TargetSource: "no target: shown next to libbpf-tools cpudist -O and bpftrace running its logic")
        {
            LibbpfPeer = new LibbpfTool("cpudist", ["-O"], Programs: 1),
        },
        new Scenario(
            Name: "runqlen",
            Job: "run-queue length histogram per CPU, sampled at 99 Hz (Features = RunQueueLength: a cpu-clock perf event per CPU, no tracepoint)",
            Ours:
            [
                new OurTracer("SchedTrace RunQueueLength (perf_event)", new SchedTraceSessionOptions { Features = SchedTraceFeature.RunQueueLength }),
            ],
            BpftraceScript: RunqlenScript,
            BpftraceProbe: "profile (perf event)",
            Workload: new PerfPipeWorkload(tools.Perf, tools.Taskset, options.WorkloadCpu, options.Loops),
            NsRatioTarget: null,
            TargetSource: "no target yet: shown next to bpftrace running bcc runqlen's logic")
        {
            CostPerSample = true,
        },
        new Scenario(
            Name: "priority-inversion",
            Job: "priority-inversion detection (Features = PriorityInversion, default 10 ms threshold: sched_switch + sched_wakeup + sched_wakeup_new, and with Lock sys_enter + sys_exit keeping futex calls)",
            Ours:
            [
                new OurTracer("SchedTrace PriorityInversion RunQueue+Lock (tp_btf)", new SchedTraceSessionOptions { Features = SchedTraceFeature.PriorityInversion, PreferredHook = SchedTraceHook.BtfTracepoint }),
                new OurTracer("SchedTrace PriorityInversion RunQueue only (tp_btf)", new SchedTraceSessionOptions { Features = SchedTraceFeature.PriorityInversion, InversionKinds = [PriorityInversionKind.RunQueue], PreferredHook = SchedTraceHook.BtfTracepoint }),
                new OurTracer("SchedTrace PriorityInversion RunQueue+Lock (raw_tp fallback)", new SchedTraceSessionOptions { Features = SchedTraceFeature.PriorityInversion, PreferredHook = SchedTraceHook.RawTracepoint }),
            ],
            // No peer tool detects priority inversion; the nearest job bpftrace users write is
            // run-queue latency (the stamps our detection builds on), shown for scale.
            BpftraceScript: RunqlatScript,
            BpftraceProbe: "tracepoint (classic, via perf event)",
            Workload: new PerfPipeWorkload(tools.Perf, tools.Taskset, options.WorkloadCpu, options.Loops),
            NsRatioTarget: null,
            TargetSource: "issue 6: ns per event with detection on; no peer tool detects inversions, bpftrace's runqlat logic (249 ns + 140 per wakeup here) for scale"),
    ];

    /// <summary>bpftrace printing the fields of our switch record, one line per sched_switch.</summary>
    internal const string PrintfScript =
        "tracepoint:sched:sched_switch { printf(\"%llu %d %s %d %d %llu %s %d %d\\n\", nsecs, cpu, args->prev_comm, args->prev_pid, args->prev_prio, args->prev_state, args->next_comm, args->next_pid, args->next_prio); }";
}

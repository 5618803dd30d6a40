// SPDX-License-Identifier: GPL-2.0
/*
 * SchedTrace kernel side. One object holds every program; a session turns on only the
 * programs its features need (bpf_program__set_autoload) and reads the maps in snapshots.
 *
 * Each hook exists twice: tp_btf (typed, direct loads, cheapest) and raw_tp (the fallback
 * for kernels without BTF-typed tracepoints; reads go through bpf_probe_read_kernel).
 * Both hand plain values to one shared inline function, so the logic is written once.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "sched_types.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * Set by user space before load. Read-only after load, so the verifier treats the fields as
 * constants and drops the branches a session does not use. Mirrored in BpfConfig.cs: keep the
 * two in the same order (KernelMirrorTests checks each field against the BTF). In its own
 * section, so that string constants elsewhere in the program never shift it.
 */
struct config {
	__u32 filter_tgid;    /* only this process (0: every process, or see filter_sets) */
	__u32 filter_tid;     /* only this thread (0: every thread, or see filter_sets) */
	__u32 prev_state_arg; /* 1: sched_switch passes prev_state as its 4th argument (5.18+) */
	__u32 count_switches; /* feature ContextSwitches: per-CPU switch counters */
	__u32 track_tasks;    /* feature CpuTime: TRACK_* (how per-task figures are gathered) */
	__u32 emit;           /* feature Events: EMIT_* kinds of event sent to the ring buffer */
	__u32 filter_cpu;     /* events on this CPU + 1 only (0: every CPU) */
	__u32 filter_sets;    /* FILTER_*_SET: several ids, looked up in filter_tgids / filter_tids */
	__u64 min_runtime_ns; /* switch events: only when prev ran at least this long */
	char filter_comm[16]; /* events of tasks with exactly this name (empty: any) */
	__u32 latency;        /* features RunQueueLatency, OffCpuTime, ScheduleTime: LAT_* bits */
	__u32 latency_per_process; /* also keep one histogram per process and measure */
	__u32 schedule_method; /* SCHED_METHOD_*: how schedule() calls are timed */
	__u32 pad2;
	__u32 inversion;       /* feature PriorityInversion: INV_* detections (inversion.h) */
	__u32 inv_min_nice_gap; /* normal tasks: the least nice gap that counts as lower priority */
	__u64 inv_threshold_ns; /* waits shorter than this are not inversions */
	__u64 inv_cost_ns;      /* rate limit: one alert per this much time per CPU... */
	__u64 inv_burst_ns;     /* ...with up to this much banked */
	__u32 futex_nr;         /* the futex syscall's number on this architecture */
	__u32 pad3;
	__u64 session_start_ns; /* CpuTime: tasks started after this (ktime) are counted from birth */
};
const volatile struct config cfg SEC(".rodata.config") = {};

/*
 * Per-CPU switch counters. The split follows the kernel's own nvcsw/nivcsw decision in
 * __schedule(): voluntary when prev was not preempted and had left TASK_RUNNING (it blocked),
 * involuntary otherwise (preempted, or yielded/rescheduled while still runnable). Switches
 * out of the idle task are kept apart: they are counted in /proc/stat ctxt like any switch,
 * but are neither a task blocking nor a task being preempted.
 */
struct switch_counts {
	__u64 voluntary;
	__u64 involuntary;
	__u64 from_idle;
};

/* One slot, one copy per CPU: each CPU increments its own copy, no atomics, no sharing. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct switch_counts);
} switch_counts SEC(".maps");

/*
 * How feature CpuTime gathers its per-task figures.
 *
 * TRACK_COUNTERS (tp_btf): nothing runs on sched_switch. The kernel already keeps every figure
 * per task (se.sum_exec_runtime, nvcsw, nivcsw); a task iterator copies them at the session's
 * start (the base) and at each snapshot, the exit and free hooks copy them one last time, and
 * the migration hook, which fires only when a task changes CPU, counts the move and notes the
 * CPU it leaves. A switch costs the session nothing, and the figures are the kernel's own.
 *
 * TRACK_SWITCHES (raw_tp, where iterators are not available): each sched_switch credits prev.
 */
#define TRACK_SWITCHES 1
#define TRACK_COUNTERS 2

/* task_stats.exited: the task called exit (it may still run a little), then was freed (final). */
#define TASK_EXITING  1
#define TASK_RELEASED 2

/*
 * Per-task statistics, keyed by thread id. Runtime is counted in the kernel's own currency,
 * se.sum_exec_runtime: the scheduler has charged prev (update_curr) by the time sched_switch
 * fires, so what it gained since we last looked is exactly what the kernel added (steal time
 * and, where configured, IRQ time excluded, as in /proc/<pid>/schedstat and top).
 * TRACK_SWITCHES: only the CPU a task runs on touches its runtime and switch counts, so plain
 * adds are safe. TRACK_COUNTERS: figures are written as "kernel counter now - base", and only
 * ever raised, so two CPUs copying the same task at once cannot count anything twice.
 */
struct task_stats {
	__u64 runtime_ns;  /* sum_exec_runtime gained while traced */
	__u64 runtime_seen; /* sum_exec_runtime when last credited */
	__u64 voluntary;
	__u64 involuntary;
	__u64 migrations;
	__u64 cpus;        /* bit n: ran on CPU n (CPUs 64 and up share bit 63) */
	__u64 start_time;  /* task->start_time: tells a reused thread id apart in user space */
	__u32 tgid;
	__s32 prio;
	__u32 exited;      /* TASK_EXITING, then TASK_RELEASED: user space reads it once more and deletes it */
	__u32 pad;
	char comm[16];
	__u64 runtime_base; /* TRACK_COUNTERS: the kernel's counters where counting started */
	__u64 nvcsw_base;
	__u64 nivcsw_base;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* sized by user space before load: from the live threads, <= pid_max */
	__type(key, __u32);
	__type(value, struct task_stats);
} task_stats SEC(".maps");

/* What a session could not keep, per CPU: reported, never silently lost. */
struct session_stats {
	__u64 tasks_dropped; /* threads refused because task_stats was full */
	__u64 events_lost;   /* events that found the ring buffer full */
	__u64 latency_dropped; /* durations left out of per-process rows: that table was full */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct session_stats);
} session_stats SEC(".maps");

/*
 * The task that got this CPU at the last switch and its sum_exec_runtime then: where a task
 * first seen leaving the CPU starts counting from. A per-CPU slot costs far less per switch
 * than looking the incoming task up in the hash table.
 */
struct cpu_current {
	__u32 tid;
	__u32 pad;
	__u64 runtime_at_switch_in;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpu_current);
} cpu_current SEC(".maps");

/* Where counting starts for `tid`, first seen now with `runtime`: its switch-in if we saw it. */
static __always_inline __u64 first_seen_runtime(struct cpu_current *cur, __u32 tid, __u64 runtime)
{
	return cur && cur->tid == tid && cur->runtime_at_switch_in <= runtime ? cur->runtime_at_switch_in : runtime;
}

/*
 * The process and thread filters. One id is a constant in cfg: a compare, which the verifier
 * drops entirely when no filter is set. Several ids (FILTER_*_SET) are keys of a hash set that
 * user space sizes before load and fills after load, before any program is attached: a lookup
 * per test, for sessions that asked for it.
 */
#define FILTER_TGID_SET 1
#define FILTER_TID_SET  2

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* sized by user space: the number of ids */
	__type(key, __u32);
	__type(value, __u8);
} filter_tgids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8);
} filter_tids SEC(".maps");

static __always_inline bool id_wanted(__u32 id, __u32 one, bool in_set, void *set)
{
	if (in_set)
		return bpf_map_lookup_elem(set, &id) != NULL;
	return !one || id == one;
}

/* Whether any process or thread filter is set (cfg is constant: this folds at load). */
static __always_inline bool filtering(void)
{
	return cfg.filter_tgid || cfg.filter_tid || cfg.filter_sets;
}

static __always_inline bool filtered_out(__u32 tid, __u32 tgid)
{
	return !id_wanted(tgid, cfg.filter_tgid, cfg.filter_sets & FILTER_TGID_SET, &filter_tgids) ||
	       !id_wanted(tid, cfg.filter_tid, cfg.filter_sets & FILTER_TID_SET, &filter_tids);
}

static __always_inline void count_switch(__u32 prev_tid, bool voluntary)
{
	__u32 zero = 0;
	struct switch_counts *counts = bpf_map_lookup_elem(&switch_counts, &zero);

	if (!counts)
		return;
	if (prev_tid == 0)
		counts->from_idle++;
	else if (voluntary)
		counts->voluntary++;
	else
		counts->involuntary++;
}

static __always_inline void copy_comm(struct task_stats *stats, struct task_struct *task)
{
	bpf_probe_read_kernel(stats->comm, sizeof(stats->comm), __builtin_preserve_access_index(&task->comm));
}

/*
 * The task's entry; a new one starts counting from `runtime` (its sum_exec_runtime now).
 * NULL for the idle task, filtered tasks, and (counted) when the table is full.
 * NULL too while the entry under this id still belongs to an earlier thread: a thread id is
 * reused once its thread is reaped, and the earlier entry waits for user space to read it.
 * That entry is left as it is; the new thread was born after the session started, so once the
 * entry is read and deleted the new one is counted from what the kernel holds (its counters on
 * tp_btf, its next switch on raw_tp).
 */
static __always_inline struct task_stats *task_entry(struct task_struct *task, __u32 tid, __u32 tgid,
						     __u64 runtime, __u64 nvcsw, __u64 nivcsw)
{
	struct task_stats *stats;
	struct task_stats fresh = {};
	struct session_stats *lost;
	__u32 zero = 0;
	long err;

	if (tid == 0 || filtered_out(tid, tgid))
		return NULL;
	stats = bpf_map_lookup_elem(&task_stats, &tid);
	if (stats) {
		/* Only an exited thread's entry can be left to a new thread with its id (every entry
		 * of a thread that exits is marked), so a live one costs no read of the task here. */
		if (stats->exited && stats->start_time != BPF_CORE_READ(task, start_time))
			return NULL;
		return stats;
	}
	fresh.tgid = tgid;
	fresh.runtime_seen = runtime;
	fresh.runtime_base = runtime;
	fresh.nvcsw_base = nvcsw;
	fresh.nivcsw_base = nivcsw;
	fresh.start_time = BPF_CORE_READ(task, start_time);
	/* Created by the final switch of an exiting task: release it after the next read. */
	fresh.exited = (BPF_CORE_READ(task, flags) & PF_EXITING) != 0;
	copy_comm(&fresh, task);
	/* -EEXIST: another CPU created it first (e.g. a migration); then the lookup finds it.
	 * Anything else (-E2BIG: full, -ENOMEM) means this task cannot be tracked: count it. */
	err = bpf_map_update_elem(&task_stats, &tid, &fresh, BPF_NOEXIST);
	if (err && err != -17 /* EEXIST */) {
		lost = bpf_map_lookup_elem(&session_stats, &zero);
		if (lost)
			lost->tasks_dropped++;
		return NULL;
	}
	return bpf_map_lookup_elem(&task_stats, &tid);
}

/*
 * Credits what the task's sum_exec_runtime gained since we last credited it. Called when it
 * leaves the CPU, when it gets the CPU (catching up on anything a missed event would have
 * lost), and at snapshots. Idempotent: the total credited is always runtime now - runtime at
 * first sight.
 */
static __always_inline void credit(struct task_stats *stats, __u64 runtime)
{
	if (runtime > stats->runtime_seen) {
		stats->runtime_ns += runtime - stats->runtime_seen;
		stats->runtime_seen = runtime;
	}
}

static __always_inline void mark_cpu(struct task_stats *stats, __u32 cpu)
{
	stats->cpus |= 1ULL << (cpu < 63 ? cpu : 63);
}

/* Raises *field to value; never lowers it (see struct task_stats). A "negative" value (a
 * counter below its base: the entry belongs to an earlier thread with the same id) is ignored. */
static __always_inline bool raise_to(__u64 *field, __u64 value)
{
	if (value <= *field || value >= (1ULL << 63))
		return false;
	*field = value;
	return true;
}

/*
 * TRACK_COUNTERS: the task's entry, created on first sight. A task alive when the session
 * started is counted from its counters then (the session's first walk of every task sees it);
 * a task born later is counted from birth, when its counters were all zero.
 */
static __always_inline struct task_stats *counted_task(struct task_struct *task)
{
	bool newborn = task->start_time >= cfg.session_start_ns;

	return task_entry(task, task->pid, task->tgid, newborn ? 0 : task->se.sum_exec_runtime,
			  newborn ? 0 : task->nvcsw, newborn ? 0 : task->nivcsw);
}

/*
 * TRACK_COUNTERS: copies the kernel's counters into the entry. Runtime gained since the last
 * copy was gained on the task's current CPU: every change of CPU is a copy (on_migrate).
 * A running task's sum_exec_runtime lags by at most a tick (the kernel charges it at each tick
 * and each switch); what lags is counted by the next copy.
 */
static __always_inline void read_counters(struct task_stats *stats, struct task_struct *task)
{
	if (raise_to(&stats->runtime_ns, task->se.sum_exec_runtime - stats->runtime_base))
		mark_cpu(stats, task->thread_info.cpu);
	raise_to(&stats->voluntary, task->nvcsw - stats->nvcsw_base);
	raise_to(&stats->involuntary, task->nivcsw - stats->nivcsw_base);
	stats->prio = task->prio;
	copy_comm(stats, task);
}

/* The scalar fields of prev and next, which each hook reads its own way (direct or probe-read). */
struct switch_args {
	__u32 prev_tid, prev_tgid, next_tid, next_tgid;
	int prev_prio, next_prio;
	__u64 prev_runtime, next_runtime;
};

/*
 * Live events (feature Events). Records go to one ring buffer shared by all CPUs, in the order
 * they were reserved. They are submitted without a wakeup: user space drains the buffer on a
 * short timer, which costs far less than a wakeup per event. A record that finds the buffer
 * full is counted per CPU (the ring buffer itself has no lost-event report).
 */
#define EMIT_SWITCH  1
#define EMIT_WAKEUP  2
#define EMIT_MIGRATE 4

enum event_type {
	EVENT_SWITCH = 1,
	EVENT_WAKEUP = 2,
	EVENT_WAKEUP_NEW = 3,
	EVENT_MIGRATE = 4,
};

/* Layouts mirrored in EventRecords.cs. Every record starts with the same 16 bytes. */
struct switch_event {
	__u64 timestamp_ns; /* bpf_ktime_get_ns (CLOCK_MONOTONIC) */
	__u32 type;
	__u32 cpu;
	__u32 prev_tid, prev_tgid;
	__s32 prev_prio;
	__u32 prev_state;
	__u32 next_tid, next_tgid;
	__s32 next_prio;
	__u32 preempt;
	__u64 prev_ran_ns;  /* prev's time on this CPU since it got it (0: got it before we looked) */
	char prev_comm[16];
	char next_comm[16];
};

struct task_event {        /* wakeup, wakeup_new, migrate */
	__u64 timestamp_ns;
	__u32 type;
	__u32 cpu;             /* where the event happened */
	__u32 tid, tgid;
	__s32 prio;
	__u32 target_cpu;      /* wakeup: the CPU it will run on; migrate: the destination */
	__u32 orig_cpu;        /* migrate: the CPU it leaves */
	__u32 pad;
	char comm[16];
};

/* Ring-buffer records are only ever cast to, so nothing else puts them in the object's BTF;
 * these unused pointers do, for the user-side layout test (KernelMirrorTests). */
const struct switch_event *btf_anchor_switch_event __attribute__((unused));
const struct task_event *btf_anchor_task_event __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096); /* sized by user space before load */
} events SEC(".maps");

/* When this CPU last switched (ktime): how long prev ran, for switch events. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} last_switch SEC(".maps");

static __always_inline void count_lost_event(void)
{
	__u32 zero = 0;
	struct session_stats *lost = bpf_map_lookup_elem(&session_stats, &zero);

	if (lost)
		lost->events_lost++;
}

/*
 * Names compare without regard to ASCII case, as PowerShell's -Name does; user space stores the
 * filter in lower case.
 */
static __always_inline bool comm_matches(const char *comm)
{
	/* cfg is constant: with an empty filter the verifier drops the whole loop. */
	if (!cfg.filter_comm[0])
		return true;
	for (int i = 0; i < 16; i++) {
		char c = comm[i] >= 'A' && comm[i] <= 'Z' ? comm[i] + ('a' - 'A') : comm[i];

		if (c != cfg.filter_comm[i])
			return false;
		if (!comm[i])
			return true;
	}
	return true;
}

static __always_inline void emit_switch(struct task_struct *prev, struct task_struct *next,
					struct switch_args *a, bool preempt, long prev_state, __u64 now)
{
	__u32 cpu = bpf_get_smp_processor_id();
	__u32 zero = 0;
	__u64 *last = bpf_map_lookup_elem(&last_switch, &zero);
	__u64 ran = last && *last ? now - *last : 0;
	struct switch_event *e;

	if (last)
		*last = now;
	if (cfg.filter_cpu && cpu + 1 != cfg.filter_cpu)
		return;
	if (filtered_out(a->prev_tid, a->prev_tgid) && filtered_out(a->next_tid, a->next_tgid))
		return;
	if (cfg.min_runtime_ns && ran < cfg.min_runtime_ns)
		return;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost_event();
		return;
	}
	e->timestamp_ns = now;
	e->type = EVENT_SWITCH;
	e->cpu = cpu;
	e->prev_tid = a->prev_tid;
	e->prev_tgid = a->prev_tgid;
	e->prev_prio = a->prev_prio;
	e->prev_state = prev_state;
	e->next_tid = a->next_tid;
	e->next_tgid = a->next_tgid;
	e->next_prio = a->next_prio;
	e->preempt = preempt;
	e->prev_ran_ns = ran;
	bpf_probe_read_kernel(e->prev_comm, sizeof(e->prev_comm), __builtin_preserve_access_index(&prev->comm));
	bpf_probe_read_kernel(e->next_comm, sizeof(e->next_comm), __builtin_preserve_access_index(&next->comm));
	if (!comm_matches(e->prev_comm) && !comm_matches(e->next_comm)) {
		bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
		return;
	}
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

static __always_inline void emit_task_event(struct task_struct *task, __u32 type, __u32 tid, __u32 tgid,
					    int prio, __u32 target_cpu, __u32 orig_cpu)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct task_event *e;

	if (filtered_out(tid, tgid))
		return;
	if (cfg.filter_cpu && target_cpu + 1 != cfg.filter_cpu && orig_cpu + 1 != cfg.filter_cpu)
		return;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost_event();
		return;
	}
	e->timestamp_ns = bpf_ktime_get_ns();
	e->type = type;
	e->cpu = cpu;
	e->tid = tid;
	e->tgid = tgid;
	e->prio = prio;
	e->target_cpu = target_cpu;
	e->orig_cpu = orig_cpu;
	e->pad = 0;
	bpf_probe_read_kernel(e->comm, sizeof(e->comm), __builtin_preserve_access_index(&task->comm));
	if (!comm_matches(e->comm)) {
		bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
		return;
	}
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

#include "inversion.h"
#include "latency.h"

/*
 * Per-task accounting of one switch: prev leaves, next arrives. One hash lookup (prev); the
 * incoming task is only remembered in this CPU's slot. A task whose switch-out the kernel
 * does not report is still exact: credit() uses the kernel's running total, so the next
 * switch-out or snapshot credits whatever was missed.
 */
static __always_inline void track_switch(struct task_struct *prev, struct switch_args *a, bool voluntary)
{
	__u32 zero = 0;
	struct cpu_current *cur = bpf_map_lookup_elem(&cpu_current, &zero);
	struct task_stats *stats;

	stats = task_entry(prev, a->prev_tid, a->prev_tgid, first_seen_runtime(cur, a->prev_tid, a->prev_runtime), 0, 0);
	if (stats) {
		credit(stats, a->prev_runtime);
		mark_cpu(stats, bpf_get_smp_processor_id());
		stats->prio = a->prev_prio;
		if (voluntary)
			stats->voluntary++;
		else
			stats->involuntary++;
	}
	if (cur) {
		cur->tid = a->next_tid;
		cur->runtime_at_switch_in = a->next_runtime;
	}
}

static __always_inline void on_switch(struct task_struct *prev, struct task_struct *next,
				      struct switch_args *a, bool preempt, long prev_state, bool btf)
{
	bool voluntary = !preempt && prev_state != TASK_RUNNING;
	/* One clock read per switch, and none for the features that need no time (cfg is
	 * constant: the verifier drops the call when no feature below uses it). */
	__u64 now = (cfg.emit & EMIT_SWITCH) || cfg.latency || cfg.inversion ? bpf_ktime_get_ns() : 0;

	if (cfg.count_switches && !filtered_out(a->prev_tid, a->prev_tgid))
		count_switch(a->prev_tid, voluntary);
	if (cfg.emit & EMIT_SWITCH)
		emit_switch(prev, next, a, preempt, prev_state, now);
	if (cfg.track_tasks == TRACK_SWITCHES)
		track_switch(prev, a, voluntary);
	if (cfg.inversion)
		inversion_switch_out(prev, a, now, btf);
	/* Priority inversion reuses the latency stamps (runnable_since). */
	if (cfg.latency || cfg.inversion)
		latency_switch(prev, next, a, preempt, prev_state, btf, now);
}

/* Task state for kernels whose sched_switch does not pass it (before 5.18). */
static __always_inline long task_state(struct task_struct *task)
{
	if (bpf_core_field_exists(task->__state))
		return BPF_CORE_READ(task, __state);
	return BPF_CORE_READ((struct task_struct___pre_5_14 *)task, state);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	/* ctx[3] is only touched when the kernel has the argument; otherwise pruned. */
	long state = cfg.prev_state_arg ? (long)(unsigned int)ctx[3] : task_state(prev);

	struct switch_args a = {
		.prev_tid = prev->pid,
		.prev_tgid = prev->tgid,
		.prev_prio = prev->prio,
	};

	if (cfg.track_tasks == TRACK_SWITCHES || cfg.emit || cfg.latency || cfg.inversion) {
		a.next_tid = next->pid;
		a.next_tgid = next->tgid;
		a.next_prio = next->prio;
		a.prev_runtime = prev->se.sum_exec_runtime;
		a.next_runtime = next->se.sum_exec_runtime;
	}
	on_switch(prev, next, &a, preempt, state, true);
	return 0;
}

SEC("raw_tp/sched_switch")
int BPF_PROG(switch_raw, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	long state = cfg.prev_state_arg ? (long)(unsigned int)ctx[3] : task_state(prev);

	struct switch_args a = {
		.prev_tid = BPF_CORE_READ(prev, pid),
		.prev_tgid = BPF_CORE_READ(prev, tgid),
		.prev_prio = BPF_CORE_READ(prev, prio),
	};

	if (cfg.track_tasks == TRACK_SWITCHES || cfg.emit || cfg.latency || cfg.inversion) {
		a.next_tid = BPF_CORE_READ(next, pid);
		a.next_tgid = BPF_CORE_READ(next, tgid);
		a.next_prio = BPF_CORE_READ(next, prio);
		a.prev_runtime = BPF_CORE_READ(prev, se.sum_exec_runtime);
		a.next_runtime = BPF_CORE_READ(next, se.sum_exec_runtime);
	}
	on_switch(prev, next, &a, preempt, state, false);
	return 0;
}

/*
 * The kernel's own migration count (se.nr_migrations) moves at this same tracepoint. It fires
 * before the task's CPU changes, and the task is not running: its runtime is settled, and what
 * it gained since the last copy was gained on orig_cpu.
 */
static __always_inline void on_migrate(struct task_struct *task, __u32 tid, __u32 tgid, int prio,
				       __u64 runtime, __u32 orig_cpu, __u32 dest_cpu, bool btf)
{
	struct task_stats *stats;

	/* set_task_cpu() fires the tracepoint before it checks the CPU changes; the kernel counts
	 * nr_migrations only when it does, and so do we. */
	if (orig_cpu == dest_cpu)
		return;
	if (cfg.emit & EMIT_MIGRATE)
		emit_task_event(task, EVENT_MIGRATE, tid, tgid, prio, dest_cpu, orig_cpu);
	if (!cfg.track_tasks)
		return;
	if (btf && cfg.track_tasks == TRACK_COUNTERS) {
		stats = counted_task(task);
		if (stats)
			read_counters(stats, task);
	} else {
		stats = task_entry(task, tid, tgid, runtime, 0, 0);
	}
	if (stats)
		__sync_fetch_and_add(&stats->migrations, 1);
}

SEC("tp_btf/sched_migrate_task")
int BPF_PROG(migrate_btf, struct task_struct *task, int dest_cpu)
{
	on_migrate(task, task->pid, task->tgid, task->prio, task->se.sum_exec_runtime, task->thread_info.cpu,
		   dest_cpu, true);
	return 0;
}

SEC("raw_tp/sched_migrate_task")
int BPF_PROG(migrate_raw, struct task_struct *task, int dest_cpu)
{
	on_migrate(task, BPF_CORE_READ(task, pid), BPF_CORE_READ(task, tgid), BPF_CORE_READ(task, prio),
		   BPF_CORE_READ(task, se.sum_exec_runtime), BPF_CORE_READ(task, thread_info.cpu), dest_cpu,
		   false);
	return 0;
}

/* sched_wakeup / sched_wakeup_new: a task became runnable; it will run on task_cpu(p). */
static __always_inline void on_wakeup(struct task_struct *task, __u32 type, __u32 tid, __u32 tgid, int prio,
				      __u32 target_cpu, bool btf)
{
	if (cfg.emit & EMIT_WAKEUP)
		emit_task_event(task, type, tid, tgid, prio, target_cpu, target_cpu);
	latency_wakeup(task, tid, tgid, btf);
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(wakeup_btf, struct task_struct *task)
{
	on_wakeup(task, EVENT_WAKEUP, task->pid, task->tgid, task->prio, task->thread_info.cpu, true);
	return 0;
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(wakeup_raw, struct task_struct *task)
{
	on_wakeup(task, EVENT_WAKEUP, BPF_CORE_READ(task, pid), BPF_CORE_READ(task, tgid), BPF_CORE_READ(task, prio),
		  BPF_CORE_READ(task, thread_info.cpu), false);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(wakeup_new_btf, struct task_struct *task)
{
	on_wakeup(task, EVENT_WAKEUP_NEW, task->pid, task->tgid, task->prio, task->thread_info.cpu, true);
	return 0;
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(wakeup_new_raw, struct task_struct *task)
{
	on_wakeup(task, EVENT_WAKEUP_NEW, BPF_CORE_READ(task, pid), BPF_CORE_READ(task, tgid),
		  BPF_CORE_READ(task, prio), BPF_CORE_READ(task, thread_info.cpu), false);
	return 0;
}

/*
 * A thread that exits is marked, and may still run for a while (unmapping its memory, closing
 * files). TRACK_COUNTERS copies its counters here because a thread that is reaped at once is no
 * longer seen by the iterator, and creates the entry of a thread born and gone between two
 * snapshots.
 */
static __always_inline void on_exit(struct task_struct *task, __u32 tid, bool btf)
{
	struct task_stats *stats;

	if (btf && cfg.track_tasks == TRACK_COUNTERS) {
		stats = counted_task(task);
		if (stats)
			read_counters(stats, task);
	} else {
		stats = bpf_map_lookup_elem(&task_stats, &tid);
	}
	if (stats && stats->exited < TASK_EXITING)
		stats->exited = TASK_EXITING;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(exit_btf, struct task_struct *task)
{
	on_exit(task, task->pid, true);
	return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(exit_raw, struct task_struct *task)
{
	on_exit(task, BPF_CORE_READ(task, pid), false);
	return 0;
}

/*
 * The task's memory is about to be freed, after its last switch: its figures are final. User
 * space reads the entry once more and deletes it. The entry is never created here: one deleted
 * after its last read must stay deleted.
 */
static __always_inline void on_free(struct task_struct *task, __u32 tid, bool btf)
{
	struct task_stats *stats = bpf_map_lookup_elem(&task_stats, &tid);

	/* A freed thread's id can already belong to a new thread (the id is released at reaping,
	 * the task is freed a grace period later): never close the new one's entry. */
	if (!stats || stats->start_time != BPF_CORE_READ(task, start_time))
		return;
	if (btf && cfg.track_tasks == TRACK_COUNTERS)
		read_counters(stats, task);
	stats->exited = TASK_RELEASED;
}

SEC("tp_btf/sched_process_free")
int BPF_PROG(free_btf, struct task_struct *task)
{
	on_free(task, task->pid, true);
	return 0;
}

SEC("raw_tp/sched_process_free")
int BPF_PROG(free_raw, struct task_struct *task)
{
	on_free(task, BPF_CORE_READ(task, pid), false);
	return 0;
}

/* exec renames the task: keep the name current (a forked child starts with its parent's). */
static __always_inline void on_exec(struct task_struct *task, __u32 tid)
{
	struct task_stats *stats = bpf_map_lookup_elem(&task_stats, &tid);

	if (stats)
		copy_comm(stats, task);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(exec_btf, struct task_struct *task)
{
	on_exec(task, task->pid);
	return 0;
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(exec_raw, struct task_struct *task)
{
	on_exec(task, BPF_CORE_READ(task, pid));
	return 0;
}

/*
 * TRACK_COUNTERS: user space walks every task with this iterator at the session's start (the
 * base of each task alive then) and before each snapshot. Its cost follows the tasks that
 * exist, not the pid range; it writes nothing to the iterator's output.
 */
SEC("iter/task")
int task_counters(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct task_stats *stats;

	if (!task || filtered_out(task->pid, task->tgid))
		return 0;
	stats = counted_task(task);
	if (stats)
		read_counters(stats, task);
	return 0;
}

/*
 * TRACK_SWITCHES. Never attached: user space runs it on each CPU in turn (BPF_PROG_TEST_RUN with
 * BPF_F_TEST_RUN_ON_CPU, an IPI), where `current` is whatever that CPU is running.
 * ctx[0] == 1 at session start: the running task is counted from now. 0 at a snapshot: the
 * running task is credited up to now without a switch, so a task that is never switched out
 * (a CPU hog) is counted and the table alone is complete. A running task's sum_exec_runtime
 * lags by at most a tick here, exactly as /proc/<pid>/schedstat does; the rest is credited
 * at its next switch.
 */
SEC("raw_tp")
int snapshot_cpu(__u64 *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 tid = BPF_CORE_READ(task, pid);
	__u64 runtime = BPF_CORE_READ(task, se.sum_exec_runtime);
	__u32 zero = 0;
	struct cpu_current *cur = bpf_map_lookup_elem(&cpu_current, &zero);
	struct task_stats *stats;

	if (ctx[0]) {
		if (cur) {
			cur->tid = tid;
			cur->runtime_at_switch_in = runtime;
		}
		return 0;
	}
	stats = task_entry(task, tid, BPF_CORE_READ(task, tgid), first_seen_runtime(cur, tid, runtime), 0, 0);
	if (!stats)
		return 0;
	credit(stats, runtime);
	mark_cpu(stats, bpf_get_smp_processor_id());
	stats->prio = BPF_CORE_READ(task, prio);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0 */
/* Measure CpuTime: per-thread on-CPU time, switches, migrations, CPUs (user side: Measures/CpuTime). */
#pragma once

#include "lib/common.bpf.h"

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

/* Mirrored by BpfCpuTimeConfig (Measures/CpuTime/CpuTimeMeasure.cs). */
struct cputime_config {
	__u32 track_tasks; /* TRACK_*; 0: the measure is off */
	__u32 pad;
};
#define MEASURE_CPUTIME 2 /* SchedTraceFeature.CpuTime */
const volatile struct cputime_config cputime_cfg SEC(".rodata.cputime") = {};

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
	__u64 start_time;  /* task->start_time, as in the key */
	__u32 tgid;
	__s32 prio;
	__u32 exited;      /* TASK_EXITING, then TASK_RELEASED: user space reads it once more and deletes it */
	__u32 pad;
	char comm[16];
	__u64 runtime_base; /* TRACK_COUNTERS: the kernel's counters where counting started */
	__u64 nvcsw_base;
	__u64 nivcsw_base;
};

/*
 * A thread is its id and its start time: an id is reused once its thread is reaped, while the
 * earlier thread's entry still waits for its free and user space's last read (an RCU grace
 * period or more), so a later thread with the same id gets an entry of its own. Mirrored by
 * BpfTaskKey.
 */
struct task_key {
	__u32 tid;
	__u32 pad;
	__u64 start_time;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* sized by user space before load: from the live threads, <= pid_max */
	__type(key, struct task_key);
	__type(value, struct task_stats);
} task_stats SEC(".maps");

static __always_inline struct task_key key_of(struct task_struct *task, __u32 tid)
{
	struct task_key key = { .tid = tid, .start_time = BPF_CORE_READ(task, start_time) };

	return key;
}
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
static __always_inline void copy_comm(struct task_stats *stats, struct task_struct *task)
{
	bpf_probe_read_kernel(stats->comm, sizeof(stats->comm), __builtin_preserve_access_index(&task->comm));
}

/*
 * The task's entry; a new one starts counting from `runtime` (its sum_exec_runtime now).
 * NULL for the idle task, filtered tasks, and (counted) when the table is full.
 */
static __always_inline struct task_stats *task_entry(struct task_struct *task, __u32 tid, __u32 tgid,
						     __u64 runtime, __u64 nvcsw, __u64 nivcsw)
{
	struct task_stats *stats;
	struct task_stats fresh = {};
	struct session_stats *lost;
	struct task_key key;
	__u32 zero = 0;
	long err;

	if (tid == 0 || filtered_out(tid, tgid))
		return NULL;
	key = key_of(task, tid);
	stats = bpf_map_lookup_elem(&task_stats, &key);
	if (stats)
		return stats;
	fresh.tgid = tgid;
	fresh.runtime_seen = runtime;
	fresh.runtime_base = runtime;
	fresh.nvcsw_base = nvcsw;
	fresh.nivcsw_base = nivcsw;
	fresh.start_time = key.start_time;
	/* Created by the final switch of an exiting task: release it after the next read. */
	fresh.exited = (BPF_CORE_READ(task, flags) & PF_EXITING) != 0;
	copy_comm(&fresh, task);
	/* -EEXIST: another CPU created it first (e.g. a migration); then the lookup finds it.
	 * Anything else (-E2BIG: full, -ENOMEM) means this task cannot be tracked: count it. */
	err = bpf_map_update_elem(&task_stats, &key, &fresh, BPF_NOEXIST);
	if (err && err != -17 /* EEXIST */) {
		lost = bpf_map_lookup_elem(&session_stats, &zero);
		if (lost)
			lost->tasks_dropped++;
		return NULL;
	}
	return bpf_map_lookup_elem(&task_stats, &key);
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

/*
 * Per-task accounting of one switch: prev leaves, next arrives. One hash lookup (prev); the
 * incoming task is only remembered in this CPU's slot. A task whose switch-out the kernel
 * does not report is still exact: credit() uses the kernel's running total, so the next
 * switch-out or snapshot credits whatever was missed.
 */
static __always_inline void cputime_on_switch(struct task_struct *prev, struct switch_args *a, bool voluntary)
{
	__u32 zero = 0;
	struct cpu_current *cur;
	struct task_stats *stats;

	if (cputime_cfg.track_tasks != TRACK_SWITCHES)
		return;
	cur = bpf_map_lookup_elem(&cpu_current, &zero);
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
/*
 * The kernel's own migration count (se.nr_migrations) moves at this same tracepoint. It fires
 * before the task's CPU changes, and the task is not running: its runtime is settled, and what
 * it gained since the last copy was gained on orig_cpu.
 */
static __always_inline void cputime_on_migrate(struct task_struct *task, __u32 tid, __u32 tgid,
					       __u64 runtime, bool btf)
{
	struct task_stats *stats;

	if (!cputime_cfg.track_tasks)
		return;
	if (btf && cputime_cfg.track_tasks == TRACK_COUNTERS) {
		stats = counted_task(task);
		if (stats)
			read_counters(stats, task);
	} else {
		stats = task_entry(task, tid, tgid, runtime, 0, 0);
	}
	if (stats)
		__sync_fetch_and_add(&stats->migrations, 1);
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

	if (btf && cputime_cfg.track_tasks == TRACK_COUNTERS) {
		stats = counted_task(task);
		if (stats)
			read_counters(stats, task);
	} else {
		struct task_key key = key_of(task, tid);

		stats = bpf_map_lookup_elem(&task_stats, &key);
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
	struct task_key key = key_of(task, tid);
	struct task_stats *stats = bpf_map_lookup_elem(&task_stats, &key);

	if (!stats)
		return;
	if (btf && cputime_cfg.track_tasks == TRACK_COUNTERS)
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
	struct task_key key = key_of(task, tid);
	struct task_stats *stats = bpf_map_lookup_elem(&task_stats, &key);

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

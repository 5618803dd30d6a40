// SPDX-License-Identifier: GPL-2.0
/*
 * SchedTrace kernel side: one object holds every measure's programs; a session turns on only
 * the programs its measures need (bpf_program__set_autoload) and reads the maps in snapshots.
 *
 * Each measure is one header in measures/ (its constants, maps, handlers and own programs);
 * what they share is in lib/. This file is the kernel side of the registry: the hooks that
 * several measures share (sched_switch, sched_wakeup(_new), sched_migrate_task) are defined
 * once here and call the handlers of the session's measures only. Which measures those are is one
 * word, cfg.measures, read once per program run: a constant after load, so the verifier drops
 * the calls of the measures that are off, and their constant loads with them (each measure's
 * own constants section costs a map address and a load wherever it is read, even when the
 * branch it decides is dropped).
 *
 * Each hook exists twice: tp_btf (typed, direct loads, cheapest) and raw_tp (the fallback
 * for kernels without BTF-typed tracepoints; reads go through bpf_probe_read_kernel).
 * Both hand plain values to one shared inline function, so the logic is written once.
 */
#include "lib/common.bpf.h"
#include "lib/latency.bpf.h"
#include "measures/switches.bpf.h"
#include "measures/cputime.bpf.h"
#include "measures/events.bpf.h"
#include "measures/runqlat.bpf.h"
#include "measures/offcpu.bpf.h"
#include "measures/oncpu.bpf.h"
#include "measures/schedtime.bpf.h"
#include "measures/inversion.bpf.h"
#include "measures/runqlen.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The measures that keep per-thread stamps (lib/latency.bpf.h). */
#define MEASURES_STAMPED (MEASURE_RUNQLAT | MEASURE_OFFCPU | MEASURE_SCHEDTIME | MEASURE_INVERSION)

static __always_inline bool stamps_kept(__u32 measures)
{
	return (measures & MEASURES_STAMPED) && latency_cfg.stamps;
}

/* Whether a measure reads the incoming task's fields at a switch. */
static __always_inline bool next_wanted(__u32 measures)
{
	return ((measures & MEASURE_CPUTIME) && cputime_cfg.track_tasks == TRACK_SWITCHES) ||
	       ((measures & MEASURE_EVENTS) && events_cfg.emit) || stamps_kept(measures) ||
	       ((measures & MEASURE_INVERSION) && inversion_cfg.detect) ||
	       ((measures & MEASURE_SCHEDTIME) && schedtime_cfg.method) || (measures & MEASURE_ONCPU);
}

static __always_inline void on_switch(struct task_struct *prev, struct task_struct *next,
				      struct switch_args *a, bool preempt, long prev_state, bool btf,
				      __u32 measures)
{
	bool runnable = preempt || prev_state == TASK_RUNNING;
	bool stamped = stamps_kept(measures);
	/* One clock read per switch, and none for the measures that need no time. */
	__u64 now = ((measures & MEASURE_EVENTS) && (events_cfg.emit & EMIT_SWITCH)) || stamped ||
			    ((measures & MEASURE_INVERSION) && inversion_cfg.detect) ?
			    bpf_ktime_get_ns() :
			    0;
	struct task_lat *lat;

	if (measures & MEASURE_SWITCHES)
		switches_on_switch(a->prev_tid, a->prev_tgid, !runnable);
	if (measures & MEASURE_EVENTS)
		events_on_switch(prev, next, a, preempt, prev_state, now);
	if (measures & MEASURE_CPUTIME)
		cputime_on_switch(prev, a, !runnable);
	if (measures & MEASURE_INVERSION)
		inversion_switch_out(prev, a, now, btf);
	if (measures & MEASURE_SCHEDTIME)
		schedtime_on_switch(a);
	if (measures & MEASURE_ONCPU)
		oncpu_on_switch(prev, a, runnable);
	if (!stamped)
		return;
	stamps_switch_out(prev, a, preempt, prev_state, btf, now);
	lat = stamps_switch_in(next, a, btf);
	if (!lat)
		return;
	if (measures & MEASURE_RUNQLAT)
		runqlat_switch_in(next, a, lat, now);
	if (measures & MEASURE_INVERSION)
		inversion_switch_in(next, a, lat->runnable_since, now, btf);
	if (measures & MEASURE_OFFCPU)
		offcpu_switch_in(next, a, lat, now);
	if (measures & MEASURE_SCHEDTIME)
		schedtime_switch_in(next, a, lat, now);
	stamps_consumed(lat);
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
	__u32 measures = cfg.measures;
	/* ctx[3] is only touched when the kernel has the argument; otherwise pruned. */
	long state = cfg.prev_state_arg ? (long)(unsigned int)ctx[3] : task_state(prev);

	struct switch_args a = {
		.prev_tid = prev->pid,
		.prev_tgid = prev->tgid,
		.prev_prio = prev->prio,
	};

	if (next_wanted(measures)) {
		a.next_tid = next->pid;
		a.next_tgid = next->tgid;
		a.next_prio = next->prio;
		a.prev_runtime = prev->se.sum_exec_runtime;
		a.next_runtime = next->se.sum_exec_runtime;
	}
	on_switch(prev, next, &a, preempt, state, true, measures);
	return 0;
}

SEC("raw_tp/sched_switch")
int BPF_PROG(switch_raw, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u32 measures = cfg.measures;
	long state = cfg.prev_state_arg ? (long)(unsigned int)ctx[3] : task_state(prev);

	struct switch_args a = {
		.prev_tid = BPF_CORE_READ(prev, pid),
		.prev_tgid = BPF_CORE_READ(prev, tgid),
		.prev_prio = BPF_CORE_READ(prev, prio),
	};

	if (next_wanted(measures)) {
		a.next_tid = BPF_CORE_READ(next, pid);
		a.next_tgid = BPF_CORE_READ(next, tgid);
		a.next_prio = BPF_CORE_READ(next, prio);
		a.prev_runtime = BPF_CORE_READ(prev, se.sum_exec_runtime);
		a.next_runtime = BPF_CORE_READ(next, se.sum_exec_runtime);
	}
	on_switch(prev, next, &a, preempt, state, false, measures);
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
	/* set_task_cpu() fires the tracepoint before it checks the CPU changes; the kernel counts
	 * nr_migrations only when it does, and so do we. */
	__u32 measures = cfg.measures;

	if (orig_cpu == dest_cpu)
		return;
	if (measures & MEASURE_EVENTS)
		events_on_migrate(task, tid, tgid, prio, orig_cpu, dest_cpu);
	if (measures & MEASURE_CPUTIME)
		cputime_on_migrate(task, tid, tgid, runtime, btf);
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
	__u32 measures = cfg.measures;

	if (measures & MEASURE_EVENTS)
		events_on_wakeup(task, type, tid, tgid, prio, target_cpu);
	if (measures & MEASURES_STAMPED)
		stamps_wakeup(task, tid, tgid, btf);
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

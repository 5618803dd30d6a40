/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Measure ScheduleTime: time in schedule(), entry to return, per call, and the CPU's handover
 * from one task to the next (user side: Measures/ScheduleTime). User space picks the best
 * method that loads.
 */
#pragma once

#include "lib/latency.bpf.h"

/* schedtime_cfg.method: how a schedule() call is timed. */
#define SCHED_METHOD_FEXIT       1 /* fentry/fexit on schedule(): the call itself */
#define SCHED_METHOD_TRACEPOINTS 2 /* sched_entry_tp/sched_exit_tp around __schedule() */
#define SCHED_METHOD_SWITCH      3 /* sched_switch only: switch-out to switch-in of the thread */

/* Mirrored by BpfScheduleTimeConfig (Measures/ScheduleTime/ScheduleTimeMeasure.cs). */
struct schedtime_config {
	__u32 method; /* SCHED_METHOD_*; 0: the measure is off */
	__u32 pad;
};
#define MEASURE_SCHEDTIME 32 /* SchedTraceFeature.ScheduleTime */
const volatile struct schedtime_config schedtime_cfg SEC(".rodata.schedtime") = {};

/* Per CPU, for the handover: when the outgoing task entered __schedule() and who came in. */
struct handover {
	__u64 entry_ns;
	__u32 next_tid;
	__u32 switched; /* sched_switch fired in this __schedule() call */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct handover);
} handover SEC(".maps");

/* sched_switch inside a timed __schedule() call: the handover is to `next`. */
static __always_inline void schedtime_on_switch(struct switch_args *a)
{
	struct handover *slot;
	__u32 zero = 0;

	if (schedtime_cfg.method != SCHED_METHOD_TRACEPOINTS)
		return;
	slot = bpf_map_lookup_elem(&handover, &zero);
	if (slot) {
		slot->next_tid = a->next_tid;
		slot->switched = 1;
	}
}

/* Without schedule() hooks, a call that switched is seen from switch-out to switch-in. */
static __always_inline void schedtime_switch_in(struct task_struct *next, struct switch_args *a, struct task_lat *lat,
						__u64 now)
{
	if (schedtime_cfg.method == SCHED_METHOD_SWITCH && lat->off_since && now > lat->off_since)
		record_latency(LAT_KIND_SCHED_SWITCHED, now - lat->off_since, next, a->next_tgid);
}

/* Entry of schedule() (fentry) or __schedule() (sched_entry_tp), on the calling thread. */
static __always_inline void schedule_entered(struct task_struct *task, __u32 tid, __u32 tgid, bool btf,
					     bool handover_too)
{
	__u64 now = bpf_ktime_get_ns();
	struct task_lat *lat;
	struct handover *slot;
	__u32 zero = 0;

	if (handover_too) {
		/* Idle (tid 0) hands over too, so this comes before the per-thread filter. */
		slot = bpf_map_lookup_elem(&handover, &zero);
		if (slot) {
			slot->entry_ns = now;
			slot->switched = 0;
		}
	}
	if (!lat_wanted(tid, tgid))
		return;
	lat = lat_of(task, tid, btf, true);
	if (!lat) {
		count_stamp_lost();
		return;
	}
	lat->sched_entry = now;
}

/*
 * Return from the call, on the same thread: after a switch this runs once the thread has the
 * CPU again, so a call that blocked includes the time the thread was off the CPU.
 */
static __always_inline void schedule_returned(struct task_struct *task, __u32 tid, __u32 tgid, bool btf,
					      __u32 kind, bool handover_too)
{
	__u64 now = bpf_ktime_get_ns();
	struct task_lat *lat;
	struct handover *slot;
	__u32 zero = 0;

	if (handover_too) {
		/* The incoming task's first moment: the end of this CPU's handover. A task that
		 * starts life in ret_from_fork never returns here; the next entry re-arms the slot. */
		slot = bpf_map_lookup_elem(&handover, &zero);
		if (slot && slot->switched && slot->next_tid == tid && slot->entry_ns && now > slot->entry_ns &&
		    (!filtering() || lat_wanted(tid, tgid)))
			record_latency(LAT_KIND_HANDOVER, now - slot->entry_ns, task, tgid);
		if (slot)
			slot->switched = 0;
	}
	if (!lat_wanted(tid, tgid))
		return;
	/* Created if missing, so that NULL means refused (see count_stamp_lost). */
	lat = lat_of(task, tid, btf, true);
	if (!lat) {
		count_stamp_lost();
		return;
	}
	if (!lat->sched_entry)
		return;
	if (now > lat->sched_entry)
		record_latency(kind, now - lat->sched_entry, task, tgid);
	lat->sched_entry = 0;
}

SEC("tp_btf/sched_entry_tp")
int BPF_PROG(sched_entry_btf, bool preempt)
{
	struct task_struct *task = bpf_get_current_task_btf();

	schedule_entered(task, task->pid, task->tgid, true, true);
	return 0;
}

SEC("raw_tp/sched_entry_tp")
int BPF_PROG(sched_entry_raw, bool preempt)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	schedule_entered(task, BPF_CORE_READ(task, pid), BPF_CORE_READ(task, tgid), false, true);
	return 0;
}

SEC("tp_btf/sched_exit_tp")
int BPF_PROG(sched_exit_btf, bool is_switch)
{
	struct task_struct *task = bpf_get_current_task_btf();

	schedule_returned(task, task->pid, task->tgid, true,
			  is_switch ? LAT_KIND_SCHED_SWITCHED : LAT_KIND_SCHED_NOT_SWITCHED, true);
	return 0;
}

SEC("raw_tp/sched_exit_tp")
int BPF_PROG(sched_exit_raw, bool is_switch)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	schedule_returned(task, BPF_CORE_READ(task, pid), BPF_CORE_READ(task, tgid), false,
			  is_switch ? LAT_KIND_SCHED_SWITCHED : LAT_KIND_SCHED_NOT_SWITCHED, true);
	return 0;
}

/* schedule() itself, as the assignment's kprobe/kretprobe pair meant it; needs fentry, which
 * kernel lockdown and some configurations refuse. */
SEC("fentry/schedule")
int BPF_PROG(schedule_enter)
{
	struct task_struct *task = bpf_get_current_task_btf();

	schedule_entered(task, task->pid, task->tgid, true, false);
	return 0;
}

SEC("fexit/schedule")
int BPF_PROG(schedule_exit)
{
	struct task_struct *task = bpf_get_current_task_btf();

	schedule_returned(task, task->pid, task->tgid, true, LAT_KIND_SCHED_ALL, false);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0 */
#pragma once

#include "lib/common.bpf.h"

/*
 * Measure Events: live events (user side: Measures/Events). Records go to one ring buffer shared by all CPUs, in the order
 * they were reserved. They are submitted without a wakeup: user space drains the buffer on a
 * short timer, which costs far less than a wakeup per event. A record that finds the buffer
 * full is counted per CPU (the ring buffer itself has no lost-event report).
 */
#define EMIT_SWITCH  1
#define EMIT_WAKEUP  2
#define EMIT_MIGRATE 4

/* Mirrored by BpfEventsConfig (Measures/Events/EventsMeasure.cs). */
struct events_config {
	__u32 emit;           /* EMIT_* kinds of event sent to the ring buffer; 0: the measure is off */
	__u32 pad;
	__u64 min_runtime_ns; /* switch events: only when prev ran at least this long */
	char filter_comm[16]; /* only events of tasks with exactly this name (empty: any), ASCII letters lower case */
};
#define MEASURE_EVENTS 4 /* SchedTraceFeature.Events */
const volatile struct events_config events_cfg SEC(".rodata.events") = {};

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
	if (!events_cfg.filter_comm[0])
		return true;
	for (int i = 0; i < 16; i++) {
		char c = comm[i] >= 'A' && comm[i] <= 'Z' ? comm[i] + ('a' - 'A') : comm[i];

		if (c != events_cfg.filter_comm[i])
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
	if (events_cfg.min_runtime_ns && ran < events_cfg.min_runtime_ns)
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

static __always_inline void events_on_switch(struct task_struct *prev, struct task_struct *next,
					     struct switch_args *a, bool preempt, long prev_state, __u64 now)
{
	if (events_cfg.emit & EMIT_SWITCH)
		emit_switch(prev, next, a, preempt, prev_state, now);
}

static __always_inline void events_on_wakeup(struct task_struct *task, __u32 type, __u32 tid, __u32 tgid, int prio,
					     __u32 target_cpu)
{
	if (events_cfg.emit & EMIT_WAKEUP)
		emit_task_event(task, type, tid, tgid, prio, target_cpu, target_cpu);
}

static __always_inline void events_on_migrate(struct task_struct *task, __u32 tid, __u32 tgid, int prio,
					      __u32 orig_cpu, __u32 dest_cpu)
{
	if (events_cfg.emit & EMIT_MIGRATE)
		emit_task_event(task, EVENT_MIGRATE, tid, tgid, prio, dest_cpu, orig_cpu);
}

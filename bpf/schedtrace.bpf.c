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
 * two in the same order, all fields 32-bit.
 */
struct config {
	__u32 filter_tgid;    /* count only this process (0: every process) */
	__u32 filter_tid;     /* count only this thread (0: every thread) */
	__u32 prev_state_arg; /* 1: sched_switch passes prev_state as its 4th argument (5.18+) */
};
const volatile struct config cfg = {};

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

static __always_inline void count_switch(bool preempt, __u32 prev_tid, __u32 prev_tgid,
					 long prev_state)
{
	__u32 zero = 0;
	struct switch_counts *counts;

	if (cfg.filter_tgid && prev_tgid != cfg.filter_tgid)
		return;
	if (cfg.filter_tid && prev_tid != cfg.filter_tid)
		return;

	counts = bpf_map_lookup_elem(&switch_counts, &zero);
	if (!counts)
		return;
	if (prev_tid == 0)
		counts->from_idle++;
	else if (!preempt && prev_state != TASK_RUNNING)
		counts->voluntary++;
	else
		counts->involuntary++;
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

	count_switch(preempt, prev->pid, prev->tgid, state);
	return 0;
}

SEC("raw_tp/sched_switch")
int BPF_PROG(switch_raw, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	long state = cfg.prev_state_arg ? (long)(unsigned int)ctx[3] : task_state(prev);

	count_switch(preempt, BPF_CORE_READ(prev, pid), BPF_CORE_READ(prev, tgid), state);
	return 0;
}

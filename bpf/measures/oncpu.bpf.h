/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Measure OnCpuTime: each slice a thread ran on a CPU, from its switch-in to its next
 * switch-out, by how it ended (user side: Measures/OnCpuTime).
 *
 * A running thread cannot change CPUs, so its slice began at the last switch on the CPU it
 * leaves: one per-CPU slot (who was switched in, and its run time then) is the whole state.
 * The slice is measured in the scheduler's own accounting, se.sum_exec_runtime, which the
 * kernel brings up to date for prev before the tracepoint fires: the slices of a thread add up
 * to its schedstat run time exactly, and no clock is read (on this kind of VM one
 * bpf_ktime_get_ns() costs about as much as the rest of the program). That run time is the rq's
 * task clock: it leaves out the time the host stole and, on kernels with
 * CONFIG_IRQ_TIME_ACCOUNTING, the time interrupts took.
 *
 * A slot that names another thread records nothing: the session attached after that
 * switch-in, or the kernel did not report it (then it is counted in switch_ins_unseen, as the
 * stamps count it). The slice a thread is in when the session is read is not recorded: it has
 * not ended.
 */
#pragma once

#include "lib/latency.bpf.h"

#define MEASURE_ONCPU 128 /* SchedTraceFeature.OnCpuTime */

struct oncpu_slice {
	__u32 tid;     /* switched in last on this CPU */
	__u32 seen;    /* 0 until this CPU's first switch in the session */
	__u64 runtime; /* its se.sum_exec_runtime then */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct oncpu_slice);
} oncpu_current SEC(".maps");

/* prev's slice ends (still runnable: preempted or yielding; otherwise blocked); next's begins. */
static __always_inline void oncpu_on_switch(struct task_struct *prev, struct switch_args *a, bool runnable)
{
	struct oncpu_slice *slice;
	__u32 zero = 0;

	slice = bpf_map_lookup_elem(&oncpu_current, &zero);
	if (!slice)
		return;
	/* Not for the idle task, nor a thread the filters leave out. */
	if (slice->seen && lat_wanted(a->prev_tid, a->prev_tgid)) {
		if (slice->tid != a->prev_tid)
			count_switch_in_unseen();
		else if (a->prev_runtime > slice->runtime)
			record_latency(runnable ? LAT_KIND_ON_PREEMPTED : LAT_KIND_ON_BLOCKED, a->prev_runtime - slice->runtime,
				       prev, a->prev_tgid);
	}
	slice->tid = a->next_tid;
	slice->seen = 1;
	slice->runtime = a->next_runtime;
}

/* SPDX-License-Identifier: GPL-2.0 */
/* Measure ContextSwitches: per-CPU switch counts (user side: Measures/ContextSwitches). */
#pragma once

#include "lib/common.bpf.h"

#define MEASURE_SWITCHES 1 /* SchedTraceFeature.ContextSwitches */

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
static __always_inline void switches_on_switch(__u32 prev_tid, __u32 prev_tgid, bool voluntary)
{
	__u32 zero = 0;
	struct switch_counts *counts;

	if (filtered_out(prev_tid, prev_tgid))
		return;
	counts = bpf_map_lookup_elem(&switch_counts, &zero);
	if (!counts)
		return;
	if (prev_tid == 0)
		counts->from_idle++;
	else if (voluntary)
		counts->voluntary++;
	else
		counts->involuntary++;
}

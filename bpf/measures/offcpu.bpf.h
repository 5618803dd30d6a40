/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Measure OffCpuTime: from a thread's switch-out to its next switch-in, by why it left
 * (user side: Measures/OffCpuTime). The stamps are lib/latency.bpf.h's.
 */
#pragma once

#include "lib/latency.bpf.h"

#define MEASURE_OFFCPU 16 /* SchedTraceFeature.OffCpuTime */

static __always_inline void offcpu_switch_in(struct task_struct *next, struct switch_args *a, struct task_lat *lat,
					     __u64 now)
{
	if (lat->off_since && now > lat->off_since)
		record_latency(lat->off_kind, now - lat->off_since, next, a->next_tgid);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Measure RunQueueLatency: from becoming runnable (woken, new, or preempted) to running
 * (user side: Measures/RunQueueLatency). The stamps are lib/latency.bpf.h's.
 */
#pragma once

#include "lib/latency.bpf.h"

#define MEASURE_RUNQLAT 8 /* SchedTraceFeature.RunQueueLatency */

static __always_inline void runqlat_switch_in(struct task_struct *next, struct switch_args *a, struct task_lat *lat,
					      __u64 now)
{
	if (lat->runnable_since && now > lat->runnable_since)
		record_latency(LAT_KIND_RUNQ, now - lat->runnable_since, next, a->next_tgid);
}

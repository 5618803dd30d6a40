/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Measure OnCpuTime: each slice a thread ran on a CPU, from its switch-in to its next
 * switch-out, by how it ended (user side: Measures/OnCpuTime). The stamp is lib/latency.bpf.h's
 * on_since, kept in the stamps the dispatcher already looked up on each side of the switch: no
 * lookup and no clock read of its own.
 *
 * A thread already running when the session attached has no stamp: its first slice is not
 * recorded (it began before the session). The slice a thread is in when the session is read
 * is not recorded either: it has not ended.
 */
#pragma once

#include "lib/latency.bpf.h"

const volatile struct enabled_config oncpu_cfg SEC(".rodata.oncpu") = {};

/* prev leaves the CPU: its slice ends. off_kind was just set: preempted means still runnable. */
static __always_inline void oncpu_switch_out(struct task_struct *prev, struct switch_args *a, struct task_lat *lat,
					     __u64 now)
{
	__u32 kind = lat->off_kind == LAT_KIND_OFF_PREEMPTED ? LAT_KIND_ON_PREEMPTED : LAT_KIND_ON_BLOCKED;

	if (!oncpu_cfg.enabled)
		return;
	if (lat->on_since && now > lat->on_since)
		record_latency(kind, now - lat->on_since, prev, a->prev_tgid);
	/* A switch-in whose stamps cannot be read must not leave this slice's start behind. */
	lat->on_since = 0;
}

/* next gets the CPU: its slice begins. */
static __always_inline void oncpu_switch_in(struct task_lat *lat, __u64 now)
{
	if (oncpu_cfg.enabled)
		lat->on_since = now;
}

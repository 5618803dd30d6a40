/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every measure shares: the helpers, the session-wide constants (process, thread and CPU
 * filters), the loss counters and the switch arguments. Knows no measure.
 *
 * Constants are set by user space before load, each group in its own .rodata.* section: read-only
 * after load, so the verifier treats the fields as constants and drops the branches a session
 * does not use. Every group is mirrored by a C# struct marked [KernelMirror] (KernelMirrorTests
 * checks each field against the object's BTF). Each section holds one struct, so string
 * constants elsewhere in the program never shift it.
 */
#pragma once

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "sched_types.h"

/* Mirrored by BpfSessionConfig (Engine/BpfConfig.cs). */
struct config {
	__u32 filter_tgid;    /* only this process (0: every process, or see filter_sets) */
	__u32 filter_tid;     /* only this thread (0: every thread, or see filter_sets) */
	__u32 filter_sets;    /* FILTER_*_SET: several ids, looked up in filter_tgids / filter_tids */
	__u32 filter_cpu;     /* only this CPU + 1 (0: every CPU); each measure says what "on a CPU" means */
	__u32 prev_state_arg; /* 1: sched_switch passes prev_state as its 4th argument (5.18+) */
	__u32 measures;       /* the session's measures: MEASURE_* bits, each its SchedTraceFeature value */
	__u64 session_start_ns; /* ktime when the session started */
};
const volatile struct config cfg SEC(".rodata.config") = {};

/* What a session could not keep, per CPU: reported, never silently lost. Mirrored by BpfSessionStats (Engine/BpfConfig.cs). */
struct session_stats {
	__u64 tasks_dropped; /* threads refused because task_stats was full */
	__u64 events_lost;   /* events that found the ring buffer full */
	__u64 latency_dropped; /* durations left out of per-process rows: that table was full */
	__u64 stamps_lost;     /* durations lost whole: a thread's stamps could not be read or kept */
	__u64 switch_ins_unseen; /* a thread left a CPU it got without a sched_switch we saw */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct session_stats);
} session_stats SEC(".maps");

/*
 * The process and thread filters. One id is a constant in cfg: a compare, which the verifier
 * drops entirely when no filter is set. Several ids (FILTER_*_SET) are keys of a hash set that
 * user space sizes before load and fills after load, before any program is attached: a lookup
 * per test, for sessions that asked for it.
 */
#define FILTER_TGID_SET 1
#define FILTER_TID_SET  2

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* sized by user space: the number of ids */
	__type(key, __u32);
	__type(value, __u8);
} filter_tgids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8);
} filter_tids SEC(".maps");

static __always_inline bool id_wanted(__u32 id, __u32 one, bool in_set, void *set)
{
	if (in_set)
		return bpf_map_lookup_elem(set, &id) != NULL;
	return !one || id == one;
}

/* Whether any process or thread filter is set (cfg is constant: this folds at load). */
static __always_inline bool filtering(void)
{
	return cfg.filter_tgid || cfg.filter_tid || cfg.filter_sets;
}

static __always_inline bool filtered_out(__u32 tid, __u32 tgid)
{
	return !id_wanted(tgid, cfg.filter_tgid, cfg.filter_sets & FILTER_TGID_SET, &filter_tgids) ||
	       !id_wanted(tid, cfg.filter_tid, cfg.filter_sets & FILTER_TID_SET, &filter_tids);
}
/* The scalar fields of prev and next, which each hook reads its own way (direct or probe-read). */
struct switch_args {
	__u32 prev_tid, prev_tgid, next_tid, next_tgid;
	int prev_prio, next_prio;
	__u64 prev_runtime, next_runtime;
};

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Measure RunQueueLength: how many tasks wait for each CPU (runnable, not running), sampled on
 * every CPU at a fixed rate by a perf event (user side: Measures/RunQueueLength). bcc's runqlen,
 * per CPU, with the share of samples that found the CPU idle.
 *
 * The sample runs on the CPU it measures, in its timer interrupt, and reads the run queue
 * without its lock, as bcc's runqlen does: a wakeup that another CPU queues there at that very
 * instant may or may not be counted. The run queue is found through the interrupted task:
 * se.cfs_rq is the cfs_rq it is queued on (its group's with CONFIG_FAIR_GROUP_SCHED), and
 * cfs_rq->rq is the CPU's rq whatever the group, so the per-CPU `runqueues` ksym is not needed.
 * Every task has se.cfs_rq set, RT and idle tasks too (set_task_rq).
 *
 * rq->nr_running counts the tasks of every class queued on the CPU, the running one included and
 * the idle task never. Since 6.12 it also counts fair tasks that blocked but stay queued until
 * their negative lag is spent (delayed dequeue, se.sched_delayed): they are asleep, not waiting,
 * so they are taken out, as the root cfs_rq counts them (h_nr_queued - h_nr_runnable on 6.14+,
 * h_nr_delayed on 6.13).
 */
#pragma once

#include "lib/common.bpf.h"

#define MEASURE_RUNQLEN 256 /* SchedTraceFeature.RunQueueLength */

/* Slots 0..62 count samples with that many tasks waiting; the last one, 63 or more. */
#define RUNQLEN_SLOTS 64

struct runqlen_counts {
	__u64 samples;
	__u64 idle;    /* samples that found the idle task running: nothing was runnable */
	__u64 waiting; /* the tasks waiting, summed over samples: the mean, even past the last slot */
	__u64 slots[RUNQLEN_SLOTS];
};

/* One slot, one copy per CPU: each CPU writes only its own copy, in its own interrupt. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct runqlen_counts);
} runqlen_counts SEC(".maps");

/* Fair tasks still queued after blocking (delayed dequeue), from the CPU's root cfs_rq. */
static __always_inline __u32 runqlen_delayed(struct rq *rq)
{
	if (bpf_core_field_exists(rq->cfs.h_nr_runnable))
		return rq->cfs.h_nr_queued - rq->cfs.h_nr_runnable;
	if (bpf_core_field_exists(((struct rq___6_13 *)rq)->cfs.h_nr_delayed))
		return ((struct rq___6_13 *)rq)->cfs.h_nr_delayed;
	return 0; /* 6.12 kept no count of them (it counts them as waiting); earlier kernels have none */
}

SEC("perf_event")
int runqlen_sample(void *ctx)
{
	struct task_struct *curr;
	struct runqlen_counts *counts;
	struct rq *rq;
	__u32 zero = 0;
	__s64 waiting;
	bool idle;

	if (!(cfg.measures & MEASURE_RUNQLEN) || (cfg.filter_cpu && bpf_get_smp_processor_id() + 1 != cfg.filter_cpu))
		return 0;
	counts = bpf_map_lookup_elem(&runqlen_counts, &zero);
	if (!counts)
		return 0;
	curr = bpf_get_current_task_btf();
	rq = curr->se.cfs_rq->rq;
	idle = curr->pid == 0;
	/* The running task is queued but not waiting; the idle task is never queued. */
	waiting = (__s64)rq->nr_running - runqlen_delayed(rq) - (idle ? 0 : 1);
	if (waiting < 0)
		waiting = 0;
	counts->samples++;
	counts->idle += idle;
	counts->waiting += waiting;
	counts->slots[waiting < RUNQLEN_SLOTS - 1 ? waiting : RUNQLEN_SLOTS - 1]++;
	return 0;
}

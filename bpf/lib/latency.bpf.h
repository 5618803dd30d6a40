/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the latency measures (run-queue latency, off-CPU time, schedule() time, on-CPU slices) share, and
 * priority inversion uses: per-thread stamps and in-kernel histograms. Knows no measure: each
 * one's header records its own kinds of duration through record_latency().
 *
 * Every measure is a duration between two events of the SAME THREAD, so its start stamp is
 * kept per thread, never per CPU: a task often leaves schedule() on another CPU than the one
 * it entered it on, which is how the assignment's CPU-keyed stamps produced 2.2e14 ns values.
 * Stamps live in task local storage on the tp_btf path (a pointer in the task, freed with it)
 * and in an LRU hash keyed by thread id on the raw_tp path (no typed task pointer there).
 * A stamp is only ever set while the session runs, so no value can exceed the session, and a
 * duration is recorded only when the clock moved forward, so none is negative.
 *
 * Durations go to histograms kept in the kernel: one per kind per CPU (the CPU where the
 * duration ended), and, when asked, one per process and kind.
 */
#pragma once

#include "lib/common.bpf.h"

/* latency_cfg.stamps: which per-thread stamps the session keeps. */
#define STAMP_RUNNABLE 1 /* when a thread became runnable: woken, new, or preempted */
#define STAMP_OFF      2 /* when and why a thread left the CPU */

/* Mirrored by BpfLatencyConfig (Measures/Latency/LatencyTables.cs). */
struct latency_config {
	__u32 stamps;      /* STAMP_* bits; 0: no latency measure and no inversion detection */
	__u32 per_process; /* also keep one histogram per process and kind */
};
const volatile struct latency_config latency_cfg SEC(".rodata.latency") = {};

/* Histogram indexes; mirrored by LatencyKind in Engine/LatencyRecords.cs. */
enum latency_kind {
	LAT_KIND_RUNQ = 0,
	LAT_KIND_OFF_SLEEPING = 1,        /* left in TASK_INTERRUPTIBLE */
	LAT_KIND_OFF_UNINTERRUPTIBLE = 2, /* left in TASK_UNINTERRUPTIBLE (D, including idle waits) */
	LAT_KIND_OFF_PREEMPTED = 3,       /* left runnable: preempted or yielded */
	LAT_KIND_OFF_OTHER = 4,           /* stopped, traced, dead */
	LAT_KIND_SCHED_SWITCHED = 5,      /* schedule() calls that switched to another task */
	LAT_KIND_SCHED_NOT_SWITCHED = 6,  /* calls that returned without switching */
	LAT_KIND_SCHED_ALL = 7,           /* fexit method: whether a call switched is not known */
	LAT_KIND_HANDOVER = 8,            /* one CPU: prev enters __schedule() -> next returns from it */
	LAT_KIND_ON_BLOCKED = 9,          /* a slice on the CPU that ended with the thread not runnable */
	LAT_KIND_ON_PREEMPTED = 10,       /* a slice that ended with the thread still runnable */
	LAT_KINDS = 11,
};

/*
 * Log-linear histogram: 16 linear slots per power of two, so a slot is at most 1/16 of its
 * values wide and percentiles interpolated inside it are within ~3 %. Values under 16 ns get
 * a slot each. Values from 2^44 ns (4.9 hours) share the last slot; max_ns stays exact.
 * Mirrored by LatencyHistogram.cs.
 */
#define HIST_SUB 16
#define HIST_MAX_EXP 43
#define HIST_SLOTS ((HIST_MAX_EXP - 2) * HIST_SUB)

struct latency_hist {
	__u64 count;
	__u64 sum_ns;
	__u64 min_ns; /* 0 while count is 0; durations are never 0 */
	__u64 max_ns;
	__u64 slots[HIST_SLOTS];
};

/* One per CPU per kind: each CPU adds to its own copy without atomics. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1); /* sized by user space: LAT_KINDS when a measure records */
	__type(key, __u32);
	__type(value, struct latency_hist);
} latency SEC(".maps");

struct proc_hist_key {
	__u32 tgid;
	__u32 kind;
};

struct proc_hist {
	struct latency_hist hist;
	char comm[16]; /* the process's main thread when the row was created */
};

/*
 * Per process and kind, shared by all CPUs (atomic adds). Sized by user space and preallocated:
 * allocating 5 KiB rows on use fails when several are created on one CPU at once (the kernel's
 * BPF allocator keeps one or two spare elements of this size per CPU), which lost values.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, struct proc_hist_key);
	__type(value, struct proc_hist);
} proc_latency SEC(".maps");

/* A zeroed proc_hist to create rows from: too large for the 512-byte BPF stack. Never written. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct proc_hist);
} proc_latency_zero SEC(".maps");

/* Per-thread stamps (ktime ns; 0: none). */
struct task_lat {
	__u64 runnable_since; /* woke up or was preempted, and waits for a CPU */
	__u64 off_since;      /* left the CPU */
	__u64 sched_entry;    /* entered schedule() / __schedule() */
	__u32 off_kind;       /* LAT_KIND_OFF_*: why it left */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_lat);
} task_lat_store SEC(".maps");

/* The raw_tp path's stamps. LRU: entries of exited threads age out instead of filling it. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1); /* sized by user space */
	__type(key, __u32);
	__type(value, struct task_lat);
} task_lat_hash SEC(".maps");

/*
 * A stamp that could not be kept or read: that thread's next duration is lost, and counted.
 * Task storage refuses every call of a tracing program on a CPU while a task there holds its
 * lock (bpf_task_storage_busy): the kernel takes it with migration disabled, not preemption,
 * while it frees an exiting task's storage, so a task preempted there leaves the CPU's switches
 * without stamps until it runs again. The raw_tp path's LRU hash can evict a live thread's.
 */
static __always_inline void count_stamp_lost(void)
{
	__u32 zero = 0;
	struct session_stats *lost = bpf_map_lookup_elem(&session_stats, &zero);

	if (lost)
		lost->stamps_lost++;
}

/*
 * The thread's stamps. `btf` is a constant at every call site: clang keeps only one branch,
 * so raw_tp programs never reference task storage (which needs a BTF-typed task pointer).
 */
static __always_inline struct task_lat *lat_of(struct task_struct *task, __u32 tid, bool btf, bool create)
{
	struct task_lat fresh = {};
	struct task_lat *lat;

	if (btf)
		return bpf_task_storage_get(&task_lat_store, task, 0, create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	lat = bpf_map_lookup_elem(&task_lat_hash, &tid);
	if (lat || !create)
		return lat;
	bpf_map_update_elem(&task_lat_hash, &tid, &fresh, BPF_NOEXIST);
	return bpf_map_lookup_elem(&task_lat_hash, &tid);
}

static __always_inline bool lat_wanted(__u32 tid, __u32 tgid)
{
	return tid != 0 && !filtered_out(tid, tgid); /* tid 0: the idle task, one per CPU */
}

/* floor(log2(v)) for v > 0, without loops (BPF has no count-leading-zeros). */
static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r, shift;

	r = (v > 0xFFFFFFFFULL) << 5;
	v >>= r;
	shift = (v > 0xFFFF) << 4;
	v >>= shift;
	r |= shift;
	shift = (v > 0xFF) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xF) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	return r | (__u32)(v >> 1);
}

static __always_inline __u32 hist_slot(__u64 v)
{
	__u32 e;

	if (v < HIST_SUB)
		return v;
	e = log2_u64(v);
	if (e > HIST_MAX_EXP)
		return HIST_SLOTS - 1;
	return (e - 3) * HIST_SUB + ((v >> (e - 4)) & (HIST_SUB - 1));
}

/* This CPU's copy: no other CPU writes it, plain updates are exact. */
static __always_inline void hist_add(struct latency_hist *h, __u64 v)
{
	__u32 slot = hist_slot(v);

	if (slot >= HIST_SLOTS)
		return;
	h->slots[slot]++;
	h->count++;
	h->sum_ns += v;
	if (!h->min_ns || v < h->min_ns)
		h->min_ns = v;
	if (v > h->max_ns)
		h->max_ns = v;
}

/* A row shared by CPUs: atomic adds, and compare-and-swap for the extremes (a few tries
 * suffice: each failed try means another CPU moved the value, which it only ever narrows). */
static __always_inline void hist_add_shared(struct latency_hist *h, __u64 v)
{
	__u32 slot = hist_slot(v);
	__u64 old;

	if (slot >= HIST_SLOTS)
		return;
	__sync_fetch_and_add(&h->slots[slot], 1);
	__sync_fetch_and_add(&h->count, 1);
	__sync_fetch_and_add(&h->sum_ns, v);
	for (int i = 0; i < 4; i++) {
		old = h->min_ns;
		if (old && old <= v)
			break;
		if (__sync_val_compare_and_swap(&h->min_ns, old, v) == old)
			break;
	}
	for (int i = 0; i < 4; i++) {
		old = h->max_ns;
		if (old >= v)
			break;
		if (__sync_val_compare_and_swap(&h->max_ns, old, v) == old)
			break;
	}
}

/*
 * A thread leaves a CPU whose switch-in we never saw: the kernel did not report it. Some never
 * fire sched_switch when certain threads leave a CPU (a Firecracker VM's agent, PID 1; ftrace
 * misses them too), so whoever takes the CPU from one of them is switched in unseen, and the
 * durations that ended there are missing. A switch-in whose stamps were refused (counted in
 * stamps_lost) looks the same and is counted here too.
 */
static __always_inline void count_switch_in_unseen(void)
{
	__u32 zero = 0;
	struct session_stats *lost = bpf_map_lookup_elem(&session_stats, &zero);

	if (lost)
		lost->switch_ins_unseen++;
}

static __always_inline void count_latency_dropped(void)
{
	__u32 zero = 0;
	struct session_stats *lost = bpf_map_lookup_elem(&session_stats, &zero);

	if (lost)
		lost->latency_dropped++;
}

static __always_inline void record_per_process(__u32 kind, __u64 v, struct task_struct *task, __u32 tgid)
{
	struct proc_hist_key key = { .tgid = tgid, .kind = kind };
	struct task_struct *leader;
	struct proc_hist *row;
	__u32 zero = 0;
	void *blank;
	long err;

	row = bpf_map_lookup_elem(&proc_latency, &key);
	if (!row) {
		blank = bpf_map_lookup_elem(&proc_latency_zero, &zero);
		if (!blank)
			return;
		err = bpf_map_update_elem(&proc_latency, &key, blank, BPF_NOEXIST);
		if (err && err != -17 /* EEXIST: another CPU made it */) {
			count_latency_dropped();
			return;
		}
		row = bpf_map_lookup_elem(&proc_latency, &key);
		if (!row)
			return;
		if (!row->comm[0]) {
			leader = BPF_CORE_READ(task, group_leader);
			bpf_probe_read_kernel(row->comm, sizeof(row->comm), __builtin_preserve_access_index(&leader->comm));
		}
	}
	hist_add_shared(&row->hist, v);
}

/* Records one duration that ended now, on this CPU, for `task`. */
static __always_inline void record_latency(__u32 kind, __u64 v, struct task_struct *task, __u32 tgid)
{
	struct latency_hist *h;

	if (cfg.filter_cpu && bpf_get_smp_processor_id() + 1 != cfg.filter_cpu)
		return;
	h = bpf_map_lookup_elem(&latency, &kind);
	if (h)
		hist_add(h, v);
	if (latency_cfg.per_process && kind != LAT_KIND_HANDOVER)
		record_per_process(kind, v, task, tgid);
}

static __always_inline __u32 off_kind(bool runnable, long state)
{
	if (runnable)
		return LAT_KIND_OFF_PREEMPTED;
	if (state & TASK_UNINTERRUPTIBLE)
		return LAT_KIND_OFF_UNINTERRUPTIBLE;
	if (state & TASK_INTERRUPTIBLE)
		return LAT_KIND_OFF_SLEEPING;
	return LAT_KIND_OFF_OTHER;
}


/*
 * sched_switch, outgoing side: prev leaves the CPU now. It waits for a CPU again right away
 * when it leaves runnable: preempted, or yielding (state still TASK_RUNNING). A preempted task
 * can carry a sleeping state (it was preempted on its way to sleep), but it stays on the run
 * queue, so `preempt` wins. A stamp that cannot be kept is counted: that thread's next
 * duration is lost.
 */
static __always_inline void stamps_switch_out(struct task_struct *prev, struct switch_args *a, bool preempt,
					      long prev_state, bool btf, __u64 now)
{
	bool runnable = preempt || prev_state == TASK_RUNNING;
	struct task_lat *lat;

	if (!lat_wanted(a->prev_tid, a->prev_tgid))
		return;
	lat = lat_of(prev, a->prev_tid, btf, true);
	if (!lat) {
		count_stamp_lost();
		return;
	}
	/* Still set: nothing consumed it at a switch-in. */
	if (lat->off_since)
		count_switch_in_unseen();
	lat->off_since = now;
	lat->off_kind = off_kind(runnable, prev_state);
	lat->runnable_since = runnable ? now : 0;
}

/*
 * sched_switch, incoming side: next's stamps, for the measures to read (all zero for a thread
 * not stamped yet); NULL when it is not traced, or (counted) when they cannot be read. Created
 * if missing, which tells a refusal from an absence: the thread would get them at its
 * switch-out anyway.
 */
static __always_inline struct task_lat *stamps_switch_in(struct task_struct *next, struct switch_args *a, bool btf)
{
	struct task_lat *lat;

	if (!lat_wanted(a->next_tid, a->next_tgid))
		return NULL;
	lat = lat_of(next, a->next_tid, btf, true);
	if (!lat)
		count_stamp_lost();
	return lat;
}

/* After every measure has read next's stamps: it runs now, and waits for nothing. */
static __always_inline void stamps_consumed(struct task_lat *lat)
{
	lat->runnable_since = 0;
	lat->off_since = 0;
}

/*
 * sched_wakeup(_new): the task is runnable from now. A task already waiting keeps its earlier
 * stamp: the kernel also reports a wakeup for a task that is still on the run queue.
 */
static __always_inline void stamps_wakeup(struct task_struct *task, __u32 tid, __u32 tgid, bool btf)
{
	struct task_lat *lat;

	if (!(latency_cfg.stamps & STAMP_RUNNABLE) || !lat_wanted(tid, tgid))
		return;
	lat = lat_of(task, tid, btf, true);
	if (!lat) {
		count_stamp_lost();
		return;
	}
	if (!lat->runnable_since)
		lat->runnable_since = bpf_ktime_get_ns();
}

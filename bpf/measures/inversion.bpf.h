/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Measure PriorityInversion: priority-inversion alerts (user side: Measures/PriorityInversion).
 * Uses the runnable stamps of lib/latency.bpf.h.
 *
 * Two detections, both decided in the kernel when a waiting task finally gets the CPU:
 *
 *  - Run-queue inversion: task W was runnable on this CPU for at least the threshold (the
 *    runnable_since stamp of lib/latency.bpf.h) while tasks of strictly lower priority ran here.
 *  - Lock inversion: task L (lower priority) owns a glibc mutex that H (higher priority) is
 *    blocked on; L waited runnable, while H was blocked, at least the threshold, and tasks of
 *    lower priority than H ran on L's CPU meanwhile (the textbook "medium" task M).
 *
 * Who ran during a wait: each CPU keeps the last INV_RUNNERS distinct tasks it ran, their run
 * time merged per task, updated at every switch (one scan of 8 slots, no hash lookup).
 * Who waits on whose lock: futex(FUTEX_WAIT[_BITSET], uaddr, 2) from glibc's lock path, with the
 * owner's thread id read from the mutex (uaddr + 8, __data.__owner) in the waiter's context;
 * registered under the owner at sys_enter, released at sys_exit.
 *
 * Alerts go to their own small ring buffer (inv_alerts), so Watch-SchedEvent's decoder never
 * sees them, through a token bucket per CPU: what the bucket refuses is counted, not sent.
 */
#pragma once

#include "lib/latency.bpf.h"

/* inversion_cfg.detect bits */
#define INV_RUNQ 1
#define INV_LOCK 2

/* Mirrored by BpfInversionConfig (Measures/PriorityInversion/PriorityInversionMeasure.cs). */
struct inversion_config {
	__u32 detect;         /* INV_* detections; 0: the measure is off */
	__u32 min_nice_gap;   /* normal tasks: the least nice gap that counts as lower priority */
	__u64 threshold_ns;   /* waits shorter than this are not inversions */
	__u64 cost_ns;        /* rate limit: one alert per this much time per CPU... */
	__u64 burst_ns;       /* ...with up to this much banked */
	__u32 futex_nr;       /* the futex syscall's number on this architecture */
	__u32 pad;
};
#define MEASURE_INVERSION 64 /* SchedTraceFeature.PriorityInversion */
const volatile struct inversion_config inversion_cfg SEC(".rodata.inversion") = {};

#define INV_RUNNERS 8     /* distinct tasks remembered per CPU */
#define INV_MAX_RAN 4     /* tasks named in one alert */
#define INV_WAITERS 4     /* waiters remembered per lock owner */

/* A task as an alert names it. Mirrored in InversionRecords.cs. */
struct inv_task {
	__u32 tid;
	__u32 tgid;
	__s32 prio;   /* effective kernel priority: -1 deadline, 0-99 real-time, 100-139 normal */
	__u32 policy; /* SCHED_NORMAL 0, FIFO 1, RR 2, BATCH 3, IDLE 5, DEADLINE 6 */
	char comm[16];
};

struct inv_runner {
	struct inv_task task;
	__u64 first_ns; /* start of its first slice remembered here */
	__u64 last_ns;  /* end of its latest slice */
	__u64 ran_ns;   /* run time over those slices */
};

struct inv_cpu {
	__u64 cur_start;  /* when the running task got this CPU (0: before we looked) */
	__u64 credit_ns;  /* token bucket: time credit, one alert costs inversion_cfg.cost_ns */
	__u64 credit_at;  /* when the credit was last brought up to date */
	__u32 cur_tid;    /* the running task, and its priority when it got the CPU: a task */
	__s32 cur_prio;   /* boosted by priority inheritance leaves deboosted, but ran boosted */
	struct inv_runner r[INV_RUNNERS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct inv_cpu);
} inv_cpu SEC(".maps");

/* Per CPU: what was sent and what was not. Mirrored in InversionRecords.cs. */
struct inv_stats {
	__u64 alerts;        /* sent to the ring buffer */
	__u64 suppressed;    /* refused by the rate limit */
	__u64 lost;          /* found the ring buffer full */
	__u64 waits_dropped; /* lock waits not tracked: a table was full */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct inv_stats);
} inv_stats SEC(".maps");

enum inv_kind {
	INV_KIND_RUNQ = 1,
	INV_KIND_LOCK = 2,
};

struct inv_ran {
	struct inv_task task;
	__u64 ran_ns; /* its run time inside the inversion (approximate when a slice straddles its start) */
};

/* Mirrored in InversionRecords.cs. */
struct inv_alert {
	__u64 timestamp_ns; /* end: the waiting task (run queue) or the owner (lock) got the CPU */
	__u32 kind;
	__u32 cpu;
	__u64 wait_ns;      /* run queue: W's wait; lock: time H was blocked while L waited */
	__u64 lock_addr;    /* lock: the futex address in H's process */
	struct inv_task waiting; /* W, or H */
	struct inv_task owner;   /* lock: L */
	__u32 nr_ran;
	__u32 pad;
	struct inv_ran ran[INV_MAX_RAN];
};

/* Ring-buffer records are only ever cast to, so nothing else puts them in the object's BTF;
 * these unused pointers do, for the user-side layout test (KernelMirrorTests). */
const struct inv_ran *btf_anchor_inv_ran __attribute__((unused));
const struct inv_alert *btf_anchor_inv_alert __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096); /* sized by user space before load */
} inv_alerts SEC(".maps");

/* A thread blocked in a glibc mutex, as registered under its owner. */
struct inv_waiter {
	struct inv_task task;
	__u64 since;     /* sys_enter of the futex wait; 0 while the slot is being filled */
	__u64 uaddr;
	__u32 private;   /* FUTEX_PRIVATE_FLAG: owner and waiter are in the same process */
	__u32 pad;
};

struct inv_owner {
	struct inv_waiter w[INV_WAITERS];
};

/* Owner tid -> its waiters. LRU: an entry left by a process that died mid-wait ages out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1); /* sized by user space: lock detection only */
	__type(key, __u32);
	__type(value, struct inv_owner);
} lock_owners SEC(".maps");

/* Waiter tid -> where it registered, to release the slot at sys_exit. */
struct inv_wait {
	__u32 owner;
	__u32 slot;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* sized by user space: lock detection only */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct inv_wait);
} lock_waiters SEC(".maps");

static __always_inline struct inv_stats *inv_stats_here(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&inv_stats, &zero);
}

/* Scheduling class by effective priority (a PI-boosted normal task counts as real-time). */
static __always_inline int inv_class(__s32 prio, __u32 policy)
{
	if (prio < 0)
		return 3; /* deadline */
	if (prio < 100)
		return 2; /* real-time */
	if (policy == 5)
		return 0; /* SCHED_IDLE */
	return 1;         /* normal, batch */
}

/*
 * Whether `o` has strictly lower priority than `w`, as the detections count it: a lower class
 * always; within real-time any higher prio number; within normal tasks a nice gap of at least
 * inversion_cfg.min_nice_gap (fair sharing between near nice levels is by design); deadline tasks
 * among themselves and SCHED_IDLE tasks among themselves never.
 */
static __always_inline bool inv_below(__s32 w_prio, __u32 w_policy, __s32 o_prio, __u32 o_policy)
{
	int cw = inv_class(w_prio, w_policy), co = inv_class(o_prio, o_policy);

	if (cw != co)
		return co < cw;
	if (cw == 2)
		return o_prio > w_prio;
	if (cw == 1)
		return o_prio - w_prio >= (__s32)inversion_cfg.min_nice_gap;
	return false;
}

static __always_inline __u32 inv_policy(struct task_struct *task, bool btf)
{
	return btf ? task->policy : BPF_CORE_READ(task, policy);
}

/*
 * sched_switch, before the switch-in checks: prev's slice on this CPU ends now. Merged into its
 * slot if it has one, else it takes the slot whose task ran longest ago.
 */
static __always_inline void inversion_switch_out(struct task_struct *prev, struct switch_args *a, __u64 now, bool btf)
{
	__u32 zero = 0;
	struct inv_cpu *c;
	struct inv_runner *r;
	__u64 start, oldest = ~0ULL;
	__u32 victim = 0;
	__s32 prio = a->prev_prio;

	/* The constant first: a session without detection then does no lookup on any switch. */
	if (!inversion_cfg.detect)
		return;
	c = bpf_map_lookup_elem(&inv_cpu, &zero);
	if (!c)
		return;
	start = c->cur_start;
	if (c->cur_tid == a->prev_tid && c->cur_prio < prio)
		prio = c->cur_prio;
	c->cur_start = now;
	c->cur_tid = a->next_tid;
	c->cur_prio = a->next_prio;
	if (!start || !a->prev_tid || now <= start)
		return;
	for (__u32 i = 0; i < INV_RUNNERS; i++) {
		r = &c->r[i];
		if (r->task.tid == a->prev_tid && r->last_ns) {
			r->ran_ns += now - start;
			r->last_ns = now;
			r->task.prio = prio;
			return;
		}
		if (r->last_ns < oldest) {
			oldest = r->last_ns;
			victim = i;
		}
	}
	r = &c->r[victim & (INV_RUNNERS - 1)];
	r->task.tid = a->prev_tid;
	r->task.tgid = a->prev_tgid;
	r->task.prio = prio;
	r->task.policy = inv_policy(prev, btf);
	bpf_probe_read_kernel(r->task.comm, sizeof(r->task.comm), __builtin_preserve_access_index(&prev->comm));
	r->first_ns = start;
	r->last_ns = now;
	r->ran_ns = now - start;
}

/* The runner's time inside [from, now]: exact when all its remembered slices are inside. */
static __always_inline __u64 inv_ran_since(struct inv_runner *r, __u64 from)
{
	__u64 span;

	if (r->last_ns <= from)
		return 0;
	if (r->first_ns >= from)
		return r->ran_ns;
	span = r->last_ns - from;
	return r->ran_ns < span ? r->ran_ns : span;
}

/* Token bucket per CPU: inversion_cfg.cost_ns of credit per alert, at most inversion_cfg.burst_ns banked. */
static __always_inline bool inv_take_token(struct inv_cpu *c, __u64 now)
{
	__u64 credit = c->credit_at ? c->credit_ns + (now - c->credit_at) : inversion_cfg.burst_ns;

	if (credit > inversion_cfg.burst_ns)
		credit = inversion_cfg.burst_ns;
	c->credit_at = now;
	if (credit < inversion_cfg.cost_ns) {
		c->credit_ns = credit;
		return false;
	}
	c->credit_ns = credit - inversion_cfg.cost_ns;
	return true;
}

static __always_inline void inv_fill_task(struct inv_task *t, struct task_struct *task, __u32 tid, __u32 tgid,
					  __s32 prio, __u32 policy)
{
	t->tid = tid;
	t->tgid = tgid;
	t->prio = prio;
	t->policy = policy;
	bpf_probe_read_kernel(t->comm, sizeof(t->comm), __builtin_preserve_access_index(&task->comm));
}

/*
 * Does runner r count as having run instead of `w` since `from`? Not w itself, not `skip`
 * (the lock owner), only strictly lower priority than w, only if it ran after `from`.
 */
static __always_inline bool inv_counts(struct inv_runner *r, struct inv_task *w, __u32 skip, __u64 from)
{
	return r->task.tid && r->task.tid != w->tid && r->task.tid != skip && r->last_ns > from &&
	       inv_below(w->prio, w->policy, r->task.prio, r->task.policy);
}

/*
 * Sends one alert: `w` waited from `from` to `now` while lower-priority tasks ran on this CPU
 * for at least the threshold between them (a lower-priority softirq thread that ran 20 us of a
 * long wait behind higher priorities is not an inversion). Nothing is sent or counted otherwise.
 * The INV_MAX_RAN tasks with the most run time inside the wait are named.
 */
static __always_inline void inv_emit(struct inv_cpu *c, __u32 kind, struct inv_task *w, struct inv_task *owner,
				     __u64 lock_addr, __u64 from, __u64 now)
{
	struct inv_stats *stats;
	struct inv_alert *e;
	struct inv_runner *r;
	__u32 n = 0, skip = owner ? owner->tid : 0;
	__u64 ran, below = 0;

	for (__u32 i = 0; i < INV_RUNNERS; i++)
		if (inv_counts(&c->r[i], w, skip, from))
			below += inv_ran_since(&c->r[i], from);
	if (below < inversion_cfg.threshold_ns)
		return;
	stats = inv_stats_here();
	if (!inv_take_token(c, now)) {
		if (stats)
			stats->suppressed++;
		return;
	}
	e = bpf_ringbuf_reserve(&inv_alerts, sizeof(*e), 0);
	if (!e) {
		if (stats)
			stats->lost++;
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->timestamp_ns = now;
	e->kind = kind;
	e->cpu = bpf_get_smp_processor_id();
	e->wait_ns = now - from;
	e->lock_addr = lock_addr;
	e->waiting = *w;
	if (owner)
		e->owner = *owner;
	for (__u32 i = 0; i < INV_RUNNERS; i++) {
		r = &c->r[i];
		if (!inv_counts(r, w, skip, from))
			continue;
		ran = inv_ran_since(r, from);
		if (n < INV_MAX_RAN) {
			e->ran[n & (INV_MAX_RAN - 1)].task = r->task;
			e->ran[n & (INV_MAX_RAN - 1)].ran_ns = ran;
			n++;
			continue;
		}
		/* Full: replace the entry with the least run time, if this one ran longer. */
		__u32 least = 0;
		for (__u32 j = 1; j < INV_MAX_RAN; j++)
			if (e->ran[j].ran_ns < e->ran[least & (INV_MAX_RAN - 1)].ran_ns)
				least = j;
		if (ran > e->ran[least & (INV_MAX_RAN - 1)].ran_ns) {
			e->ran[least & (INV_MAX_RAN - 1)].task = r->task;
			e->ran[least & (INV_MAX_RAN - 1)].ran_ns = ran;
		}
	}
	e->nr_ran = n;
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	if (stats)
		stats->alerts++;
}

/*
 * Lock inversion, at L's switch-in after a run-queue wait since `runnable_since`: the
 * highest-priority waiter H registered under L that was blocked for at least the threshold of
 * that wait and outranks L.
 */
static __always_inline void inv_check_lock(struct inv_cpu *c, struct inv_task *l, __u64 runnable_since, __u64 now)
{
	struct inv_owner *o = bpf_map_lookup_elem(&lock_owners, &l->tid);
	struct inv_waiter *s, *best = NULL;
	__u64 from, best_from = 0;

	if (!o)
		return;
	for (__u32 i = 0; i < INV_WAITERS; i++) {
		s = &o->w[i];
		if (!s->task.tid || !s->since || s->task.tid == l->tid)
			continue;
		if (s->private && s->task.tgid != l->tgid)
			continue; /* a stale slot: the owner id now names a thread of another process */
		if (!inv_below(s->task.prio, s->task.policy, l->prio, l->policy))
			continue;
		from = s->since > runnable_since ? s->since : runnable_since;
		if (now <= from || now - from < inversion_cfg.threshold_ns)
			continue;
		if (best && s->task.prio >= best->task.prio)
			continue; /* keep the highest-priority waiter */
		best = s;
		best_from = from;
	}
	if (best) {
		struct inv_task h = best->task;

		inv_emit(c, INV_KIND_LOCK, &h, l, best->uaddr, best_from, now);
	}
}

/*
 * sched_switch, switch-in of `next`, which was runnable since `runnable_since` (0: it was not
 * waiting). Runs only for waits of at least the threshold.
 */
static __always_inline void inversion_switch_in(struct task_struct *next, struct switch_args *a, __u64 runnable_since,
						__u64 now, bool btf)
{
	__u32 zero = 0;
	struct inv_cpu *c;
	struct inv_task w;

	if (!inversion_cfg.detect || !runnable_since || now <= runnable_since ||
	    now - runnable_since < inversion_cfg.threshold_ns)
		return;
	c = bpf_map_lookup_elem(&inv_cpu, &zero);
	if (!c)
		return;
	w.tid = a->next_tid;
	w.tgid = a->next_tgid;
	w.prio = a->next_prio;
	w.policy = inv_policy(next, btf);
	bpf_probe_read_kernel(w.comm, sizeof(w.comm), __builtin_preserve_access_index(&next->comm));
	if (inversion_cfg.detect & INV_RUNQ)
		inv_emit(c, INV_KIND_RUNQ, &w, NULL, 0, runnable_since, now);
	if (inversion_cfg.detect & INV_LOCK)
		inv_check_lock(c, &w, runnable_since, now);
}

/* glibc's struct __pthread_mutex_s, the part we read (x86-64 and every 64-bit glibc target). */
struct glibc_mutex {
	int lock;            /* 0 free, 1 locked, 2 locked with waiters */
	unsigned int count;  /* recursion depth */
	int owner;           /* the owner's thread id, written after it took the lock */
	unsigned int nusers;
	int kind;            /* PTHREAD_MUTEX_* type and flags */
};

#define FUTEX_WAIT 0
#define FUTEX_WAIT_BITSET 9
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
/* glibc mutex kind flags that change the protocol: robust (16), priority inheritance (32),
 * priority protection (64). Without them, waiters sleep in FUTEX_WAIT on value 2. */
#define GLIBC_MUTEX_PROTOCOL_BITS 0x70

/*
 * futex() entry, on the calling thread (H). Only a wait on value 2 (glibc's contended-lock
 * value) on a word that reads as a plain glibc mutex with an owner is registered.
 */
static __always_inline void inversion_futex_enter(struct task_struct *task, __u64 uaddr, __u64 op, __u64 val, bool btf)
{
	__u32 cmd = op & ~(__u64)(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
	struct inv_owner *o, blank = {};
	struct inv_stats *stats;
	struct glibc_mutex m;
	struct inv_wait wait;
	struct inv_waiter *s;
	__u32 tid, tgid, owner;
	__u64 now;

	if ((cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET) || (__u32)val != 2)
		return;
	if (bpf_probe_read_user(&m, sizeof(m), (void *)uaddr))
		return;
	tid = btf ? task->pid : BPF_CORE_READ(task, pid);
	if (m.owner <= 0 || (__u32)m.owner == tid || !m.lock || (m.kind & GLIBC_MUTEX_PROTOCOL_BITS))
		return;
	tgid = btf ? task->tgid : BPF_CORE_READ(task, tgid);
	if (filtered_out(tid, tgid))
		return;
	owner = m.owner;
	o = bpf_map_lookup_elem(&lock_owners, &owner);
	if (!o) {
		bpf_map_update_elem(&lock_owners, &owner, &blank, BPF_NOEXIST);
		o = bpf_map_lookup_elem(&lock_owners, &owner);
		if (!o)
			goto dropped;
	}
	for (__u32 i = 0; i < INV_WAITERS; i++) {
		s = &o->w[i];
		if (s->task.tid == 0 && __sync_val_compare_and_swap(&s->task.tid, 0, tid) == 0) {
			now = bpf_ktime_get_ns();
			s->task.tgid = tgid;
			s->task.prio = btf ? task->prio : BPF_CORE_READ(task, prio);
			s->task.policy = inv_policy(task, btf);
			bpf_get_current_comm(s->task.comm, sizeof(s->task.comm));
			s->uaddr = uaddr;
			s->private = (op & FUTEX_PRIVATE_FLAG) != 0;
			s->since = now; /* last: the slot counts from here */
			wait.owner = owner;
			wait.slot = i;
			if (bpf_map_update_elem(&lock_waiters, &tid, &wait, BPF_ANY)) {
				s->since = 0;
				s->task.tid = 0;
				goto dropped;
			}
			return;
		}
	}
dropped:
	stats = inv_stats_here();
	if (stats)
		stats->waits_dropped++;
}

/* futex() exit, on the same thread: it no longer waits. */
static __always_inline void inversion_futex_exit(__u32 tid)
{
	struct inv_wait *wait = bpf_map_lookup_elem(&lock_waiters, &tid);
	struct inv_owner *o;
	struct inv_waiter *s;

	if (!wait)
		return;
	o = bpf_map_lookup_elem(&lock_owners, &wait->owner);
	if (o) {
		s = &o->w[wait->slot & (INV_WAITERS - 1)];
		if (s->task.tid == tid) {
			s->since = 0;
			__sync_val_compare_and_swap(&s->task.tid, tid, 0);
		}
	}
	bpf_map_delete_elem(&lock_waiters, &tid);
}

/* raw_syscalls: every syscall passes here; anything but futex leaves at the first compare. */
SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter_btf, struct pt_regs *regs, long id)
{
	struct task_struct *task;

	if (id != inversion_cfg.futex_nr)
		return 0;
	task = bpf_get_current_task_btf();
	inversion_futex_enter(task, regs->di, regs->si, regs->dx, true);
	return 0;
}

SEC("raw_tp/sys_enter")
int BPF_PROG(sys_enter_raw, struct pt_regs *regs, long id)
{
	if (id != inversion_cfg.futex_nr)
		return 0;
	inversion_futex_enter((struct task_struct *)bpf_get_current_task(), BPF_CORE_READ(regs, di),
			      BPF_CORE_READ(regs, si), BPF_CORE_READ(regs, dx), false);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit_btf, struct pt_regs *regs, long ret)
{
	if (regs->orig_ax != inversion_cfg.futex_nr)
		return 0;
	inversion_futex_exit((__u32)bpf_get_current_pid_tgid());
	return 0;
}

SEC("raw_tp/sys_exit")
int BPF_PROG(sys_exit_raw, struct pt_regs *regs, long ret)
{
	if (BPF_CORE_READ(regs, orig_ax) != inversion_cfg.futex_nr)
		return 0;
	inversion_futex_exit((__u32)bpf_get_current_pid_tgid());
	return 0;
}

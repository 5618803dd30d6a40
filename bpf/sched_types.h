/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel types SchedTrace reads, declared by hand instead of a generated vmlinux.h.
 * preserve_access_index makes every field access a CO-RE relocation: libbpf rewrites the
 * offsets at load time from the running kernel's BTF, so declaring only the fields we use,
 * in any order, is enough and the object stays portable across kernel builds.
 */
#pragma once

#include <linux/types.h>
#include <stdbool.h>

#define TASK_RUNNING 0
#define TASK_INTERRUPTIBLE 0x0001
#define TASK_UNINTERRUPTIBLE 0x0002
#define PF_EXITING 0x00000004

struct cfs_rq;

struct sched_entity {
	unsigned long long sum_exec_runtime;
	struct cfs_rq *cfs_rq; /* CONFIG_FAIR_GROUP_SCHED: the cfs_rq the task is queued on */
} __attribute__((preserve_access_index));

/* A CPU's run queue (kernel/sched/sched.h), and the fair class's part of it. */
struct rq;

struct cfs_rq {
	unsigned int h_nr_queued;   /* 6.14+: tasks queued in this hierarchy, delayed ones included */
	unsigned int h_nr_runnable; /* 6.14+: ...and those of them that are runnable */
	struct rq *rq;
} __attribute__((preserve_access_index));

struct rq {
	unsigned int nr_running;
	struct cfs_rq cfs;
} __attribute__((preserve_access_index));

/* 6.13 counted the delayed tasks themselves. */
struct cfs_rq___6_13 {
	unsigned int h_nr_delayed;
} __attribute__((preserve_access_index));

struct rq___6_13 {
	struct cfs_rq___6_13 cfs;
} __attribute__((preserve_access_index));

struct thread_info {
	unsigned int cpu;
} __attribute__((preserve_access_index));

struct task_struct {
	struct thread_info thread_info;
	unsigned int __state;
	unsigned int flags;
	int prio;
	int static_prio;
	int normal_prio;
	unsigned int rt_priority;
	unsigned int policy;
	int pid;
	int tgid;
	unsigned long long start_time;
	unsigned long nvcsw;  /* the kernel's voluntary switch count (/proc/<pid>/status) */
	unsigned long nivcsw; /* ...and involuntary */
	char comm[16];
	struct sched_entity se;
	struct task_struct *group_leader;
} __attribute__((preserve_access_index));

/* Before 5.14 the state field was `long state`; CO-RE picks whichever the kernel has. */
struct task_struct___pre_5_14 {
	long state;
} __attribute__((preserve_access_index));

/* The registers a syscall tracepoint hands over (x86-64 layout; see measures/inversion.bpf.h). */
struct pt_regs {
	unsigned long dx;
	unsigned long si;
	unsigned long di;
	unsigned long orig_ax;
} __attribute__((preserve_access_index));

/* What an iter/task program receives for each task (NULL task: the walk has ended). */
struct bpf_iter_meta {
	void *seq;
} __attribute__((preserve_access_index));

struct bpf_iter__task {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
} __attribute__((preserve_access_index));

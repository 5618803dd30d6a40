// Priority-inversion scenarios with real priorities, for the kernel tests:
//   inversion_workload MODE WORK_CPU HOME_CPU SPIN_MS
// MODE lock:     SCHED_FIFO low (10) < medium (20) < high (30) on WORK_CPU; low holds a normal
//                pthread mutex, high blocks on it, medium spins SPIN_MS while low waits.
// MODE pi:       the same with a priority-inheritance mutex (the kernel boosts low).
// MODE equal:    the same with all three at SCHED_FIFO 20.
// MODE runqueue: a SCHED_FIFO 10 spinner and a SCHED_OTHER spinner on WORK_CPU, SPIN_MS each.
// MODE storm:    SCHED_OTHER spinners at nice 0, 1 and 2 on WORK_CPU for SPIN_MS.
// Prints "tids A B C" (lock/pi/equal: low medium high; runqueue: rt normal; storm: nice0 nice1
// nice2) once every thread exists, then "done" when all have finished. Threads wait for their
// turn blocked on HOME_CPU and move themselves to WORK_CPU (a timer wakeup aimed at a CPU that a
// real-time spinner holds can be delayed); every spinner is bounded in time.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int work_cpu, home_cpu;
static long spin_ms;
static pthread_mutex_t mtx;
static sem_t go[3];
static volatile int tids[3];
static volatile int locked, m_done;

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void die(const char *what)
{
	fprintf(stderr, "inversion_workload: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
}

static void fifo(int prio)
{
	struct sched_param p = { .sched_priority = prio };

	if (prio && sched_setscheduler(0, SCHED_FIFO, &p))
		die("sched_setscheduler");
}

static void spin_for(long ms)
{
	long end = now_ms() + ms;

	while (now_ms() < end)
		;
}

struct role {
	int index;
	int prio; /* SCHED_FIFO priority, 0: SCHED_OTHER */
	int nice;
	const char *name;
	void (*body)(void);
};

static void low(void)
{
	long limit;

	pthread_mutex_lock(&mtx);
	locked = 1;
	/* Holds the lock until medium has spun (or, when boosted above medium, for as long as
	 * medium would have), yielding so that an equal-priority thread can run. */
	limit = now_ms() + spin_ms + 200;
	while (!m_done && now_ms() < limit)
		sched_yield();
	pthread_mutex_unlock(&mtx);
}

static void high(void)
{
	pthread_mutex_lock(&mtx);
	pthread_mutex_unlock(&mtx);
}

static void medium(void)
{
	spin_for(spin_ms);
	m_done = 1;
}

static void spinner(void)
{
	spin_for(spin_ms);
}

static void *run(void *arg)
{
	struct role *r = arg;

	prctl(PR_SET_NAME, r->name);
	pin(home_cpu);
	fifo(r->prio);
	if (r->nice && setpriority(PRIO_PROCESS, 0, r->nice))
		die("setpriority");
	tids[r->index] = syscall(SYS_gettid);
	while (sem_wait(&go[r->index]) && errno == EINTR)
		;
	pin(work_cpu);
	r->body();
	return NULL;
}

static char state_of(int tid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	f = fopen(path, "r");
	if (!f)
		return '?';
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] && p[2] ? p[2] : '?';
}

static void wait_until(int (*cond)(void), const char *what)
{
	long limit = now_ms() + 5000;

	while (!cond()) {
		if (now_ms() > limit) {
			fprintf(stderr, "inversion_workload: timed out waiting until %s\n", what);
			exit(3);
		}
		usleep(1000);
	}
}

static int all_started(void) { return tids[0] && tids[1] && tids[2]; }
static int low_locked(void) { return locked; }
static int high_blocked(void) { char s = state_of(tids[2]); return s == 'S' || s == 'D'; }

int main(int argc, char **argv)
{
	struct role roles[3];
	pthread_mutexattr_t attr;
	pthread_t threads[3];
	const char *mode;
	int n = 3;

	if (argc != 5) {
		fprintf(stderr, "usage: inversion_workload lock|pi|equal|runqueue|storm WORK_CPU HOME_CPU SPIN_MS\n");
		return 2;
	}
	mode = argv[1];
	work_cpu = atoi(argv[2]);
	home_cpu = atoi(argv[3]);
	spin_ms = atol(argv[4]);
	if (spin_ms <= 0 || spin_ms > 3000) {
		fprintf(stderr, "inversion_workload: SPIN_MS must be 1..3000\n");
		return 2;
	}
	pin(home_cpu);
	pthread_mutexattr_init(&attr);
	if (!strcmp(mode, "pi") && pthread_mutexattr_setprotocol(&attr, PTHREAD_PRIO_INHERIT))
		die("pthread_mutexattr_setprotocol");
	pthread_mutex_init(&mtx, &attr);

	if (!strcmp(mode, "lock") || !strcmp(mode, "pi") || !strcmp(mode, "equal")) {
		int eq = !strcmp(mode, "equal");

		roles[0] = (struct role){ 0, eq ? 20 : 10, 0, "inv-low", low };
		roles[1] = (struct role){ 1, 20, 0, "inv-medium", medium };
		roles[2] = (struct role){ 2, eq ? 20 : 30, 0, "inv-high", high };
	} else if (!strcmp(mode, "runqueue")) {
		roles[0] = (struct role){ 0, 10, 0, "inv-rt", spinner };
		roles[1] = (struct role){ 1, 0, 0, "inv-normal", spinner };
		n = 2;
		tids[2] = -1;
	} else if (!strcmp(mode, "storm")) {
		roles[0] = (struct role){ 0, 0, 0, "inv-nice0", spinner };
		roles[1] = (struct role){ 1, 0, 1, "inv-nice1", spinner };
		roles[2] = (struct role){ 2, 0, 2, "inv-nice2", spinner };
	} else {
		fprintf(stderr, "inversion_workload: unknown mode %s\n", mode);
		return 2;
	}
	for (int i = 0; i < 3; i++)
		sem_init(&go[i], 0, 0);
	for (int i = 0; i < n; i++)
		if (pthread_create(&threads[i], NULL, run, &roles[i]))
			die("pthread_create");
	wait_until(all_started, "every thread has started");
	if (n == 2)
		printf("tids %d %d\n", tids[0], tids[1]);
	else
		printf("tids %d %d %d\n", tids[0], tids[1], tids[2]);
	fflush(stdout);

	if (!strcmp(mode, "runqueue")) {
		sem_post(&go[1]); /* the normal spinner first, then the real-time one takes over */
		usleep(20000);
		sem_post(&go[0]);
	} else if (!strcmp(mode, "storm")) {
		for (int i = 0; i < 3; i++)
			sem_post(&go[i]);
	} else {
		sem_post(&go[0]);
		wait_until(low_locked, "low holds the mutex");
		sem_post(&go[2]);
		wait_until(high_blocked, "high is blocked on the mutex");
		sem_post(&go[1]);
	}
	for (int i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
	printf("done\n");
	return 0;
}

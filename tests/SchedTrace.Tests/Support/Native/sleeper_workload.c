// A sleeper for the off-CPU and schedule()-time tests, with nothing else in it:
//   sleeper_workload SLEEPS SLEEP_US [signals CPU]
// Prints "ready" once it is set up, then for each line on stdin sleeps SLEEPS times SLEEP_US
// (clock_nanosleep to an absolute deadline, so an interrupted sleep still ends at its deadline)
// and prints "done SIGNALS INTERRUPTS": the signals its handler ran and the sleep calls they
// cut short. Between rounds it is blocked reading stdin. The measured thread is the main thread
// (tid = pid).
//
// Plain, it is one thread that no one signals: every switch-out in a round is one of its sleeps
// or a preemption.
//
// With "signals" it sleeps pinned to CPU and gets one SIGUSR1 (handler installed, SA_RESTART)
// on its way into each sleep: before each sleep it wakes a SCHED_FIFO sender thread on another
// CPU and busy-waits until the sender is running; the sender then waits 0 to 3 us (a little
// longer each time), wakes a SCHED_FIFO thread pinned to CPU and sends the signal. The signal
// lands anywhere from the syscall's entry to the sleep itself; the real-time wakeup makes the
// sleeper's next schedule() call switch, so a call that finds the signal pending and puts the
// sleeper back to TASK_RUNNING (try_to_block_task()) still switches out. The round ends only
// once the sender is idle again, so no signal reaches the sleeper between rounds.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t handled;
static int round_on, armed, sender_idle = 1;
static sem_t sender_go, waker_go;
static pid_t sleeper_tid;
static int work_cpu, signals;

static void die(const char *what)
{
	fprintf(stderr, "sleeper_workload: %s: %s\n", what, strerror(errno));
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

static long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void spin_ns(long ns)
{
	long end = now_ns() + ns;

	while (now_ns() < end)
		;
}

static void on_signal(int signo)
{
	(void)signo;
	handled++;
}

/* Runs for an instant after each wakeup, ahead of any normal task on CPU. */
static void *waker(void *arg)
{
	struct sched_param p = { .sched_priority = 1 };

	(void)arg;
	pin(work_cpu);
	if (sched_setscheduler(0, SCHED_FIFO, &p))
		die("sched_setscheduler");
	for (;;)
		while (sem_wait(&waker_go) && errno == EINTR)
			;
	return NULL;
}

static void *sender(void *arg)
{
	struct sched_param p = { .sched_priority = 1 };
	pid_t pid = getpid();
	long delay_ns = 0;

	(void)arg;
	pin(work_cpu == 0 ? 1 : 0);
	if (sched_setscheduler(0, SCHED_FIFO, &p))
		die("sched_setscheduler");
	for (;;) {
		while (sem_wait(&sender_go) && errno == EINTR)
			;
		if (!__atomic_load_n(&round_on, __ATOMIC_ACQUIRE)) {
			__atomic_store_n(&sender_idle, 1, __ATOMIC_RELEASE);
			continue;
		}
		/* The sleeper goes on once it sees this, and is in clock_nanosleep() a moment later. */
		__atomic_store_n(&armed, 1, __ATOMIC_RELEASE);
		delay_ns = (delay_ns + 37) % 3000;
		spin_ns(delay_ns);
		sem_post(&waker_go);
		syscall(SYS_tgkill, pid, sleeper_tid, SIGUSR1);
	}
	return NULL;
}

static long sleep_round(int sleeps, long sleep_us)
{
	struct timespec deadline;
	long interrupts = 0;
	int i, r;

	for (i = 0; i < sleeps; i++) {
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_nsec += (sleep_us % 1000000) * 1000;
		deadline.tv_sec += sleep_us / 1000000 + deadline.tv_nsec / 1000000000;
		deadline.tv_nsec %= 1000000000;
		if (signals) {
			/* Busy-waits for the sender to be on its CPU, ready to send. */
			__atomic_store_n(&armed, 0, __ATOMIC_RELAXED);
			sem_post(&sender_go);
			while (!__atomic_load_n(&armed, __ATOMIC_ACQUIRE))
				;
		}
		while ((r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL)) == EINTR)
			interrupts++;
		if (r)
			die("clock_nanosleep");
	}
	return interrupts;
}

int main(int argc, char **argv)
{
	int sleeps;
	long sleep_us;
	char line[64];
	pthread_t t;

	if (argc != 3 && !(argc == 5 && !strcmp(argv[3], "signals"))) {
		fprintf(stderr, "usage: sleeper_workload SLEEPS SLEEP_US [signals CPU]\n");
		return 2;
	}
	sleeps = atoi(argv[1]);
	sleep_us = atol(argv[2]);
	sleeper_tid = syscall(SYS_gettid);
	if (argc == 5) {
		struct sigaction sa;

		work_cpu = atoi(argv[4]);
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sa.sa_flags = SA_RESTART;
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGUSR1, &sa, NULL))
			die("sigaction");
		if (sem_init(&sender_go, 0, 0) || sem_init(&waker_go, 0, 0))
			die("sem_init");
		if (pthread_create(&t, NULL, waker, NULL) || pthread_create(&t, NULL, sender, NULL))
			die("pthread_create");
		pin(work_cpu);
	}
	/* Every call a round makes, made once before the first round is measured. */
	sleep_round(1, 1);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	while (fgets(line, sizeof(line), stdin)) {
		long interrupts;
		int before = handled;

		if (argc == 5) {
			__atomic_store_n(&round_on, 1, __ATOMIC_RELEASE);
			signals = 1;
		}
		interrupts = sleep_round(sleeps, sleep_us);
		if (argc == 5) {
			signals = 0;
			__atomic_store_n(&sender_idle, 0, __ATOMIC_RELAXED);
			__atomic_store_n(&round_on, 0, __ATOMIC_RELEASE);
			sem_post(&sender_go);
			/* Busy-waits: the round's switches are its sleeps, not a wait for the sender. */
			while (!__atomic_load_n(&sender_idle, __ATOMIC_ACQUIRE))
				;
		}
		printf("done %d %ld\n", handled - before, interrupts);
	}
	return 0;
}

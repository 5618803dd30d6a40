// Spinners for the run-queue length tests: COUNT processes pinned to CPU, each spinning in user
// space (no syscall, no sleep: runnable from start to end) for at most SECONDS, so a test that
// dies leaves nothing behind for long; SCHED_FIFO at FIFO_PRIORITY when one is given. Prints
// "ready PID..." once every spinner exists; the parent then sleeps in waitpid (never runnable
// while they spin).
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t); // the vDSO: no syscall, no switch
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: pinned_spinners CPU COUNT SECONDS [FIFO_PRIORITY]\n");
		return 2;
	}
	int cpu = atoi(argv[1]), count = atoi(argv[2]);
	double end = now() + atof(argv[3]);
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0) { // the children inherit it
		perror("sched_setaffinity");
		return 1;
	}
	if (argc == 5) {
		struct sched_param param = { .sched_priority = atoi(argv[4]) };
		if (sched_setscheduler(0, SCHED_FIFO, &param) != 0) { // the children inherit it too
			perror("sched_setscheduler");
			return 1;
		}
	}
	printf("ready");
	for (int i = 0; i < count; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			while (now() < end)
				;
			_exit(0);
		}
		printf(" %d", pid);
	}
	printf("\n");
	fflush(stdout);
	while (wait(NULL) > 0)
		;
	return 0;
}

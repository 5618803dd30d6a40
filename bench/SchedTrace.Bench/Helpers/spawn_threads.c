// Many live threads for the snapshot benchmark: `spawn_threads N`.
// Creates N threads that block on a futex and prints "ready N". Each line "go" on stdin makes
// every thread run once (one switch in and out, so a running session puts it in its table) and
// block again; when all have run it prints "ran N". EOF on stdin (or the parent dying) makes
// every thread return; the process joins them all, prints "done" and exits 0.
#define _GNU_SOURCE
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int generation;           /* -1: stop; otherwise bumped by each "go" */
static int ran;                  /* threads that have run since the last "go" */

static void futex_wait(int *addr, int expected)
{
	syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

static void futex_wake_all(int *addr)
{
	syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

static void *worker(void *arg)
{
	int seen = 0;

	(void)arg;
	for (;;) {
		int now = __atomic_load_n(&generation, __ATOMIC_ACQUIRE);
		if (now < 0)
			return NULL;
		if (now == seen) {
			futex_wait(&generation, now);
			continue;
		}
		seen = now;
		__atomic_add_fetch(&ran, 1, __ATOMIC_ACQ_REL);
	}
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 0;
	pthread_t *threads = calloc(n > 0 ? n : 1, sizeof(*threads));
	pthread_attr_t attr;
	char line[64];
	int created = 0;

	if (n <= 0 || !threads) {
		fprintf(stderr, "usage: spawn_threads N (N > 0)\n");
		return 2;
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (; created < n; created++) {
		int err = pthread_create(&threads[created], &attr, worker, NULL);
		if (err) {
			fprintf(stderr, "pthread_create %d of %d: %s\n", created + 1, n, strerror(err));
			break;
		}
	}
	if (created == n) {
		printf("ready %d\n", n);
		fflush(stdout);
		while (fgets(line, sizeof(line), stdin) && strncmp(line, "go", 2) == 0) {
			__atomic_store_n(&ran, 0, __ATOMIC_RELEASE);
			__atomic_add_fetch(&generation, 1, __ATOMIC_ACQ_REL);
			futex_wake_all(&generation);
			while (__atomic_load_n(&ran, __ATOMIC_ACQUIRE) < n)
				usleep(1000);
			printf("ran %d\n", n);
			fflush(stdout);
		}
	}
	__atomic_store_n(&generation, -1, __ATOMIC_RELEASE);
	futex_wake_all(&generation);
	for (int i = 0; i < created; i++)
		pthread_join(threads[i], NULL);
	printf("done\n");
	fflush(stdout);
	return created == n ? 0 : 1;
}

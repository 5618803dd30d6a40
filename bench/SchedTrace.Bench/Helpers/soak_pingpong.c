// Steady load for the soak run: `soak_pingpong CPU`. Two threads pinned to one CPU pass a byte
// back and forth over two pipes, as `perf bench sched pipe -T` does, for as long as the process
// lives: every round trip is two wakeups and two switches. Prints "ready PID" once both threads
// are blocked on their pipes; the line "go" on stdin starts the ping-pong. The harness freezes
// it with SIGSTOP before its final readings. EOF on stdin ends the process.
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static int to_ping[2], to_pong[2];
static int cpu;

static void pin(const char *name)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof set, &set) != 0) {
		perror("soak_pingpong: sched_setaffinity");
		exit(1);
	}
	prctl(PR_SET_NAME, name);
}

static void *bounce(void *argument)
{
	int from = ((int *)argument)[0], to = ((int *)argument)[1];
	char byte;

	pin(to == to_pong[1] ? "soak-ping" : "soak-pong");
	while (read(from, &byte, 1) == 1) {
		if (write(to, &byte, 1) != 1)
			break;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static int ping_ends[2], pong_ends[2];
	pthread_t ping, pong;
	char line[64];

	cpu = argc > 1 ? atoi(argv[1]) : 0;
	if (pipe(to_ping) != 0 || pipe(to_pong) != 0) {
		perror("soak_pingpong: pipe");
		return 1;
	}
	ping_ends[0] = to_ping[0];
	ping_ends[1] = to_pong[1];
	pong_ends[0] = to_pong[0];
	pong_ends[1] = to_ping[1];
	if (pthread_create(&ping, NULL, bounce, ping_ends) != 0 || pthread_create(&pong, NULL, bounce, pong_ends) != 0) {
		perror("soak_pingpong: pthread_create");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready %d\n", getpid());
	while (fgets(line, sizeof line, stdin)) {
		if (strcmp(line, "go\n") == 0 && write(to_ping[1], "x", 1) != 1) {
			perror("soak_pingpong: write");
			return 1;
		}
	}
	return 0;
}

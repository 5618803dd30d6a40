// Many threads that start and exit one after another: `exited_threads`. Prints "ready", then
// for each line N on stdin creates N threads in turn, each joined before the next starts (so
// few are alive at once and each has a new thread id), and prints "done N". Exits 0 at EOF.
// A running CPU-time session keeps every thread that exits until a reading sees it freed, so
// N larger than its task table fills the table.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static void *run(void *argument)
{
	return argument;
}

int main(void)
{
	pthread_attr_t attributes;
	char line[64];

	pthread_attr_init(&attributes);
	pthread_attr_setstacksize(&attributes, 64 * 1024);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	while (fgets(line, sizeof line, stdin)) {
		long count = strtol(line, NULL, 10);
		for (long i = 0; i < count; i++) {
			pthread_t thread;
			if (pthread_create(&thread, &attributes, run, NULL) != 0 || pthread_join(thread, NULL) != 0) {
				perror("exited_threads");
				return 1;
			}
		}
		printf("done %ld\n", count);
	}
	return 0;
}

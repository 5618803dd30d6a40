// Start to tracing, measured from outside: `start_to_tracing HOOKS COMMAND [ARGS...]`.
// Runs COMMAND on a pseudo-terminal (so every tool writes as it would to a user's terminal) and
// prints "start_to_tracing_ns=N maxrss_kib=N status=N wall_ns=N" when it has exited:
// - start_to_tracing_ns: from just before the fork to the first moment the process holds HOOKS
//   attached BPF hooks: fds that BPF_TASK_FD_QUERY reports as a tracepoint, raw tracepoint
//   (tp_btf and raw_tp links) or perf event with a program. The kernel is asked directly, so it
//   is the same measure for every tool whatever it prints. Polled every 200 µs (the resolution);
//   -1 if the count was never reached.
// - maxrss_kib: the process's peak resident set (wait4's ru_maxrss).
// - status: its wait status (0: exited 0).
// COMMAND's output is thrown away, unless it failed: then its last 4 KiB go to stderr.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <poll.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Attached hooks the process holds now. */
static int attached_hooks(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", pid);
    DIR *dir = opendir(path);
    if (!dir)
        return 0;
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir))) {
        if (entry->d_name[0] == '.')
            continue;
        char name[256];
        union bpf_attr attr;
        memset(&attr, 0, sizeof attr);
        attr.task_fd_query.pid = pid;
        attr.task_fd_query.fd = atoi(entry->d_name);
        attr.task_fd_query.buf = (unsigned long)name;
        attr.task_fd_query.buf_len = sizeof name;
        if (syscall(__NR_bpf, BPF_TASK_FD_QUERY, &attr, sizeof attr) == 0 && attr.task_fd_query.prog_id != 0)
            count++;
    }
    closedir(dir);
    return count;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: start_to_tracing HOOKS COMMAND [ARGS...]\n");
        return 2;
    }
    int hooks = atoi(argv[1]);
    int master;
    long long start = now_ns();
    pid_t pid = forkpty(&master, NULL, NULL, NULL);
    if (pid < 0) {
        perror("forkpty");
        return 1;
    }
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        perror(argv[2]);
        _exit(127);
    }
    fcntl(master, F_SETFL, O_NONBLOCK);
    char tail[4096];
    size_t tail_len = 0;
    long long traced = -1;
    for (;;) {
        if (traced < 0 && attached_hooks(pid) >= hooks)
            traced = now_ns() - start;
        struct pollfd fd = { .fd = master, .events = POLLIN };
        int ready = poll(&fd, 1, traced < 0 ? 0 : 100);
        if (ready < 0 && errno != EINTR)
            break;
        if (ready > 0) {
            char buffer[4096];
            ssize_t n = read(master, buffer, sizeof buffer);
            if (n <= 0 && errno != EAGAIN)
                break; /* EIO: the terminal's last user is gone */
            if (n > 0) {
                if ((size_t)n >= sizeof tail) {
                    memcpy(tail, buffer + n - sizeof tail, sizeof tail);
                    tail_len = sizeof tail;
                } else {
                    size_t keep = tail_len + n > sizeof tail ? sizeof tail - n : tail_len;
                    memmove(tail, tail + tail_len - keep, keep);
                    memcpy(tail + keep, buffer, n);
                    tail_len = keep + n;
                }
            }
        }
        if (traced < 0) {
            struct timespec pause = { 0, 200000 };
            nanosleep(&pause, NULL);
        }
    }
    int status;
    struct rusage usage;
    if (wait4(pid, &status, 0, &usage) < 0) {
        perror("wait4");
        return 1;
    }
    long long wall = now_ns() - start;
    if (status != 0 || traced < 0)
        fprintf(stderr, "%.*s\n", (int)tail_len, tail);
    printf("start_to_tracing_ns=%lld maxrss_kib=%ld status=%d wall_ns=%lld\n", traced, usage.ru_maxrss, status, wall);
    return 0;
}

namespace SchedTrace.Tests.Support;

/// <summary>The kernel's own accounting, read from /proc: the oracle the tests compare against.</summary>
public static class ProcFs
{
    /// <summary>Context switches on all CPUs since boot (/proc/stat "ctxt").</summary>
    public static long SystemContextSwitches()
    {
        foreach (var line in File.ReadLines("/proc/stat"))
        {
            if (line.StartsWith("ctxt ", StringComparison.Ordinal))
            {
                return long.Parse(line[5..].Trim());
            }
        }
        throw new InvalidOperationException("/proc/stat has no ctxt line");
    }

    /// <summary>
    /// Switches made by the threads of PID 1 since they started (their own counters). On the
    /// Firecracker VMs this project is tested on, the kernel counts them in ctxt but never fires
    /// sched_switch for them (see <see cref="UntracedSwitchIns"/>), so a traced machine-wide count
    /// falls short of ctxt by up to this much over the same window. A thread that exits between
    /// the listing and the read is left out.
    /// </summary>
    public static long PidOneSwitches()
    {
        long sum = 0;
        foreach (var task in Directory.EnumerateDirectories("/proc/1/task"))
        {
            try
            {
                var (voluntary, involuntary) = StatusSwitches(Path.Combine(task, "status"));
                sum += voluntary + involuntary;
            }
            catch (IOException)
            {
            }
        }
        return sum;
    }

    /// <summary>A thread's voluntary and nonvoluntary switch counts (nvcsw, nivcsw).</summary>
    public static (long Voluntary, long Involuntary) ThreadSwitches(int tid) =>
        StatusSwitches($"/proc/{Environment.ProcessId}/task/{tid}/status");

    public static (long Voluntary, long Involuntary) StatusSwitches(string statusPath)
    {
        long voluntary = -1, involuntary = -1;
        foreach (var line in File.ReadLines(statusPath))
        {
            if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal))
            {
                voluntary = long.Parse(line.Split(':')[1].Trim());
            }
            else if (line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
            {
                involuntary = long.Parse(line.Split(':')[1].Trim());
            }
        }
        return (voluntary, involuntary);
    }

    /// <summary>A thread's on-CPU time in ns (first field of schedstat: se.sum_exec_runtime).</summary>
    public static long ThreadRuntimeNs(int processId, int threadId) =>
        long.Parse(File.ReadAllText($"/proc/{processId}/task/{threadId}/schedstat").Split(' ')[0]);

    /// <summary>
    /// A thread's time spent runnable on a run queue, waiting for a CPU (sched_info.run_delay, the
    /// second field of /proc/&lt;pid&gt;/task/&lt;tid&gt;/schedstat): the kernel's own run-queue latency.
    /// </summary>
    public static long ThreadRunDelayNs(int processId, int threadId) =>
        long.Parse(File.ReadAllText($"/proc/{processId}/task/{threadId}/schedstat").Split(' ')[1]);

    /// <summary>A thread's migrations between CPUs, as the kernel counts them (se.nr_migrations in
    /// /proc/&lt;pid&gt;/task/&lt;tid&gt;/sched, present on kernels with CONFIG_SCHED_DEBUG).</summary>
    public static long? ThreadMigrations(int threadId)
    {
        var path = $"/proc/{Environment.ProcessId}/task/{threadId}/sched";
        if (!File.Exists(path))
        {
            return null;
        }
        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("se.nr_migrations", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(':')[1].Trim());
            }
        }
        return null;
    }

    /// <summary>The thread ids of a process.</summary>
    public static int[] ThreadIds(int processId) =>
        Directory.GetDirectories($"/proc/{processId}/task").Select(d => int.Parse(Path.GetFileName(d))).Order().ToArray();

    /// <summary>
    /// This process's file descriptors for BPF objects (anon_inode:bpf-prog, bpf-map, bpf-link, ...).
    /// Other fds come and go with the test host; these are the ones a session could leak.
    /// </summary>
    public static int BpfFileDescriptors()
    {
        int count = 0;
        foreach (var fd in Directory.GetFiles("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget?.StartsWith("anon_inode:bpf", StringComparison.Ordinal) == true)
                {
                    count++;
                }
            }
            catch (IOException)
            {
                // closed while we listed
            }
        }
        return count;
    }
}

namespace SchedTrace.Tests.Timeline;

/// <summary>Hand-made scheduler events with known answers, for the timeline's unit tests.</summary>
internal static class Synthetic
{
    private static readonly DateTime BootUtc = new(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    internal sealed record SimTask(int Pid, int Tid, string Name, int Prio = 120);

    internal static readonly SimTask Idle = new(0, 0, "swapper");

    internal const long Sleeping = 1; // TASK_INTERRUPTIBLE: PrevState "S"

    internal static DateTime Utc(ulong ns) => BootUtc.AddTicks((long)(ns / 100));

    internal static SchedSwitchEvent Switch(ulong ns, int cpu, SimTask prev, SimTask next, ulong prevRuntimeNs = 0, long prevState = Sleeping, bool preempted = false) =>
        new(ns, Utc(ns), cpu, prev.Pid, prev.Tid, prev.Name, prev.Prio, prevState, preempted, prevRuntimeNs, next.Pid, next.Tid, next.Name, next.Prio);

    internal static SchedWakeupEvent Wakeup(ulong ns, int cpu, SimTask task, int targetCpu) =>
        new(SchedEventType.Wakeup, ns, Utc(ns), cpu, task.Pid, task.Tid, task.Name, task.Prio, targetCpu);

    internal static SchedMigrateEvent Migrate(ulong ns, int cpu, SimTask task, int from, int to) =>
        new(ns, Utc(ns), cpu, task.Pid, task.Tid, task.Name, task.Prio, from, to);

    /// <summary>
    /// A consistent random schedule: on each CPU tasks (and idle) follow one another, each switch
    /// naming the task that really was running and how long it ran; wakeups sprinkled in.
    /// </summary>
    internal static List<SchedEvent> RandomSchedule(int cpus, int switchesPerCpu, int seed)
    {
        var random = new Random(seed);
        var tasks = Enumerable.Range(0, 12).Select(i => new SimTask(1000 + i / 3 * 10, 1000 + i / 3 * 10 + i % 3, $"task{i / 3}-{i % 3}")).ToList();
        var events = new List<SchedEvent>();
        for (int cpu = 0; cpu < cpus; cpu++)
        {
            ulong t = 5_000_000_000UL + (ulong)random.Next(0, 50_000);
            var running = Idle;
            ulong since = 0; // the first task's switch-in was before the trace: runtime unknown
            for (int i = 0; i < switchesPerCpu; i++)
            {
                var next = random.Next(4) == 0 ? Idle : tasks[random.Next(tasks.Count)];
                if (next == running)
                {
                    continue;
                }
                events.Add(Switch(t, cpu, running, next, since == 0 ? 0 : t - since, prevState: random.Next(2) == 0 ? 0 : Sleeping, preempted: random.Next(3) == 0));
                if (random.Next(5) == 0)
                {
                    events.Add(Wakeup(t + 1, cpu, tasks[random.Next(tasks.Count)], random.Next(cpus)));
                }
                running = next;
                since = t;
                t += (ulong)random.Next(1_000, 2_000_000);
            }
        }
        return events;
    }
}

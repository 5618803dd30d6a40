namespace SchedTrace.Tests.Support;

/// <summary>
/// Switch-ins that the kernel never reports. On the Firecracker VMs this project is tested on,
/// the sched_switch tracepoint does not fire when a thread of PID 1 (the VM's agent) leaves a
/// CPU: ftrace shows the same gap (its threads appear as next, never as prev), so a thread that
/// takes the CPU from one of them is switched in unseen, while its switch-out is seen and
/// counted. Tests that count switch-ins ask this unfiltered companion session which of them the
/// kernel hid, and prove each one: on that CPU, the last switch the kernel reported gave the
/// CPU to a thread of PID 1, which was never reported leaving it.
/// </summary>
public sealed class UntracedSwitchIns : IDisposable
{
    private readonly SchedTraceSession session = SchedTraceSession.Start(new SchedTraceSessionOptions
    {
        Features = SchedTraceFeature.Events,
        RingBufferBytes = 64L << 20,
    });

    /// <summary>
    /// For each of <paramref name="threadIds"/>, how many of its switch-outs since this session
    /// started had no reported switch-in before them because the kernel hid it. Call once, at
    /// the end of the window (it takes the session's events).
    /// </summary>
    public IReadOnlyDictionary<int, int> Count(params int[] threadIds)
    {
        var switches = session.TakeEvents().OfType<SchedSwitchEvent>().ToList();
        if (session.LostEvents != 0)
        {
            throw new InvalidOperationException($"the companion session lost {session.LostEvents} events: it cannot tell hidden switch-ins from lost ones");
        }
        var hidden = threadIds.ToDictionary(tid => tid, _ => 0);
        var hiders = new HashSet<int>();
        var lastOnCpu = new Dictionary<int, SchedSwitchEvent>();
        foreach (var e in switches)
        {
            if (hidden.ContainsKey(e.PrevThreadId) && lastOnCpu.TryGetValue(e.Cpu, out var before) && before.NextThreadId != e.PrevThreadId)
            {
                if (before.NextProcessId != 1)
                {
                    throw new InvalidOperationException($"thread {e.PrevThreadId} left CPU {e.Cpu} at {e.TimestampNs} without a reported switch-in, and the CPU was last given to {before.NextName} ({before.NextProcessId}/{before.NextThreadId}), not to a thread of PID 1: an event was lost");
                }
                hidden[e.PrevThreadId]++;
                hiders.Add(before.NextThreadId);
            }
            lastOnCpu[e.Cpu] = e;
        }
        var seenLeaving = switches.Where(e => hiders.Contains(e.PrevThreadId)).Select(e => e.PrevThreadId).Distinct().ToList();
        if (seenLeaving.Count > 0)
        {
            throw new InvalidOperationException($"threads {string.Join(", ", seenLeaving)} of PID 1 were reported leaving a CPU, so the kernel does not hide them: the missing switch-ins were lost");
        }
        return hidden;
    }

    public void Dispose() => session.Dispose();
}

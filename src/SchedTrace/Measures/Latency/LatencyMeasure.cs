namespace SchedTrace;

/// <summary>What a latency figure measures: which two scheduler events it is the time between.</summary>
public enum LatencyMeasure
{
    /// <summary>
    /// Run-queue latency (scheduling delay): from a thread becoming runnable (woken up, or
    /// preempted while still runnable) to it running on a CPU. Time spent ready but waiting.
    /// </summary>
    RunQueue,

    /// <summary>
    /// Off-CPU time: from a thread being switched out to the same thread being switched in again,
    /// whatever it waited for (sleep, I/O, a lock, or a CPU after preemption).
    /// </summary>
    OffCpu,

    /// <summary>
    /// One call of the kernel's schedule() (__schedule()), from entry to return, in the calling
    /// thread: includes the time away from the CPU when the call switched it out.
    /// </summary>
    ScheduleCall,

    /// <summary>
    /// The handover on one CPU: from the outgoing task entering __schedule() to the incoming task
    /// returning from it. The cost of a context switch as the CPU sees it, without the wait.
    /// </summary>
    SwitchHandover,

    /// <summary>
    /// An on-CPU slice: from a thread being switched in to the same thread being switched out,
    /// i.e. how long it ran each time it got a CPU, ended by blocking or by preemption.
    /// </summary>
    OnCpu,
}

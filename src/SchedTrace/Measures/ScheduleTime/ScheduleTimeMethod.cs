namespace SchedTrace;

/// <summary>How a session times schedule() calls: the best method the kernel allows.</summary>
public enum ScheduleTimeMethod
{
    /// <summary>The session does not time schedule().</summary>
    None,

    /// <summary>fentry/fexit on schedule(): each call from entry to return, exactly what the
    /// assignment's kprobe/kretprobe pair meant. Needs a kernel that allows fentry (not in lockdown).</summary>
    FunctionExit,

    /// <summary>The sched_entry_tp/sched_exit_tp tracepoints at the start and end of __schedule()
    /// (Linux 6.16+): each __schedule() call, entry to return, including preemptions; split into calls
    /// that switched and calls that did not; and the CPU's handover from one task to the next.</summary>
    SchedTracepoints,

    /// <summary>sched_switch alone: from a thread's switch-out to its switch-in, i.e. the part of each
    /// call that switched away spent off the CPU; calls that returned without switching are not seen.</summary>
    SwitchTracepoint,
}

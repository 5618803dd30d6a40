using System.Diagnostics;

namespace SchedTrace.Engine;

/// <summary>Kernel monotonic nanoseconds to UTC, from one pair of readings taken at session start.</summary>
internal sealed class SchedClock
{
    private readonly DateTime utcAtStart;
    private readonly ulong monotonicAtStart;

    internal SchedClock()
    {
        // CLOCK_MONOTONIC is what bpf_ktime_get_ns reads, and what Stopwatch reads on Linux.
        monotonicAtStart = MonotonicNow();
        utcAtStart = DateTime.UtcNow;
    }

    /// <summary>When the clock was made (CLOCK_MONOTONIC ns): a session makes it once every hook is attached.</summary>
    internal ulong MonotonicAtStart => monotonicAtStart;

    internal static ulong MonotonicNow() => (ulong)(Stopwatch.GetTimestamp() * (1_000_000_000.0 / Stopwatch.Frequency));

    internal DateTime ToUtc(ulong monotonicNs) =>
        utcAtStart.AddTicks(((long)monotonicNs - (long)monotonicAtStart) / 100);
}

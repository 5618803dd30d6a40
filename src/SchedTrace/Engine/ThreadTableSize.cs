namespace SchedTrace.Engine;

/// <summary>Entries of a table keyed by thread id, and whether they are allocated as they are used.</summary>
internal readonly record struct ThreadTableSize(uint MaxEntries, bool AllocateOnUse)
{
    /// <summary>
    /// Four times the threads alive now, at least 16,384, never more than pid_max. A snapshot
    /// reads such a table in batches, and the batches visit every hash bucket, so a table sized
    /// to a pid_max of 4,194,304 (systemd's default on many distributions) would cost
    /// milliseconds per snapshot even when nearly empty. From 6.1 the kernel allocates entries
    /// as they are used; older kernels preallocate, so there the table is also capped at 65,536.
    /// </summary>
    internal static ThreadTableSize ForThisMachine(uint? entries = null)
    {
        uint wanted = entries ?? Math.Min(KernelFeatures.PidMax(), Math.Max(16_384u, 4 * KernelFeatures.ThreadCount()));
        return KernelFeatures.KernelVersion() >= new Version(6, 1)
            ? new ThreadTableSize(wanted, AllocateOnUse: true)
            : new ThreadTableSize(entries ?? Math.Min(wanted, 65_536u), AllocateOnUse: false);
    }
}

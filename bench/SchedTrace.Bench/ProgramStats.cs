using System.Runtime.InteropServices;
using SchedTrace.Interop;

namespace SchedTrace.Bench;

/// <summary>
/// One BPF program's kernel statistics at one instant. run_time_ns and run_cnt only advance
/// while kernel.bpf_stats_enabled is 1; a cost per event is the ratio of two deltas.
/// </summary>
internal readonly record struct ProgramStats(uint Id, string Name, string Type, ulong RunTimeNs, ulong RunCount)
{
    /// <summary>Reads the statistics of a program through an fd the caller holds.</summary>
    internal static unsafe ProgramStats ReadByFd(int fd)
    {
        var info = default(BpfProgInfo);
        uint length = (uint)sizeof(BpfProgInfo);
        if (LibBpf.bpf_obj_get_info_by_fd(fd, (nint)(&info), ref length) != 0)
        {
            throw new InvalidOperationException($"bpf_obj_get_info_by_fd({fd}) failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
        var name = new ReadOnlySpan<byte>(info.Name, BpfProgInfo.NameLength);
        int end = name.IndexOf((byte)0);
        return new ProgramStats(
            info.Id,
            System.Text.Encoding.UTF8.GetString(end < 0 ? name : name[..end]),
            TypeName(info.Type),
            info.RunTimeNs,
            info.RunCount);
    }

    /// <summary>Reads the statistics of any loaded program (another process's) by its id.</summary>
    /// <summary>The program's statistics, or null if it no longer exists.</summary>
    internal static ProgramStats? TryReadById(uint id)
    {
        int fd = Native.bpf_prog_get_fd_by_id(id);
        if (fd < 0)
        {
            return null;
        }
        try
        {
            return ReadByFd(fd);
        }
        finally
        {
            Native.close(fd);
        }
    }

    // enum bpf_prog_type, the values a scheduler tracer can have.
    private static string TypeName(uint type) => type switch
    {
        5 => "tracepoint",
        17 => "raw_tracepoint",
        26 => "tracing",
        _ => $"type {type}",
    };
}

/// <summary>
/// The leading part of struct bpf_prog_info (linux/bpf.h), up to recursion_misses. Offsets were
/// taken with offsetof on the installed header; the kernel fills min(our size, its size) bytes,
/// and the struct is zeroed so that no pointer field asks the kernel to copy anything out.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 216)]
internal unsafe struct BpfProgInfo
{
    internal const int NameLength = 16;

    [FieldOffset(0)] public uint Type;
    [FieldOffset(4)] public uint Id;
    [FieldOffset(64)] public fixed byte Name[NameLength];
    [FieldOffset(192)] public ulong RunTimeNs;
    [FieldOffset(200)] public ulong RunCount;
    [FieldOffset(208)] public ulong RecursionMisses;
}

/// <summary>What a set of programs did between two readings.</summary>
internal readonly record struct StatsDelta(ulong RunTimeNs, ulong RunCount)
{
    internal double NsPerRun => RunCount == 0 ? double.NaN : (double)RunTimeNs / RunCount;

    internal static StatsDelta Between(IReadOnlyList<ProgramStats> before, IReadOnlyList<ProgramStats> after)
    {
        ulong time = 0, count = 0;
        foreach (var end in after)
        {
            // Match by id, never by position: a program that appeared in between starts from zero.
            var start = before.FirstOrDefault(b => b.Id == end.Id);
            time += end.RunTimeNs - start.RunTimeNs;
            count += end.RunCount - start.RunCount;
        }
        return new StatsDelta(time, count);
    }

    /// <summary>Each program's own delta, by name: what one hook costs in a multi-program tracer.</summary>
    internal static IReadOnlyList<ProgramDelta> PerProgram(IReadOnlyList<ProgramStats> before, IReadOnlyList<ProgramStats> after) =>
        after.Select(end => new ProgramDelta(end.Name, end.Type, Between(before, [end]))).ToList();
}

/// <summary>One program's statistics over one workload run.</summary>
internal sealed record ProgramDelta(string Name, string Type, StatsDelta Delta);

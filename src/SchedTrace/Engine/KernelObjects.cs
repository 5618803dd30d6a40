using SchedTrace.Interop;

namespace SchedTrace.Engine;

/// <summary>The ids of every BPF program, map and link the kernel holds, machine-wide.</summary>
internal static class KernelObjects
{
    internal static HashSet<uint> ProgramIds() => All(LibBpf.bpf_prog_get_next_id);

    internal static HashSet<uint> MapIds() => All(LibBpf.bpf_map_get_next_id);

    internal static HashSet<uint> LinkIds() => All(LibBpf.bpf_link_get_next_id);

    private delegate int NextId(uint start, out uint next);

    private static HashSet<uint> All(NextId next)
    {
        var ids = new HashSet<uint>();
        uint id = 0;
        while (next(id, out uint following) == 0)
        {
            ids.Add(following);
            id = following;
        }
        return ids;
    }
}

using SchedTrace.Interop;

namespace SchedTrace.Engine;

/// <summary>How many BPF programs, maps and links the kernel holds, machine-wide: the leak check.</summary>
internal readonly record struct KernelObjectCount(int Programs, int Maps, int Links)
{
    internal static KernelObjectCount Now() => new(
        Count(LibBpf.bpf_prog_get_next_id),
        Count(LibBpf.bpf_map_get_next_id),
        Count(LibBpf.bpf_link_get_next_id));

    private delegate int NextId(uint start, out uint next);

    private static int Count(NextId next)
    {
        int count = 0;
        uint id = 0;
        while (next(id, out uint following) == 0)
        {
            count++;
            id = following;
        }
        return count;
    }
}

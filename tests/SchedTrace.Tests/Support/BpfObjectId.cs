using SchedTrace.Engine;

namespace SchedTrace.Tests.Support;

/// <summary>A BPF program, map or link by its kernel-wide id.</summary>
public readonly record struct BpfObjectId(string Kind, uint Id)
{
    /// <summary>The BPF objects this process holds an fd to, from /proc/self/fdinfo.</summary>
    public static HashSet<BpfObjectId> HeldByThisProcess()
    {
        var ids = new HashSet<BpfObjectId>();
        foreach (var file in Directory.GetFiles("/proc/self/fdinfo"))
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(file);
            }
            catch (IOException)
            {
                continue; // the fd closed while we listed
            }
            foreach (var line in lines)
            {
                foreach (var kind in new[] { "prog", "map", "link" })
                {
                    if (line.StartsWith(kind + "_id:", StringComparison.Ordinal) && uint.TryParse(line[(kind.Length + 4)..].Trim(), out uint id))
                    {
                        // A link's fdinfo also names its program (prog_id): the first id line is the object's own.
                        ids.Add(new BpfObjectId(kind, id));
                        goto nextFile;
                    }
                }
            }
        nextFile:;
        }
        return ids;
    }

    /// <summary>Those of <paramref name="ids"/> that still exist anywhere in the kernel.</summary>
    public static HashSet<BpfObjectId> AliveInKernel(IEnumerable<BpfObjectId> ids)
    {
        var programs = KernelObjects.ProgramIds();
        var maps = KernelObjects.MapIds();
        var links = KernelObjects.LinkIds();
        return ids.Where(id => (id.Kind switch { "prog" => programs, "map" => maps, _ => links }).Contains(id.Id)).ToHashSet();
    }
}

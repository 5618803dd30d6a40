namespace SchedTrace.Engine;

/// <summary>Which CPUs are online, from /sys/devices/system/cpu/online ("0-3,6").</summary>
internal static class CpuTopology
{
    internal static IReadOnlySet<int> Online()
    {
        try
        {
            return ParseList(File.ReadAllText("/sys/devices/system/cpu/online"));
        }
        catch (IOException)
        {
            return Enumerable.Range(0, Environment.ProcessorCount).ToHashSet();
        }
    }

    internal static IReadOnlySet<int> ParseList(string list)
    {
        var cpus = new HashSet<int>();
        foreach (var part in list.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var bounds = part.Split('-');
            int first = int.Parse(bounds[0]);
            int last = bounds.Length > 1 ? int.Parse(bounds[1]) : first;
            for (int cpu = first; cpu <= last; cpu++)
            {
                cpus.Add(cpu);
            }
        }
        return cpus;
    }
}

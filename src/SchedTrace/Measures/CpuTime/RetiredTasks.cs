namespace SchedTrace.Measures;

/// <summary>
/// Exited threads a session keeps after the kernel table has released them, so that reading
/// the session since its start still counts them. Bounded: past <see cref="Capacity"/> threads,
/// the oldest are folded into one entry per process (thread id 0, named "(exited threads)"), so
/// a long session on a machine that starts threads all day keeps its process totals exact in
/// bounded memory, at the cost of per-thread detail for its oldest exited threads.
/// </summary>
internal sealed class RetiredTasks
{
    internal const string FoldedName = "(exited threads)";

    private readonly Dictionary<TaskKey, TaskCounters> threads = new();
    private readonly Queue<TaskKey> order = new();

    internal RetiredTasks(int capacity = 65_536) => Capacity = capacity;

    internal int Capacity { get; }

    internal int Count => threads.Count;

    internal bool TryGet(TaskKey key, out TaskCounters counters) => threads.TryGetValue(key, out counters);

    /// <summary>Keeps an exited thread's counters; a second part of the same thread adds to the first.</summary>
    internal TaskCounters Add(TaskKey key, TaskCounters counters)
    {
        if (threads.TryGetValue(key, out var earlier))
        {
            counters = earlier.Plus(counters);
        }
        else
        {
            order.Enqueue(key);
        }
        threads[key] = counters;
        while (order.Count > Capacity)
        {
            Fold(order.Dequeue());
        }
        return counters;
    }

    /// <summary>A copy to start a snapshot from.</summary>
    internal Dictionary<TaskKey, TaskCounters> Copy() => new(threads);

    private void Fold(TaskKey oldest)
    {
        if (!threads.Remove(oldest, out var thread))
        {
            return;
        }
        var folded = new TaskKey(0, (ulong)(uint)thread.ProcessId);
        if (threads.TryGetValue(folded, out var sum))
        {
            threads[folded] = sum.Plus(thread);
        }
        else
        {
            threads[folded] = thread with { ThreadId = 0, Name = FoldedName };
            // Folded entries never leave: they are the bounded remainder, one per process.
        }
    }
}

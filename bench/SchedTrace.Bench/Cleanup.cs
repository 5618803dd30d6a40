namespace SchedTrace.Bench;

/// <summary>
/// Undo actions for everything the harness changes outside itself: child processes (bpftrace,
/// the workload), the bpf_stats sysctl, a tracefs mount. They run once, newest first, on every
/// exit path we can catch: normal return, exception, SIGINT/SIGTERM and process exit.
/// (SIGKILL cannot be caught; bench/run.sh restores the sysctl as a last resort.)
/// </summary>
internal static class Cleanup
{
    private static readonly object Gate = new();
    private static readonly List<(string What, Action Undo)> Actions = new();

    /// <summary>Registers an undo action; dispose the result to run it early (and only once).</summary>
    internal static IDisposable Register(string what, Action undo)
    {
        var entry = (what, undo);
        lock (Gate)
        {
            Actions.Add(entry);
        }
        return new Registration(entry);
    }

    /// <summary>Runs every pending undo action, newest first. Safe to call from any thread, any number of times.</summary>
    internal static void RunAll()
    {
        while (true)
        {
            (string What, Action Undo) entry;
            lock (Gate)
            {
                if (Actions.Count == 0)
                {
                    return;
                }
                entry = Actions[^1];
                Actions.RemoveAt(Actions.Count - 1);
            }
            Run(entry);
        }
    }

    private static void Run((string What, Action Undo) entry)
    {
        try
        {
            entry.Undo();
        }
        catch (Exception e)
        {
            // One failed undo must not stop the others (a sysctl restore after a child kill).
            Console.Error.WriteLine($"cleanup: {entry.What} failed: {e.Message}");
        }
    }

    private sealed class Registration((string What, Action Undo) entry) : IDisposable
    {
        public void Dispose()
        {
            bool pending;
            lock (Gate)
            {
                pending = Actions.Remove(entry);
            }
            if (pending)
            {
                Run(entry);
            }
        }
    }
}

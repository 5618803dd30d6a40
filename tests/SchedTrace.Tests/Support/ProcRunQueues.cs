using System.Globalization;

namespace SchedTrace.Tests.Support;

/// <summary>
/// The kernel's own view of every run queue, from /proc: each thread in state R (running or
/// waiting to run; a thread that blocked is S or D, delayed dequeue or not) is on the run queue of
/// the CPU /proc/PID/task/TID/stat names (field 39, task_cpu()). Walked by one pinned thread, over
/// and over, while a run-queue length session samples the same window. The walker runs at nice
/// -20: at the nice of the test host (19 here), it walked only when its CPU was quiet, which on
/// a balanced machine is when the other CPU is quiet too, and found shorter queues there than
/// the samples did (by 3.4 standard errors at load 5.6).
/// </summary>
public sealed class ProcRunQueues : IDisposable
{
    private readonly Thread walker;
    private readonly int cpu;
    private readonly List<Dictionary<int, int>> walks = new();
    private volatile bool stop;
    private int walkerTid;

    /// <summary>Starts walking on <paramref name="cpu"/>, which the walker is pinned to.</summary>
    public ProcRunQueues(int cpu, IReadOnlyCollection<int> cpus)
    {
        this.cpu = cpu;
        walker = new Thread(() =>
        {
            TestNative.PinCurrentThread(cpu);
            TestNative.NiceCurrentThread(-20);
            walkerTid = TestNative.CurrentThreadId();
            while (!stop)
            {
                var walk = cpus.ToDictionary(c => c, _ => 0);
                foreach (var (state, onCpu) in Threads())
                {
                    if (state == 'R' && walk.ContainsKey(onCpu))
                    {
                        walk[onCpu]++;
                    }
                }
                lock (walks)
                {
                    walks.Add(walk);
                }
                Thread.Sleep(5);
            }
        }) { IsBackground = true, Name = "st-procwalk" };
        walker.Start();
    }

    /// <summary>The CPU the walker runs on: while it reads, it is the task running there.</summary>
    public int WalkerCpu => cpu;

    /// <summary>Stops walking and returns every walk: the threads in state R per CPU, the walker left out.</summary>
    public IReadOnlyList<Dictionary<int, int>> Stop()
    {
        stop = true;
        walker.Join();
        lock (walks)
        {
            return walks.ToList();
        }
    }

    private IEnumerable<(char State, int Cpu)> Threads()
    {
        foreach (var process in Directory.EnumerateDirectories("/proc"))
        {
            if (!Path.GetFileName(process).All(char.IsAsciiDigit))
            {
                continue;
            }
            IEnumerable<string> tasks;
            try
            {
                tasks = Directory.GetDirectories(Path.Combine(process, "task"));
            }
            catch (IOException)
            {
                continue; // the process exited
            }
            foreach (var task in tasks)
            {
                string stat;
                try
                {
                    if (int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture) == walkerTid)
                    {
                        continue;
                    }
                    stat = File.ReadAllText(Path.Combine(task, "stat"));
                }
                catch (IOException)
                {
                    continue; // the thread exited
                }
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                yield return (fields[0][0], int.Parse(fields[36], CultureInfo.InvariantCulture));
            }
        }
    }

    public void Dispose()
    {
        stop = true;
        walker.Join();
    }
}

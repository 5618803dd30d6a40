using System.Diagnostics;

namespace SchedTrace.Tests.Support;

/// <summary>
/// A thread the test owns and steps through phases with flags. Every wait here is a busy-wait
/// (Thread.SpinWait never blocks), so the controlled thread makes no switch of its own while it
/// waits for the test: the only switches in a measured phase are the ones the phase causes.
/// Every wait is bounded in time so a broken test fails instead of hanging.
/// </summary>
public sealed class ControlledThread : IDisposable
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    private readonly Thread thread;
    private readonly Action body;
    private int threadId;
    private int go;
    private int done;
    private int release;
    private Exception? failure;

    private readonly bool blockOutsidePhase;
    private readonly ManualResetEventSlim goSignal = new(false, spinCount: 0);
    private readonly ManualResetEventSlim releaseSignal = new(false, spinCount: 0);

    /// <param name="body">The measured phase, run on the thread between Go() and Done.</param>
    /// <param name="pinToCpu">Pin the thread to this CPU before it reports its id.</param>
    /// <param name="blockOutsidePhase">Wait for Go and for release blocked in the kernel instead of
    /// busy-waiting: then the thread is off the CPU whenever the test reads, so /proc's
    /// sum_exec_runtime is exact at both edges.</param>
    /// <param name="name">The thread's name, which Linux shows as its comm (15 characters).</param>
    public ControlledThread(Action body, int? pinToCpu = null, bool blockOutsidePhase = false, string name = "st-workload")
    {
        this.body = body;
        this.blockOutsidePhase = blockOutsidePhase;
        thread = new Thread(() => Run(pinToCpu)) { IsBackground = true, Name = name };
        thread.Start();
        SpinUntil(() => Volatile.Read(ref threadId) != 0 || failure is not null);
        if (failure is not null)
        {
            throw new InvalidOperationException("workload thread failed to start", failure);
        }
        if (blockOutsidePhase)
        {
            WaitUntilBlocked(); // waiting for Go
        }
    }

    /// <summary>The kernel thread id (tid) of the workload thread.</summary>
    public int ThreadId => threadId;

    /// <summary>Starts the measured phase.</summary>
    public void Go()
    {
        Volatile.Write(ref go, 1);
        goSignal.Set();
    }

    /// <summary>Waits until the measured phase has finished (the thread then spins until released).</summary>
    public void WaitDone()
    {
        SpinUntil(() => Volatile.Read(ref done) == 1, sleepBetween: true);
        if (blockOutsidePhase)
        {
            WaitUntilBlocked();
        }
        if (failure is not null)
        {
            throw new InvalidOperationException("workload thread failed", failure);
        }
    }

    /// <summary>
    /// Waits until the thread sleeps in the kernel (state S in /proc) and its switch count has
    /// settled, so it is off the CPU: a fixed sleep is not enough on a loaded machine, where the
    /// thread may not have reached its wait yet.
    /// </summary>
    private void WaitUntilBlocked()
    {
        var stat = $"/proc/self/task/{threadId}/stat";
        var limit = Stopwatch.StartNew();
        long previous = -1;
        while (limit.Elapsed < WaitLimit)
        {
            // The state follows the ")" that closes the comm, which may itself hold spaces.
            var text = File.ReadAllText(stat);
            char state = text[text.LastIndexOf(')') + 2];
            var switches = ProcFs.ThreadSwitches(threadId);
            long total = switches.Voluntary + switches.Involuntary;
            if (state is 'S' or 'D' && total == previous)
            {
                return;
            }
            previous = state is 'S' or 'D' ? total : -1;
            Thread.Sleep(5);
        }
        throw new TimeoutException("the workload thread did not block within 30 s");
    }

    private void Run(int? pinToCpu)
    {
        try
        {
            if (pinToCpu is int cpu)
            {
                TestNative.PinCurrentThread(cpu);
            }
            Volatile.Write(ref threadId, TestNative.CurrentThreadId());
            if (blockOutsidePhase)
            {
                goSignal.Wait(WaitLimit);
            }
            else
            {
                SpinUntil(() => Volatile.Read(ref go) == 1);
            }
            body();
        }
        catch (Exception e)
        {
            failure = e;
        }
        finally
        {
            Volatile.Write(ref done, 1);
        }
        if (blockOutsidePhase)
        {
            releaseSignal.Wait(WaitLimit);
        }
        else
        {
            SpinUntil(() => Volatile.Read(ref release) == 1);
        }
    }

    private static void SpinUntil(Func<bool> condition, bool sleepBetween = false)
    {
        var limit = Stopwatch.StartNew();
        while (!condition())
        {
            if (limit.Elapsed > WaitLimit)
            {
                throw new TimeoutException("a workload phase did not finish within 30 s");
            }
            if (sleepBetween)
            {
                Thread.Sleep(1);
            }
            else
            {
                Thread.SpinWait(50);
            }
        }
    }

    /// <summary>Burns CPU for <paramref name="duration"/> of wall time without blocking.</summary>
    public static void Spin(TimeSpan duration)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            Thread.SpinWait(100);
        }
    }

    public void Dispose()
    {
        Go();
        Volatile.Write(ref release, 1);
        releaseSignal.Set();
        thread.Join(WaitLimit);
        goSignal.Dispose();
        releaseSignal.Dispose();
    }
}

using System.Diagnostics;
using SchedTrace.Engine;

namespace SchedTrace.Bench;

/// <summary>How the consumer thread reads the ring buffer in one throughput run.</summary>
internal sealed record ConsumerVariant(string Label, bool Watch, int? PinnedCpu);

/// <summary>One consumer run over one workload run.</summary>
internal sealed record ThroughputRun(
    ConsumerVariant Variant,
    long RingBufferBytes,
    long Events,
    long ContextSwitches,
    TimeSpan ConsumerCpu,
    TimeSpan Wall,
    long Lost,
    long AllocatedBytes,
    int Gen0Collections,
    double WorkloadUsPerOp)
{
    internal double EventsPerCpuSecond => Events / ConsumerCpu.TotalSeconds;

    internal double EventsPerWallSecond => Events / Wall.TotalSeconds;

    internal double SwitchesPerSecond => ContextSwitches / Wall.TotalSeconds;

    internal double CpuShare => ConsumerCpu / Wall;
}

internal sealed record ThroughputResult(string Workload, int Repetitions, IReadOnlyList<ThroughputRun> Runs, IReadOnlyList<ThroughputRun> LargerBuffers);

/// <summary>
/// User-side cost of the Events feature: a session streaming every sched_switch (default 4 MiB
/// ring buffer) while the pinned pipe ping-pong runs, consumed on one dedicated thread by the
/// real reader loop (SchedEventWatch.Watch: drain while there is data, else sleep 10 ms), which
/// decodes every record into a SchedSwitchEvent. The consumer's own CPU time
/// (CLOCK_THREAD_CPUTIME_ID: user + system, from the thread's sum_exec_runtime) is read before
/// and after, so "events per CPU-second" is what one core decodes. Variants: consumer unpinned,
/// pinned to the CPU the workload does not use, and the fixed 10 ms drain (TakeEvents, sleep
/// 10 ms, repeat) for reference. Lost events must stay 0; if the default buffer loses any, the
/// unpinned Watch is run again with larger buffers until none are lost.
/// </summary>
internal static class EventsThroughput
{
    internal static readonly long[] LargerBuffers = [16L << 20, 64L << 20];

    internal static IReadOnlyList<ConsumerVariant> Variants(int workloadCpu)
    {
        int other = Environment.ProcessorCount > 1 ? (workloadCpu == 0 ? 1 : 0) : workloadCpu;
        return
        [
            new("SchedEventWatch.Watch, consumer unpinned", Watch: true, PinnedCpu: null),
            new($"SchedEventWatch.Watch, consumer pinned to CPU {other}", Watch: true, PinnedCpu: other),
            new($"TakeEvents every 10 ms, consumer pinned to CPU {other} (reference)", Watch: false, PinnedCpu: other),
        ];
    }

    internal static ThroughputResult Measure(IWorkload workload, int workloadCpu, int repetitions, Action<string> progress, CancellationToken cancel)
    {
        var variants = Variants(workloadCpu);
        Once(variants[0], SchedTraceSessionOptions.DefaultRingBufferBytes, workload, cancel); // warm-up: JIT of the whole path
        var runs = new List<ThroughputRun>();
        for (int rep = 0; rep < repetitions; rep++)
        {
            for (int k = 0; k < variants.Count; k++)
            {
                var variant = variants[(k + rep) % variants.Count];
                progress($"  events throughput {rep + 1}/{repetitions}: {variant.Label}");
                runs.Add(Once(variant, SchedTraceSessionOptions.DefaultRingBufferBytes, workload, cancel));
            }
        }
        var larger = new List<ThroughputRun>();
        if (runs.Any(r => r.Lost > 0))
        {
            foreach (long bytes in LargerBuffers)
            {
                var batch = new List<ThroughputRun>();
                for (int rep = 0; rep < repetitions; rep++)
                {
                    progress($"  events throughput with a {bytes >> 20} MiB buffer {rep + 1}/{repetitions}");
                    batch.Add(Once(variants[0], bytes, workload, cancel));
                }
                larger.AddRange(batch);
                if (batch.All(r => r.Lost == 0))
                {
                    break;
                }
            }
        }
        return new ThroughputResult(workload.Description, repetitions, runs, larger);
    }

    private static ThroughputRun Once(ConsumerVariant variant, long bufferBytes, IWorkload workload, CancellationToken cancel)
    {
        using var session = SchedTraceSession.Start(new SchedTraceSessionOptions
        {
            Features = SchedTraceFeature.Events,
            EventTypes = [SchedEventType.Switch],
            RingBufferBytes = bufferBytes,
        });
        using var stop = new CancellationTokenSource();
        using var ready = new ManualResetEventSlim();
        using var go = new ManualResetEventSlim();
        long events = 0, allocated = 0;
        int gen0 = 0;
        TimeSpan cpu = default, wall = default;
        Exception? failure = null;
        var consumer = new Thread(() =>
        {
            try
            {
                if (variant.PinnedCpu is int pin)
                {
                    Native.PinThisThread(pin);
                }
                session.TakeEvents(); // whatever arrived since Start: not part of the window
                ready.Set();
                go.Wait(cancel);
                var cpuStart = Native.ThreadCpuTime();
                long wallStart = Stopwatch.GetTimestamp();
                long allocStart = GC.GetAllocatedBytesForCurrentThread();
                int gen0Start = GC.CollectionCount(0);
                if (variant.Watch)
                {
                    foreach (var e in SchedEventWatch.Watch(session, count: null, duration: null, filter: null, stop.Token))
                    {
                        if (e is SchedSwitchEvent)
                        {
                            events++;
                        }
                    }
                }
                else
                {
                    while (true)
                    {
                        bool last = stop.IsCancellationRequested;
                        foreach (var e in session.TakeEvents())
                        {
                            if (e is SchedSwitchEvent)
                            {
                                events++;
                            }
                        }
                        if (last)
                        {
                            break;
                        }
                        stop.Token.WaitHandle.WaitOne(SchedEventWatch.DrainInterval);
                    }
                }
                cpu = Native.ThreadCpuTime() - cpuStart;
                wall = Stopwatch.GetElapsedTime(wallStart);
                allocated = GC.GetAllocatedBytesForCurrentThread() - allocStart;
                gen0 = GC.CollectionCount(0) - gen0Start;
            }
            catch (Exception e)
            {
                failure = e;
                ready.Set();
            }
        })
        { IsBackground = true, Name = "events consumer" };
        consumer.Start();
        ready.Wait(cancel);
        long switchesBefore = ContextSwitchCounter.Read();
        go.Set();
        WorkloadRun run;
        try
        {
            run = workload.Run(cancel);
        }
        finally
        {
            stop.Cancel();
            consumer.Join();
        }
        long switches = ContextSwitchCounter.Read() - switchesBefore;
        if (failure is not null)
        {
            throw new InvalidOperationException($"events consumer failed: {failure.Message}", failure);
        }
        return new ThroughputRun(variant, bufferBytes, events, switches, cpu, wall, session.LostEvents, allocated, gen0, run.MicrosecondsPerOp);
    }
}

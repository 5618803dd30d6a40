using System.Text.Json;

namespace SchedTrace.Timeline;

/// <summary>
/// Writes a timeline as Chrome Trace Event Format JSON, which ui.perfetto.dev (and
/// chrome://tracing) open: one process "CPUs" with one thread track per CPU, a complete event
/// ("X") per run slice and an instant event ("i") per wakeup or migration.
/// </summary>
public static class PerfettoTrace
{
    /// <summary>
    /// The synthetic process holding the CPU tracks. Not 0: Perfetto's importer maps pid 0 and
    /// tid 0 to the kernel's idle task, which would swallow CPU 0's track.
    /// </summary>
    public const int TrackProcessId = 1;

    /// <summary>CPU n is thread TrackThreadBase + n, for the same reason (tid 0 is the idle task).</summary>
    public const int TrackThreadBase = 1000;

    public static int TrackThreadId(int cpu) => TrackThreadBase + cpu;

    /// <summary>Writes the trace. Events are written as they are produced; nothing is buffered beyond the writer's own buffer.</summary>
    public static void Write(SchedTimeline timeline, Stream output)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        ArgumentNullException.ThrowIfNull(output);
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = false, SkipValidation = false });
        json.WriteStartObject();
        json.WriteString("displayTimeUnit", "ns");
        json.WriteStartArray("traceEvents");

        Metadata(json, "process_name", TrackProcessId, "name", "CPUs");
        Metadata(json, "process_sort_index", TrackProcessId, "sort_index", 0);
        foreach (int cpu in timeline.Cpus)
        {
            Metadata(json, "thread_name", TrackThreadId(cpu), "name", $"CPU {cpu}");
            Metadata(json, "thread_sort_index", TrackThreadId(cpu), "sort_index", cpu);
        }

        // Per CPU in time order, slices and instants merged: the order Perfetto would sort them
        // into anyway, so a streaming reader sees each track grow forwards.
        var slicesByCpu = timeline.Slices.ToLookup(s => s.Cpu);
        var instantsByCpu = timeline.Instants.ToLookup(e => e.Cpu);
        foreach (int cpu in timeline.Cpus)
        {
            using var instants = instantsByCpu[cpu].GetEnumerator();
            bool more = instants.MoveNext();
            foreach (var slice in slicesByCpu[cpu])
            {
                for (; more && instants.Current.TimestampNs < slice.StartNs; more = instants.MoveNext())
                {
                    Instant(json, instants.Current);
                }
                Slice(json, slice);
            }
            for (; more; more = instants.MoveNext())
            {
                Instant(json, instants.Current);
            }
            json.Flush();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void Metadata(Utf8JsonWriter json, string name, int tid, string argName, string value) =>
        Metadata(json, name, tid, args => args.WriteString(argName, value));

    private static void Metadata(Utf8JsonWriter json, string name, int tid, string argName, int value) =>
        Metadata(json, name, tid, args => args.WriteNumber(argName, value));

    private static void Metadata(Utf8JsonWriter json, string name, int tid, Action<Utf8JsonWriter> writeArgument)
    {
        json.WriteStartObject();
        json.WriteString("ph", "M");
        json.WriteString("name", name);
        json.WriteNumber("pid", TrackProcessId);
        json.WriteNumber("tid", tid);
        json.WriteStartObject("args");
        writeArgument(json);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void Slice(Utf8JsonWriter json, RunSlice slice)
    {
        json.WriteStartObject();
        json.WriteString("ph", "X");
        json.WriteString("cat", "sched");
        json.WriteString("name", slice.Label);
        json.WriteNumber("pid", TrackProcessId);
        json.WriteNumber("tid", TrackThreadId(slice.Cpu));
        json.WriteNumber("ts", Micros(slice.StartNs));
        json.WriteNumber("dur", Micros(slice.DurationNs));
        json.WriteStartObject("args");
        json.WriteNumber("pid", slice.ProcessId);
        json.WriteNumber("tid", slice.ThreadId);
        json.WriteString("comm", slice.Name);
        json.WriteNumber("prio", slice.Priority);
        json.WriteString("end_state", slice.EndState ?? (slice.EndKnown ? "?" : "running or unknown"));
        if (!slice.StartKnown)
        {
            json.WriteBoolean("start_known", false);
        }
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void Instant(Utf8JsonWriter json, SchedEvent e)
    {
        json.WriteStartObject();
        json.WriteString("ph", "i");
        json.WriteString("s", "t"); // scoped to the CPU's track
        json.WriteString("cat", "sched");
        json.WriteNumber("pid", TrackProcessId);
        json.WriteNumber("tid", TrackThreadId(e.Cpu));
        json.WriteNumber("ts", Micros(e.TimestampNs));
        switch (e)
        {
            case SchedWakeupEvent w:
                TaskInstant(json, w.Type == SchedEventType.WakeupNew ? "wakeup_new" : "wakeup", w.ProcessId, w.ThreadId, w.Name, w.Priority);
                json.WriteNumber("target_cpu", w.TargetCpu);
                json.WriteEndObject();
                break;
            case SchedMigrateEvent m:
                TaskInstant(json, "migrate", m.ProcessId, m.ThreadId, m.Name, m.Priority);
                json.WriteNumber("orig_cpu", m.OrigCpu);
                json.WriteNumber("dest_cpu", m.DestCpu);
                json.WriteEndObject();
                break;
        }
        json.WriteEndObject();
    }

    /// <summary>The name and the task's args of an instant about one task; the caller adds its own args and closes them.</summary>
    private static void TaskInstant(Utf8JsonWriter json, string what, int processId, int threadId, string name, int priority)
    {
        json.WriteString("name", $"{what} {name} [{threadId}]");
        json.WriteStartObject("args");
        json.WriteNumber("pid", processId);
        json.WriteNumber("tid", threadId);
        json.WriteNumber("prio", priority);
    }

    // The format's unit is the microsecond; decimal keeps nanoseconds exact (a double would round
    // monotonic times of a machine up for days).
    private static decimal Micros(ulong ns) => ns / 1000m;
}

using System.Globalization;
using SchedTrace.Engine;

namespace SchedTrace.Measures;

/// <summary>Live scheduler events through a BPF ring buffer (bpf/measures/events.bpf.h).</summary>
internal sealed class EventsMeasure() : Measure(SchedTraceFeature.Events)
{
    /// <summary>Its constants section (struct events_config), set before load.</summary>
    internal const string Constants = ".rodata.events";

    /// <summary>The ring buffer the records arrive in.</summary>
    internal const string RingBuffer = "events";

    internal override void Validate(SchedTraceSessionOptions options)
    {
        if (options.EventMinRuntime is { } minimum && minimum < TimeSpan.Zero)
        {
            throw Invalid("InvalidMinRuntime", $"A minimum run time of {minimum} is not valid.", "Give zero or a positive duration.");
        }
        if (options.RingBufferBytes is < 4096 or > (1L << 30))
        {
            throw Invalid("InvalidBufferSize", $"A ring buffer of {options.RingBufferBytes} bytes is not valid.", "Give a size from 4KB to 1GB (e.g. 8MB); it is rounded up to a power of two.");
        }
        if (options.EventTypes.Count == 0)
        {
            throw Invalid("NoEventTypes", "No event types were asked for.", "Give at least one of: " + string.Join(", ", Enum.GetNames<SchedEventType>()) + ".");
        }
    }

    internal override void Request(BpfRequest request, SchedTraceSessionOptions options, int alternative)
    {
        request.Attach(BpfHook.SchedSwitch);
        if (options.EventTypes.Contains(SchedEventType.Migrate))
        {
            request.Attach(BpfHook.MigrateTask);
        }
        if (options.EventTypes.Contains(SchedEventType.Wakeup))
        {
            request.Attach(BpfHook.Wakeup);
        }
        if (options.EventTypes.Contains(SchedEventType.WakeupNew))
        {
            request.Attach(BpfHook.WakeupNew);
        }
        var config = new BpfEventsConfig
        {
            Emit = (uint)EmitFor(options.EventTypes),
            MinRuntimeNs = options.EventMinRuntime is { } minimum ? (ulong)minimum.Ticks * 100 : 0,
        };
        config.SetFilterComm(options.EventName);
        request.SetConstants(Constants, config);
        request.SizeMap(RingBuffer, RingBufferSize(options.RingBufferBytes));
    }

    internal override IRecordStream? OpenStream(SchedBpfObject bpf) => new EventStream(bpf.MapFd(RingBuffer), new SchedClock());

    /// <summary>Events a full ring buffer refused, by CPU: counted in the session-wide statistics.</summary>
    internal override object? ReadCounters(SchedBpfObject bpf, BpfSessionStats[] shared) => shared.Select(cpu => (long)cpu.EventsLost).ToArray();

    internal override object? ZeroCounters => new long[SchedBpfObject.PossibleCpus];

    internal override IEnumerable<string> DescribeFilters(SchedTraceSessionOptions options)
    {
        if (!string.IsNullOrEmpty(options.EventName))
        {
            yield return $"task name '{options.EventName}'";
        }
        if (options.EventMinRuntime is { } minimum && minimum > TimeSpan.Zero)
        {
            yield return $"switches after at least {TextLayout.ShortDuration(minimum)} on the CPU";
        }
    }

    internal override IEnumerable<string> DescribeTables(BpfRequest request)
    {
        yield return $"event ring buffer {TextLayout.Bytes(request.MapSizes[RingBuffer])}";
    }

    /// <summary>A ring buffer is a power-of-two number of pages.</summary>
    internal static uint RingBufferSize(long bytes) => (uint)Math.Max(Environment.SystemPageSize, (long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)bytes));

    private static BpfEmit EmitFor(IEnumerable<SchedEventType> types) => types.Aggregate(BpfEmit.None, (emit, type) => emit | type switch
    {
        SchedEventType.Switch => BpfEmit.Switch,
        SchedEventType.Wakeup or SchedEventType.WakeupNew => BpfEmit.Wakeup,
        SchedEventType.Migrate => BpfEmit.Migrate,
        _ => BpfEmit.None,
    });
}

/// <summary>The kinds of event the BPF programs send to the ring buffer (EMIT_* in bpf/measures/events.bpf.h).</summary>
[Flags]
internal enum BpfEmit : uint
{
    None = 0,
    Switch = 1,
    Wakeup = 2,
    Migrate = 4,
}

/// <summary>Mirror of <c>struct events_config</c> (.rodata.events).</summary>
[KernelMirror("events_config")]
internal unsafe struct BpfEventsConfig
{
    public uint Emit;
    public uint Pad;
    public ulong MinRuntimeNs;
    public fixed byte FilterComm[16];

    /// <summary>
    /// Sets the task name events are filtered on: the comm a task of that name has
    /// (<see cref="CommName.BytesOf"/>), with ASCII letters in lower case. comm_matches() folds
    /// only the ASCII letters of the task's comm, so folding anything else here (É to é, the
    /// Kelvin sign to k) would make a name miss its own task.
    /// </summary>
    public void SetFilterComm(string? name)
    {
        var bytes = CommName.BytesOf(name ?? string.Empty);
        for (int i = 0; i < 16; i++)
        {
            byte b = i < bytes.Length ? bytes[i] : (byte)0;
            FilterComm[i] = b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b + ('a' - 'A')) : b;
        }
    }
}

using System.Management.Automation;

namespace SchedTrace.PowerShell;

/// <summary>Streams scheduler events to the pipeline as they happen, until Ctrl+C, -Duration or -Count.</summary>
[Cmdlet(VerbsCommon.Watch, "SchedEvent")]
[OutputType(typeof(SchedSwitchEvent), typeof(SchedWakeupEvent), typeof(SchedMigrateEvent))]
public sealed class WatchSchedEventCommand : SchedTraceCmdlet
{
    /// <summary>Which events: Switch (default), Wakeup, WakeupNew, Migrate.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public SchedEventType[] Type { get; set; } = { SchedEventType.Switch };

    /// <summary>Only events of this process (tgid; either side of a switch). Filtered in the kernel.</summary>
    [Parameter]
    [Alias("PID")]
    [ValidateRange(1, int.MaxValue)]
    public int Id { get; set; }

    /// <summary>Only events of this thread (either side of a switch). Filtered in the kernel.</summary>
    [Parameter]
    [Alias("TID")]
    [ValidateRange(1, int.MaxValue)]
    public int ThreadId { get; set; }

    /// <summary>Only events of tasks with this name; exact names are filtered in the kernel, wildcards here.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <summary>Only events on this CPU.</summary>
    [Parameter]
    [ValidateRange(0, 4095)]
    public int Cpu { get; set; }

    /// <summary>Only switches whose previous task ran at least this long (numbers are seconds).</summary>
    [Parameter]
    [DurationTransformation]
    public TimeSpan MinRuntime { get; set; }

    /// <summary>Stop after this long (numbers are seconds); without it, until Ctrl+C or -Count.</summary>
    [Parameter]
    [DurationTransformation]
    public TimeSpan Duration { get; set; }

    /// <summary>Stop after this many events.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Count { get; set; }

    /// <summary>Ring buffer size in bytes (e.g. 16MB); rounded up to a power of two.</summary>
    [Parameter]
    [ValidateRange(4096L, 1L << 30)]
    public long BufferSize { get; set; } = SchedTraceSessionOptions.DefaultRingBufferBytes;

    protected override void EndProcessing()
    {
        bool wildcard = Name is not null && WildcardPattern.ContainsWildcardCharacters(Name);
        Func<SchedEvent, bool>? filter = null;
        if (wildcard)
        {
            var pattern = WildcardPattern.Get(Name!, WildcardOptions.IgnoreCase);
            filter = e => e.TaskNames().Any(pattern.IsMatch);
        }
        try
        {
            using var session = StartSession(new SchedTraceSessionOptions
            {
                Features = SchedTraceFeature.Events,
                EventTypes = Type,
                ProcessId = Bound(nameof(Id)) ? Id : null,
                ThreadId = Bound(nameof(ThreadId)) ? ThreadId : null,
                EventName = wildcard ? null : Name,
                EventCpu = Bound(nameof(Cpu)) ? Cpu : null,
                EventMinRuntime = Bound(nameof(MinRuntime)) ? MinRuntime : null,
                RingBufferBytes = BufferSize,
            });
            var events = SchedEventWatch.Watch(session, Bound(nameof(Count)) ? Count : null, Bound(nameof(Duration)) ? Duration : null, filter, Cancellation);
            foreach (var e in events)
            {
                WriteObject(e);
            }
            session.Stop();
            if (session.LostEvents > 0)
            {
                var perCpu = string.Join(", ", session.LostEventsPerCpu.Select((n, cpu) => (n, cpu)).Where(x => x.n > 0).Select(x => $"CPU {x.cpu}: {x.n}"));
                WriteWarning($"{session.LostEvents} events were lost because the ring buffer was full ({perCpu}). Use a larger -BufferSize or narrower filters.");
            }
        }
        catch (SchedTraceException e)
        {
            ThrowTerminating(e);
        }
    }
}

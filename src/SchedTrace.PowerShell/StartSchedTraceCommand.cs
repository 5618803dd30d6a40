using System.Management.Automation;

namespace SchedTrace.PowerShell;

/// <summary>Starts a session that keeps aggregating in the kernel until Stop-SchedTrace.</summary>
[Cmdlet(VerbsLifecycle.Start, "SchedTrace", SupportsShouldProcess = true)]
[OutputType(typeof(SchedTraceSession))]
public sealed class StartSchedTraceCommand : SchedTraceCmdlet
{
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public SchedTraceFeature[] Feature { get; set; } = { SchedTraceFeature.ContextSwitches };

    /// <summary>Only these processes (tgids), filtered in the kernel; from the pipeline by property name (Get-Process).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("ProcessId", "PID")]
    [ValidateNotNullOrEmpty]
    [ValidateRange(1, int.MaxValue)]
    public int[]? Id { get; set; }

    /// <summary>Only these threads, filtered in the kernel.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("TID")]
    [EmptyWhenNull]
    [ValidateRange(1, int.MaxValue)]
    public int[]? ThreadId { get; set; }

    /// <summary>With -Feature Events: which events the session streams (read them with Watch-SchedEvent -Session).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public SchedEventType[] EventType { get; set; } = { SchedEventType.Switch };

    /// <summary>With -Feature Events: the ring buffer size in bytes (e.g. 16MB).</summary>
    [Parameter]
    [ValidateRange(4096L, 1L << 30)]
    public long BufferSize { get; set; } = SchedTraceSessionOptions.DefaultRingBufferBytes;

    /// <summary>With a latency feature: also keep one histogram per process (for -PerProcess, -Id and -Name of the Measure cmdlets).</summary>
    [Parameter]
    public SwitchParameter PerProcess { get; set; }

    /// <summary>Only this CPU: events on it (Events), intervals that ended on it (latency features).</summary>
    [Parameter]
    [ValidateRange(0, 4095)]
    public int Cpu { get; set; }

    private const SchedTraceFeature CpuFiltered = SchedTraceFeature.Events | SchedTraceFeature.RunQueueLatency | SchedTraceFeature.OffCpuTime | SchedTraceFeature.ScheduleTime | SchedTraceFeature.OnCpuTime | SchedTraceFeature.RunQueueLength;

    private readonly PipedIds pipedIds = new();

    /// <summary>Every piped process joins the one session started at the end.</summary>
    protected override void ProcessRecord() => pipedIds.Add(Id, ThreadId);

    protected override void EndProcessing()
    {
        if (!pipedIds.Any)
        {
            return;
        }
        var features = Feature.Aggregate((SchedTraceFeature)0, (all, f) => all | f);
        if (Bound(nameof(Cpu)) && (features & CpuFiltered) == 0)
        {
            // Counting and CPU time cover every CPU: a -Cpu they ignored would mislead.
            ThrowTerminating(new SchedTraceException(SchedTraceErrorKind.InvalidArgument, "CpuNotApplicable", $"-Cpu filters events, latency and run-queue lengths; {features} counts every CPU.", "Add -Feature Events, RunQueueLatency, OffCpuTime, ScheduleTime, OnCpuTime or RunQueueLength, or leave out -Cpu (Get-ContextSwitchCount already reports each CPU)."), Name);
        }
        if (!ShouldProcess($"{SchedTraceSession.TracepointsFor(features)} ({features})", "Attach BPF programs"))
        {
            return;
        }
        try
        {
            // Kept in the registry, which gives the Id and refuses a name in use before anything attaches.
            var session = SessionRegistry.Start(new SchedTraceSessionOptions
            {
                Name = Name,
                Features = features,
                ProcessIds = pipedIds.ProcessIds,
                ThreadIds = pipedIds.ThreadIds,
                EventTypes = EventType,
                RingBufferBytes = BufferSize,
                LatencyPerProcess = PerProcess,
                Cpu = Bound(nameof(Cpu)) ? Cpu : null,
            }, options => StartSession(options, describe: false));
            WriteSetupVerbose(session);
            WriteObject(session);
        }
        catch (SchedTraceException e)
        {
            ThrowTerminating(e, Name);
        }
    }
}

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

    [Parameter]
    [Alias("PID")]
    [ValidateRange(1, int.MaxValue)]
    public int ProcessId { get; set; }

    [Parameter]
    [Alias("TID")]
    [ValidateRange(1, int.MaxValue)]
    public int ThreadId { get; set; }

    /// <summary>With -Feature Events: which events the session streams (read them with Watch-SchedEvent -Session).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public SchedEventType[] EventType { get; set; } = { SchedEventType.Switch };

    /// <summary>With -Feature Events: the ring buffer size in bytes (e.g. 16MB).</summary>
    [Parameter]
    [ValidateRange(4096L, 1L << 30)]
    public long BufferSize { get; set; } = SchedTraceSessionOptions.DefaultRingBufferBytes;

    protected override void EndProcessing()
    {
        var features = Feature.Aggregate((SchedTraceFeature)0, (all, f) => all | f);
        if (!ShouldProcess($"{SchedTraceSession.TracepointsFor(features)} ({features})", "Attach BPF programs"))
        {
            return;
        }
        try
        {
            var session = StartSession(new SchedTraceSessionOptions
            {
                Name = Name,
                Features = features,
                ProcessId = MyInvocation.BoundParameters.ContainsKey(nameof(ProcessId)) ? ProcessId : null,
                ThreadId = MyInvocation.BoundParameters.ContainsKey(nameof(ThreadId)) ? ThreadId : null,
                EventTypes = EventType,
                RingBufferBytes = BufferSize,
            });
            SessionRegistry.Add(session);
            WriteObject(session);
        }
        catch (SchedTraceException e)
        {
            ThrowTerminating(e, Name);
        }
    }
}

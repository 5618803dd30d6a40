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

    protected override void EndProcessing()
    {
        var features = Feature.Aggregate((SchedTraceFeature)0, (all, f) => all | f);
        if (!ShouldProcess($"sched_switch ({features})", "Attach BPF programs"))
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

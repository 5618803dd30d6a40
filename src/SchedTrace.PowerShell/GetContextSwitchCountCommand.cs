using System.Management.Automation;

namespace SchedTrace.PowerShell;

/// <summary>Context switches per CPU (voluntary, involuntary, out of idle) over a window.</summary>
[Cmdlet(VerbsCommon.Get, "ContextSwitchCount", DefaultParameterSetName = ForDuration)]
[OutputType(typeof(ContextSwitchCount))]
public sealed class GetContextSwitchCountCommand : SessionReadingCmdlet
{
    /// <summary>Count only switches of this process (tgid).</summary>
    [Parameter(ParameterSetName = ForDuration)]
    [Parameter(ParameterSetName = ForInterval)]
    [Alias("PID")]
    [ValidateRange(1, int.MaxValue)]
    public int ProcessId { get; set; }

    /// <summary>Count only switches of this thread.</summary>
    [Parameter(ParameterSetName = ForDuration)]
    [Parameter(ParameterSetName = ForInterval)]
    [Alias("TID")]
    [ValidateRange(1, int.MaxValue)]
    public int ThreadId { get; set; }

    /// <summary>One machine-wide row instead of one per CPU.</summary>
    [Parameter]
    public SwitchParameter Total { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            var plan = Plan();
            if (Session is not null)
            {
                Emit(Session, plan);
                return;
            }
            using var session = StartSession(new SchedTraceSessionOptions
            {
                Features = SchedTraceFeature.ContextSwitches,
                ProcessId = Bound(nameof(ProcessId)) ? ProcessId : null,
                ThreadId = Bound(nameof(ThreadId)) ? ThreadId : null,
            });
            Emit(session, plan);
        }
        catch (SchedTraceException e)
        {
            ThrowTerminating(e, Session);
        }
    }

    private void Emit(SchedTraceSession session, SamplingPlan plan)
    {
        foreach (var rows in Collect(plan, "Counting context switches", report => ContextSwitchCount.Collect(session, plan, Total, Cancellation, report)))
        {
            WriteRecords(rows);
        }
    }
}

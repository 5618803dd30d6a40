using System.Management.Automation;

namespace SchedTrace.PowerShell;

/// <summary>How many tasks waited for each CPU, sampled 99 times a second on every CPU (bcc's runqlen).</summary>
[Cmdlet(VerbsDiagnostic.Measure, "RunQueueLength", DefaultParameterSetName = ForDuration)]
[OutputType(typeof(RunQueueLength))]
public sealed class MeasureRunQueueLengthCommand : SessionReadingCmdlet
{
    /// <summary>One machine-wide row instead of one per CPU.</summary>
    [Parameter]
    public SwitchParameter Total { get; set; }

    /// <summary>A run queue is a CPU's: there is no process to filter on.</summary>
    private protected override int[]? ProcessIdInput => null;

    private protected override SchedTraceSessionOptions NewSession(SamplingPlan plan, IReadOnlyList<int> processIds, IReadOnlyList<int> threadIds) => new()
    {
        Features = SchedTraceFeature.RunQueueLength,
    };

    private protected override void Read(SchedTraceSession session, SamplingPlan plan, IReadOnlyList<int> processIds, IReadOnlyList<int> threadIds, bool started)
    {
        foreach (var rows in Collect(plan, "Sampling run-queue lengths", report => RunQueueLength.Collect(session, plan, Total, Cancellation, report)))
        {
            if (rows.Count > 0)
            {
                WriteReadingVerbose(rows[0].Sample, rows[0].WindowStart, rows[0].WindowEnd, rows[0].Duration);
            }
            WriteRecords(rows);
        }
    }
}

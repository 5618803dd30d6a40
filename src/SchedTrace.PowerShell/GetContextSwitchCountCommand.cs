using System.Management.Automation;

namespace SchedTrace.PowerShell;

/// <summary>Context switches per CPU (voluntary, involuntary, out of idle) over a window.</summary>
[Cmdlet(VerbsCommon.Get, "ContextSwitchCount", DefaultParameterSetName = ForDuration)]
[OutputType(typeof(ContextSwitchCount))]
public sealed class GetContextSwitchCountCommand : SessionReadingCmdlet
{
    /// <summary>Count only switches of these processes (tgids). Filtered in the kernel: a session's own filter is fixed.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("ProcessId", "PID")]
    [ValidateNotNullOrEmpty]
    [ValidateRange(1, int.MaxValue)]
    public int[]? Id { get; set; }

    /// <summary>Count only switches of these threads.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("TID")]
    [EmptyWhenNull]
    [ValidateRange(1, int.MaxValue)]
    public int[]? ThreadId { get; set; }

    /// <summary>One machine-wide row instead of one per CPU.</summary>
    [Parameter]
    public SwitchParameter Total { get; set; }

    private protected override int[]? ProcessIdInput => Id;

    private protected override int[]? ThreadIdInput => ThreadId;

    /// <summary>The counters are per CPU: a session's cannot be narrowed to processes afterwards.</summary>
    private protected override IEnumerable<string> NewSessionParameters(bool idsOnCommandLine, bool threadIdsOnCommandLine) =>
        new[] { (idsOnCommandLine, nameof(Id)), (threadIdsOnCommandLine, nameof(ThreadId)) }.Where(p => p.Item1).Select(p => p.Item2);

    private protected override SchedTraceSessionOptions NewSession(SamplingPlan plan, IReadOnlyList<int> processIds, IReadOnlyList<int> threadIds) => new()
    {
        Features = SchedTraceFeature.ContextSwitches,
        ProcessIds = processIds,
        ThreadIds = threadIds,
    };

    private protected override void Read(SchedTraceSession session, SamplingPlan plan, IReadOnlyList<int> processIds, IReadOnlyList<int> threadIds, bool started)
    {
        foreach (var rows in Collect(plan, "Counting context switches", report => ContextSwitchCount.Collect(session, plan, Total, Cancellation, report)))
        {
            if (rows.Count > 0)
            {
                WriteReadingVerbose(rows[0].Sample, rows[0].WindowStart, rows[0].WindowEnd, rows[0].Duration);
            }
            WriteRecords(rows);
        }
    }
}

using System.Management.Automation;

namespace SchedTrace.PowerShell;

/// <summary>On-CPU time per process (or thread) over a window, busiest first.</summary>
[Cmdlet(VerbsCommon.Get, "ProcessCpuTime", DefaultParameterSetName = ForDuration)]
[OutputType(typeof(ProcessCpuTime))]
public sealed class GetProcessCpuTimeCommand : SessionReadingCmdlet
{
    /// <summary>Only these processes (tgids).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("ProcessId", "PID")]
    [ValidateNotNullOrEmpty]
    [ValidateRange(1, int.MaxValue)]
    public int[]? Id { get; set; }

    /// <summary>Only processes whose name matches; wildcards allowed.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ProcessNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>One row per thread instead of one per process.</summary>
    [Parameter]
    public SwitchParameter PerThread { get; set; }

    /// <summary>Only the N busiest rows.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Top { get; set; }

    private ProcessNameFilter names = null!;

    private protected override int[]? ProcessIdInput => Id;

    private protected override void Prepare() => names = new ProcessNameFilter(Name, this);

    /// <summary>The processes are filtered in the kernel too, so other tasks cost nothing.</summary>
    private protected override SchedTraceSessionOptions NewSession(SamplingPlan plan, IReadOnlyList<int> processIds, IReadOnlyList<int> threadIds) => new()
    {
        Features = SchedTraceFeature.CpuTime,
        ProcessIds = processIds,
    };

    private protected override void Read(SchedTraceSession session, SamplingPlan plan, IReadOnlyList<int> processIds, IReadOnlyList<int> threadIds, bool started)
    {
        // -Top is applied here, after the not-found checks have seen every row that ran.
        var query = new CpuTimeQuery
        {
            ProcessIds = processIds,
            NameFilter = names.Filter,
            PerThread = PerThread,
        };
        foreach (var rows in Collect(plan, "Measuring CPU time per process", report => ProcessCpuTime.Collect(session, plan, query, Cancellation, report)))
        {
            if (rows.Count > 0)
            {
                WriteReadingVerbose(rows[0].Sample, rows[0].WindowStart, rows[0].WindowEnd, rows[0].Duration, Narration.Processes(query.ProcessIds), Narration.Names(Name));
            }
            if (rows.Count == 0 || rows[0].Sample <= 1)
            {
                ReportMisses(rows, query.ProcessIds);
            }
            WriteRecords(Bound(nameof(Top)) ? rows.Take(Top) : rows);
        }
        // The session's count since it started, as Start-SchedTrace's DroppedTasks shows it.
        WriteLosses(LossReport.OfTaskTable(session));
    }

    /// <summary>As Get-Process does: a literal name or a typed id that matched nothing is an error.</summary>
    private void ReportMisses(IReadOnlyList<ProcessCpuTime> rows, IReadOnlyCollection<int> processIds)
    {
        const string advice = "Check the name or id with Get-Process; a process that did not run in the window has no CPU time to report (use -Top without -Name to see what ran).";
        foreach (var name in names.LiteralMisses(rows.Select(r => r.Name).ToList()))
        {
            WriteError(NotFound($"No process named '{name}' ran in the window.", ProcessNameFilter.NotFoundId, name, advice));
        }
        foreach (int id in processIds.Intersect(TypedProcessIds).Where(id => !rows.Any(r => r.ProcessId == id)))
        {
            WriteError(NotFound($"No process with id {id} ran in the window.", "ProcessIdNotFound", id, advice));
        }
    }
}

using System.Management.Automation;

namespace SchedTrace.PowerShell;

/// <summary>On-CPU time per process (or thread) over a window, busiest first.</summary>
[Cmdlet(VerbsCommon.Get, "ProcessCpuTime", DefaultParameterSetName = ForDuration)]
[OutputType(typeof(ProcessCpuTime))]
public sealed class GetProcessCpuTimeCommand : SessionReadingCmdlet
{
    /// <summary>Only these processes (tgids).</summary>
    [Parameter]
    [Alias("PID")]
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
    private long droppedReported;

    protected override void BeginProcessing() => names = new ProcessNameFilter(Name ?? Array.Empty<string>(), this);

    protected override void ProcessRecord()
    {
        try
        {
            var plan = Plan();
            // -Top is applied here, after the not-found checks have seen every row that ran.
            var query = new CpuTimeQuery
            {
                ProcessIds = Id ?? Array.Empty<int>(),
                NameFilter = Name is null ? null : names.Matches,
                PerThread = PerThread,
            };
            if (Session is not null)
            {
                Emit(Session, plan, query);
                return;
            }
            using var session = StartSession(new SchedTraceSessionOptions
            {
                Features = SchedTraceFeature.CpuTime,
                // One process: filter in the kernel too, so other tasks cost nothing.
                ProcessId = Id is { Length: 1 } ? Id[0] : null,
            });
            Emit(session, plan, query);
        }
        catch (SchedTraceException e)
        {
            ThrowTerminating(e, Session);
        }
    }

    private void Emit(SchedTraceSession session, SamplingPlan plan, CpuTimeQuery query)
    {
        foreach (var rows in Collect(plan, "Measuring CPU time per process", report => ProcessCpuTime.Collect(session, plan, query, Cancellation, report)))
        {
            if (rows.Count == 0 || rows[0].Sample <= 1)
            {
                ReportMisses(rows);
            }
            WriteRecords(Bound(nameof(Top)) ? rows.Take(Top) : rows);
        }
        if (session.DroppedTasks > droppedReported)
        {
            WriteWarning($"{session.DroppedTasks - droppedReported} thread(s) did not fit in the task table ({session.TaskTableCapacity} entries); their CPU time is missing.");
            droppedReported = session.DroppedTasks;
        }
    }

    /// <summary>As Get-Process does: a literal name or an id that matched nothing is an error.</summary>
    private void ReportMisses(IReadOnlyList<ProcessCpuTime> rows)
    {
        foreach (var name in names.LiteralMisses(rows.Select(r => r.Name).ToList()))
        {
            WriteError(NotFound($"No process named '{name}' ran in the window.", "ProcessNameNotFound", name));
        }
        foreach (int id in Id ?? Array.Empty<int>())
        {
            if (!rows.Any(r => r.ProcessId == id))
            {
                WriteError(NotFound($"No process with id {id} ran in the window.", "ProcessIdNotFound", id));
            }
        }
    }

    private static ErrorRecord NotFound(string message, string errorId, object target) =>
        new(new ItemNotFoundException(message), errorId, ErrorCategory.ObjectNotFound, target)
        {
            ErrorDetails = new ErrorDetails(message) { RecommendedAction = "Check the name or id with Get-Process; a process that did not run in the window has no CPU time to report (use -Top without -Name to see what ran)." },
        };
}

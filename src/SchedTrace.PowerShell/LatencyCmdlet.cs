using System.Management.Automation;

namespace SchedTrace.PowerShell;

/// <summary>
/// What the latency cmdlets share (Measure-RunQueueLatency, Measure-OffCpuTime,
/// Measure-ScheduleTime, Measure-OnCpuTime): the process and CPU filters, the row shape, the session they start,
/// and the errors and warnings. The figures come from <see cref="LatencyReport"/>.
/// </summary>
public abstract class LatencyCmdlet : SessionReadingCmdlet
{
    /// <summary>Only these processes (tgids).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("ProcessId", "PID")]
    [ValidateNotNullOrEmpty]
    [ValidateRange(1, int.MaxValue)]
    public int[]? Id { get; set; }

    /// <summary>Only processes whose name (comm) matches; wildcards allowed.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ProcessNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Only intervals that ended on this CPU (where the task then ran).</summary>
    [Parameter]
    [ValidateRange(0, 4095)]
    public int Cpu { get; set; }

    /// <summary>One row per process (and reason) instead of one for the whole selection.</summary>
    [Parameter]
    public SwitchParameter PerProcess { get; set; }

    /// <summary>One row per CPU (and reason): the CPU where each interval ended.</summary>
    [Parameter]
    public SwitchParameter PerCpu { get; set; }

    private ProcessNameFilter names = null!;

    /// <summary>Without -Duration a measure collects until Ctrl+C, as bcc's tools and the CLI's verbs do.</summary>
    private protected LatencyCmdlet(LatencyReportKind kind)
    {
        Kind = kind;
        Duration = TimeSpan.Zero;
    }

    /// <summary>Which report this cmdlet writes.</summary>
    private protected LatencyReportKind Kind { get; }

    /// <summary>Called once the session to read is known: <paramref name="started"/> when this command started it.</summary>
    private protected virtual void OnSession(SchedTraceSession session, bool started)
    {
    }

    private protected override int[]? ProcessIdInput => Id;

    private protected override void Prepare()
    {
        names = new ProcessNameFilter(Name, this);
        // What the parameters alone make impossible ends the command before any input is read.
        var bare = Query(Kind, null, null, PerProcess, PerCpu, Bound(nameof(Cpu)) ? Cpu : null);
        if (LatencyReport.Refusal(bare, Array.Empty<int>(), bare.Cpu) is { } refusal)
        {
            ThrowTerminating(refusal);
        }
    }

    /// <summary>The processes and the CPU are filtered in the kernel; per-process histograms only where the query needs them.</summary>
    private protected override SchedTraceSessionOptions NewSession(SamplingPlan plan, IReadOnlyList<int> processIds, IReadOnlyList<int> threadIds)
    {
        var query = Query(processIds);
        var options = query.SessionOptions();
        ThrowIfRefused(query, options.ProcessIds, options.Cpu);
        if (plan.Mode == SamplingMode.UntilStopped)
        {
            ThrowIfCtrlCUnreadable($"Give -Duration (e.g. -Duration 10), or start a session (Start-SchedTrace -Feature {query.Feature}) and read it with -Session whenever you like.");
        }
        return options;
    }

    private protected override void Read(SchedTraceSession session, SamplingPlan plan, IReadOnlyList<int> processIds, IReadOnlyList<int> threadIds, bool started)
    {
        var query = Query(processIds);
        if (!started)
        {
            // Refused before any waiting; the core refuses the rest (FeatureNotEnabled, SessionNotPerProcess).
            ThrowIfRefused(query, session.ProcessIds, session.Cpu);
        }
        Emit(session, plan, query, started);
    }

    private LatencyQuery Query(IReadOnlyList<int> processIds) => Query(Kind, processIds.ToArray(), names.Filter, PerProcess, PerCpu, Bound(nameof(Cpu)) ? Cpu : null);

    private static void ThrowIfRefused(LatencyQuery query, IReadOnlyCollection<int> kernelProcessIds, int? kernelCpu)
    {
        if (LatencyReport.Refusal(query, kernelProcessIds, kernelCpu) is { } refusal)
        {
            throw refusal;
        }
    }

    private void Emit(SchedTraceSession session, SamplingPlan plan, LatencyQuery query, bool started)
    {
        OnSession(session, started);
        // A session started for this reading counts from its attach: exact extremes.
        query = query with { StartsWithSession = started };
        // Only per-process rows can miss values that the global and per-CPU figures keep.
        bool processRows = query.NeedsProcessRows(session.ProcessIds);
        // A reading from the session's start covers every value it ever dropped or lost.
        var reported = started || plan.Mode == SamplingMode.SinceStart ? LossReport.None : LossReport.OfLatencyTable(session, processRows);
        bool first = true;
        foreach (var rows in Collect(plan, $"Measuring {Describe(Kind)}", report => LatencyReport.Collect(session, plan, query, Cancellation, report)))
        {
            if (rows.Count > 0)
            {
                WriteReadingVerbose(rows[0].Sample, rows[0].WindowStart, rows[0].WindowEnd, rows[0].Duration, Narration.Processes(query.ProcessIds), Narration.Names(Name));
            }
            if (first)
            {
                ReportMisses(rows, query);
                first = false;
            }
            WriteRecords(rows);
            var losses = LossReport.OfLatencyTable(session, processRows);
            WriteLosses(losses.Since(reported));
            reported = losses;
        }
    }

    /// <summary>
    /// As Get-Process does, a literal -Name or a typed -Id that matched nothing is an error (a piped process existed). Per-process
    /// rows say which processes were measured; other rows merge the selection, so there a miss is
    /// only known when nothing at all was measured.
    /// </summary>
    private void ReportMisses(IReadOnlyList<LatencyStatistics> rows, LatencyQuery query)
    {
        // The handover is the CPU's, not any process's: it says nothing about the selection.
        var measured = rows.Where(r => r.Measure != LatencyMeasure.SwitchHandover && r.Count > 0).ToList();
        if (!query.PerProcess && measured.Count > 0)
        {
            return;
        }
        string what = Describe(Kind);
        const string advice = "Check the name or id with Get-Process. A process that neither waited nor ran in the window (or not on the -Cpu given) has nothing to measure: use a longer -Duration, or -PerProcess without -Name and -Id to see what was measured.";
        foreach (var name in names.LiteralMisses(measured.Select(r => r.Name ?? "").ToList()))
        {
            WriteError(NotFound($"No process named '{name}' had {what} measured in the window.", ProcessNameFilter.NotFoundId, name, advice));
        }
        foreach (int id in query.ProcessIds.Intersect(TypedProcessIds).Where(id => !measured.Any(r => r.ProcessId == id)))
        {
            WriteError(NotFound($"No process with id {id} had {what} measured in the window.", "ProcessIdNotFound", id, advice));
        }
    }

    /// <summary>The measure in words, for progress and messages.</summary>
    internal static string Describe(LatencyReportKind kind) => kind switch
    {
        LatencyReportKind.RunQueue => "run-queue latency",
        LatencyReportKind.OffCpu => "off-CPU time",
        LatencyReportKind.OnCpu => "on-CPU slices",
        _ => "time in schedule()",
    };

    /// <summary>The core's query for these parameters.</summary>
    internal static LatencyQuery Query(LatencyReportKind kind, int[]? ids, Func<string, bool>? nameFilter, bool perProcess, bool perCpu, int? cpu) => new()
    {
        Kind = kind,
        ProcessIds = ids ?? Array.Empty<int>(),
        NameFilter = nameFilter,
        PerProcess = perProcess,
        PerCpu = perCpu,
        Cpu = cpu,
    };
}

namespace SchedTrace;

/// <summary>
/// Which format view shows a record. A cmdlet's output comes in variants (a one-shot reading or
/// -Interval samples, per CPU or -Total, per process or -PerThread...) that need different
/// columns: a column that is empty on every row of a variant (Sample on a one-shot reading,
/// ThreadId on process rows) only takes room from the ones that say something. PowerShell picks
/// a view by the first of an object's type names that has one, so the cmdlets insert the name
/// returned here first in PSObject.TypeNames; SchedTrace.format.ps1xml has a view for each.
/// Every row of one reading gives the same name, so a reading renders as one table.
/// </summary>
public static class RecordViews
{
    /// <summary>
    /// The type name (such as "SchedTrace.ContextSwitchCount#Total") that selects the view of
    /// <paramref name="record"/>'s variant; null where the type's own view fits (the default
    /// variant, and types with one view).
    /// </summary>
    public static string? TypeNameFor(object record) => record switch
    {
        ContextSwitchCount row => row.ViewTypeName(),
        ProcessCpuTime row => row.ViewTypeName(),
        LatencyStatistics row => row.ViewTypeName(),
        RunQueueLength row => row.ViewTypeName(),
        _ => null,
    };
}

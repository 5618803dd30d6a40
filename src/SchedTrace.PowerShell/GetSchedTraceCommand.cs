using System.Management.Automation;

namespace SchedTrace.PowerShell;

/// <summary>Lists the sessions started in this PowerShell process.</summary>
[Cmdlet(VerbsCommon.Get, "SchedTrace", DefaultParameterSetName = ByName)]
[OutputType(typeof(SchedTraceSession))]
public sealed class GetSchedTraceCommand : SchedTraceCmdlet
{
    private const string ByName = "Name";
    private const string ById = "Id";

    [Parameter(ParameterSetName = ByName, Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SessionNameCompleter))]
    public string[]? Name { get; set; }

    [Parameter(ParameterSetName = ById, Mandatory = true)]
    [ValidateRange(1, int.MaxValue)]
    public int[]? Id { get; set; }

    protected override void ProcessRecord() =>
        WriteObject(SessionLookup.Find(Name, Id, WriteError), enumerateCollection: true);
}

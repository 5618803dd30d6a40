using System.Management.Automation;

namespace SchedTrace.PowerShell;

/// <summary>Detaches sessions and frees their kernel objects, keeping their final figures.</summary>
[Cmdlet(VerbsLifecycle.Stop, "SchedTrace", DefaultParameterSetName = BySession, SupportsShouldProcess = true)]
[OutputType(typeof(SchedTraceSession))]
public sealed class StopSchedTraceCommand : SchedTraceCmdlet
{
    private const string BySession = "Session";
    private const string ByName = "Name";
    private const string ById = "Id";

    [Parameter(ParameterSetName = BySession, Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public SchedTraceSession[]? Session { get; set; }

    /// <summary>Names of the sessions; wildcards allowed. Bound from a piped object's Name too, as Stop-Job does.</summary>
    [Parameter(ParameterSetName = ByName, Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SessionNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Ids of the sessions. Bound from a piped object's Id too.</summary>
    [Parameter(ParameterSetName = ById, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, int.MaxValue)]
    public int[]? Id { get; set; }

    /// <summary>Writes each stopped session (with its final figures) to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var sessions = ParameterSetName == BySession ? Session! : SessionLookup.Find(Name, Id, WriteError).ToArray();
        foreach (var session in sessions)
        {
            if (!ShouldProcess(session.ToString(), "Detach and free BPF programs and maps"))
            {
                continue;
            }
            SessionRegistry.Stop(session);
            if (PassThru)
            {
                WriteObject(session);
            }
        }
    }
}

using System.Management.Automation;

namespace SchedTrace.PowerShell;

/// <summary>Lists the sessions started in this PowerShell process.</summary>
[Cmdlet(VerbsCommon.Get, "SchedTrace", DefaultParameterSetName = ByName)]
[OutputType(typeof(SchedTraceSession))]
public sealed class GetSchedTraceCommand : SchedTraceCmdlet
{
    private const string ByName = "Name";
    private const string ById = "Id";

    /// <summary>Names of the sessions; wildcards allowed. Bound from a piped object's Name too.</summary>
    [Parameter(ParameterSetName = ByName, Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SessionNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Ids of the sessions. Bound from a piped object's Id too (a session, or [pscustomobject]@{ Id = 3 }).</summary>
    [Parameter(ParameterSetName = ById, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, int.MaxValue)]
    public int[]? Id { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var session in SessionLookup.Find(Name, Id, WriteError))
        {
            try
            {
                // The counters it shows come from one read, taken now.
                session.Refresh();
            }
            catch (SchedTraceException e)
            {
                // The session is still listed, with the counters of its last read.
                WriteError(ToErrorRecord(e, session));
            }
            WriteObject(session);
        }
    }
}

using System.Management.Automation;

namespace SchedTrace.PowerShell;

/// <summary>Time in schedule() per call, and the CPU's handover, by the best method the kernel allows.</summary>
[Cmdlet(VerbsDiagnostic.Measure, "ScheduleTime", DefaultParameterSetName = ForDuration)]
[OutputType(typeof(LatencyStatistics))]
public sealed class MeasureScheduleTimeCommand() : LatencyCmdlet(LatencyReportKind.ScheduleTime)
{
    /// <summary>
    /// Which method times schedule() (also the Method of every row). Not a warning: the session
    /// took the best method the kernel allows. A session this command started has already written
    /// why better ones were refused; a running session's reason is repeated here.
    /// </summary>
    private protected override void OnSession(SchedTraceSession session, bool started)
    {
        WriteVerbose($"The {session.Describe()} times schedule() with {SchedTraceSession.Describe(session.ScheduleMethod)} (ScheduleMethod {session.ScheduleMethod}).");
        if (!started && session.ScheduleMethodNote is { } note)
        {
            WriteVerbose(note);
        }
    }
}

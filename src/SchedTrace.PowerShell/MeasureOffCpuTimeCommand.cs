using System.Management.Automation;

namespace SchedTrace.PowerShell;

/// <summary>Off-CPU time: how long threads stayed off a CPU, by why they left it.</summary>
[Cmdlet(VerbsDiagnostic.Measure, "OffCpuTime", DefaultParameterSetName = ForDuration)]
[OutputType(typeof(LatencyStatistics))]
public sealed class MeasureOffCpuTimeCommand() : LatencyCmdlet(LatencyReportKind.OffCpu);

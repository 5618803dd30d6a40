using System.Management.Automation;

namespace SchedTrace.PowerShell;

/// <summary>On-CPU slices: how long threads ran each time they got a CPU, by how the slice ended.</summary>
[Cmdlet(VerbsDiagnostic.Measure, "OnCpuTime", DefaultParameterSetName = ForDuration)]
[OutputType(typeof(LatencyStatistics))]
public sealed class MeasureOnCpuTimeCommand() : LatencyCmdlet(LatencyReportKind.OnCpu);

using System.Management.Automation;

namespace SchedTrace.PowerShell;

/// <summary>Run-queue latency: how long threads waited, runnable, for a CPU.</summary>
[Cmdlet(VerbsDiagnostic.Measure, "RunQueueLatency", DefaultParameterSetName = ForDuration)]
[OutputType(typeof(LatencyStatistics))]
public sealed class MeasureRunQueueLatencyCommand() : LatencyCmdlet(LatencyReportKind.RunQueue);

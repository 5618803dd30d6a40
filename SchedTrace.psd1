@{
    RootModule           = 'SchedTrace.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5b0f3d5e-7a4c-4f4e-9a53-2f1c9e6d8b71'
    Author               = 'SchedTrace developers'
    CompanyName          = 'SchedTrace'
    Copyright            = '(c) SchedTrace developers. GPL-2.0 (BPF programs) / MIT (everything else).'
    Description          = 'Traces the Linux CPU scheduler with eBPF and writes typed objects: context switches per CPU, CPU time per process, live scheduler events, run-queue latency, off-CPU time, time in schedule() and priority inversions, in sessions that aggregate in the kernel.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    RequiredAssemblies   = @('SchedTrace.Core.dll')
    FormatsToProcess     = @('SchedTrace.format.ps1xml')
    CmdletsToExport      = @(
        'Start-SchedTrace'
        'Get-SchedTrace'
        'Stop-SchedTrace'
        'Get-ContextSwitchCount'
        'Get-ProcessCpuTime'
        'Watch-SchedEvent'
        'Export-SchedTimeline'
        'Measure-RunQueueLatency'
        'Measure-OffCpuTime'
        'Measure-ScheduleTime'
        'Measure-OnCpuTime'
        'Measure-RunQueueLength'
        'Watch-PriorityInversion'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('Linux', 'eBPF', 'BPF', 'scheduler', 'performance', 'tracing')
            ProjectUri = ''
        }
    }
}

# Dot-sourced by every *.Tests.ps1 in this folder (from BeforeAll): where the built module is,
# and the checks and oracles the tests share. Not a test file itself.

$script:RepoRoot = (Resolve-Path -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath '../..')).Path

# The one version source; the build writes the module to out/SchedTrace/<version>/.
[xml]$buildProps = Get-Content -Raw -LiteralPath (Join-Path -Path $script:RepoRoot -ChildPath 'Directory.Build.props')
$script:ModuleVersion = @($buildProps.Project.PropertyGroup.Version | Where-Object { $_ })[0].Trim()
$script:ModuleManifest = Join-Path -Path $script:RepoRoot -ChildPath "out/SchedTrace/$script:ModuleVersion/SchedTrace.psd1"

$script:CmdletNames = @('Export-SchedTimeline', 'Get-ContextSwitchCount', 'Get-ProcessCpuTime', 'Get-SchedTrace', 'Measure-OffCpuTime', 'Measure-RunQueueLatency', 'Measure-ScheduleTime', 'Start-SchedTrace', 'Stop-SchedTrace', 'Watch-PriorityInversion', 'Watch-SchedEvent')

function Import-BuiltModule {
    # Tests run the module as users get it, from the build layout, never from the source tree.
    if (-not (Test-Path -LiteralPath $script:ModuleManifest)) {
        throw "The built module $script:ModuleManifest is missing: run ./build.ps1 first."
    }
    Import-Module -Name $script:ModuleManifest -Force -ErrorAction Stop
}

function Assert-CanTrace {
    # Loading BPF programs needs root (or CAP_BPF and CAP_PERFMON). Failing here, once and by
    # name, beats every test failing on its own PermissionDenied; these tests never skip.
    $uid = (& id -u)
    if ($uid -ne '0') {
        throw "These tests load BPF programs into the kernel and must run as root; this is uid $uid. Run: sudo ./build.ps1 -Test"
    }
}

function Stop-AllSchedTrace {
    # Sessions outlive the command that started them: leave none behind for the next test.
    Get-SchedTrace | Stop-SchedTrace -Confirm:$false
}

function Get-OnlineCpu {
    # /sys/devices/system/cpu/online reads like "0-1" or "0,2-3".
    $text = (Get-Content -Raw -LiteralPath '/sys/devices/system/cpu/online').Trim()
    foreach ($range in $text.Split(',')) {
        $bounds = $range.Split('-')
        ([int]$bounds[0])..([int]$bounds[-1])
    }
}

function Get-SystemContextSwitch {
    # The kernel's own count of context switches on all CPUs since boot: the oracle.
    $line = Get-Content -LiteralPath '/proc/stat' | Where-Object { $_.StartsWith('ctxt ') }
    [long]($line -split '\s+')[1]
}

function Get-TaskRuntimeNs {
    # The kernel's own CPU time of a task, in nanoseconds: the first field of schedstat, which
    # for a process is its main thread's. The oracle for Get-ProcessCpuTime.
    param([Parameter(Mandatory)][int]$ProcessId)
    [long](Get-Content -Raw -LiteralPath "/proc/$ProcessId/schedstat").Split(' ')[0]
}

function Get-HistogramCellCount {
    # The events in a LatencyStatistics Histogram cell ("lowerNs-upperNs:count;..."): the sum of
    # its counts, which must equal the row's Count (the buckets are whole histogram slots).
    param([AllowEmptyString()][string]$Histogram)
    $sum = [long]0
    foreach ($item in $Histogram.Split(';', [System.StringSplitOptions]::RemoveEmptyEntries)) {
        $sum += [long]$item.Split(':')[1]
    }
    $sum
}

function Get-TaskRunDelayNs {
    # The kernel's own run-queue wait of a task, in nanoseconds: the second field of schedstat
    # (time spent runnable but waiting for a CPU). The oracle for Measure-RunQueueLatency.
    param([Parameter(Mandatory)][int]$ProcessId)
    [long](Get-Content -Raw -LiteralPath "/proc/$ProcessId/schedstat").Split(' ')[1]
}

# Dot-sourced by every *.Tests.ps1 in this folder (from BeforeAll): where the built module is,
# and the checks and oracles the tests share. Not a test file itself.

$script:RepoRoot = (Resolve-Path -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath '../..')).Path

# The one version source; the build writes the module to out/SchedTrace/<version>/.
[xml]$buildProps = Get-Content -Raw -LiteralPath (Join-Path -Path $script:RepoRoot -ChildPath 'Directory.Build.props')
$script:ModuleVersion = @($buildProps.Project.PropertyGroup.Version | Where-Object { $_ })[0].Trim()
$script:ModuleManifest = Join-Path -Path $script:RepoRoot -ChildPath "out/SchedTrace/$script:ModuleVersion/SchedTrace.psd1"

# The native CLI that every build publishes (SchedTraceCliDir in Directory.Build.props).
$script:Cli = Join-Path -Path $script:RepoRoot -ChildPath 'out/cli/schedtrace'

$script:CmdletNames = @('Export-SchedTimeline', 'Get-ContextSwitchCount', 'Get-ProcessCpuTime', 'Get-SchedTrace', 'Measure-OffCpuTime', 'Measure-OnCpuTime', 'Measure-RunQueueLatency', 'Measure-RunQueueLength', 'Measure-ScheduleTime', 'Start-SchedTrace', 'Stop-SchedTrace', 'Watch-PriorityInversion', 'Watch-SchedEvent')

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

function Get-PidOneContextSwitch {
    # Switches made by PID 1's threads (their own counters). On the Firecracker VMs the tests run
    # on, the kernel counts them in ctxt but never fires sched_switch for them (ftrace misses them
    # too), so a traced machine-wide count can fall short of ctxt by this much. A thread that
    # exits meanwhile is left out.
    $sum = 0L
    foreach ($task in Get-ChildItem -LiteralPath '/proc/1/task' -Directory -ErrorAction Ignore) {
        $lines = Get-Content -LiteralPath (Join-Path -Path $task.FullName -ChildPath 'status') -ErrorAction Ignore
        foreach ($line in $lines) {
            if ($line -match '^(non)?voluntary_ctxt_switches:\s+(\d+)$') {
                $sum += [long]$Matches[2]
            }
        }
    }
    $sum
}

function Get-TaskRuntimeNs {
    # The kernel's own CPU time of a task, in nanoseconds: the first field of schedstat, which
    # for a process is its main thread's. The oracle for Get-ProcessCpuTime.
    param([Parameter(Mandatory)][int]$ProcessId)
    [long](Get-Content -Raw -LiteralPath "/proc/$ProcessId/schedstat").Split(' ')[0]
}

function Measure-KernelRuntime {
    # Runs $Reading between two reads of a process's schedstat run time and of the clock: what
    # the kernel says the process ran while the reading ran, for checking a reading's window
    # inside it. Returns the reading's output and the bracket.
    param(
        [Parameter(Mandatory)][int]$ProcessId,
        [Parameter(Mandatory)][scriptblock]$Reading
    )
    $before = Get-TaskRuntimeNs -ProcessId $ProcessId
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $output = @(& $Reading)
    $clock.Stop()
    $after = Get-TaskRuntimeNs -ProcessId $ProcessId
    [pscustomobject]@{ Output = $output; KernelNs = $after - $before; OuterNs = $clock.Elapsed.Ticks * 100 }
}

function Assert-RuntimeMatchesKernel {
    # A single-threaded process's CPU time in a window that lies inside the bracket: at most the
    # kernel's figure for the bracket, and at least that less what one thread can run in the
    # part of the bracket outside the window; each edge reads sum_exec_runtime as the scheduler
    # last updated it, up to a tick (10 ms at HZ=100) behind a running task.
    param(
        [Parameter(Mandatory)]$Row,
        [Parameter(Mandatory)]$Bracket
    )
    $tick = 10000000
    $outside = $Bracket.OuterNs - $Row.Duration.Ticks * 100
    $Row.CpuTimeNs | Should -BeLessOrEqual ($Bracket.KernelNs + 2 * $tick)
    $Row.CpuTimeNs | Should -BeGreaterOrEqual ($Bracket.KernelNs - $outside - 2 * $tick)
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

function Get-BpfObjectHeld {
    # The BPF programs, maps and links a process holds an fd to, as 'prog:12', 'map:7', 'link:3':
    # the first *_id line of each /proc/<pid>/fdinfo entry (a link's also names its program).
    param([Parameter(Mandatory)][int]$ProcessId)
    foreach ($info in Get-ChildItem -LiteralPath "/proc/$ProcessId/fdinfo" -ErrorAction SilentlyContinue) {
        $lines = Get-Content -LiteralPath $info.FullName -ErrorAction SilentlyContinue
        $first = $lines | Where-Object { $_ -match '^(prog|map|link)_id:\s*(\d+)' } | Select-Object -First 1
        if ($first -match '^(prog|map|link)_id:\s*(\d+)') {
            "$($Matches[1]):$($Matches[2])"
        }
    }
}

function Wait-Until {
    # Waits for something the test is expecting to happen, polling every 50 ms, and fails with
    # what did not happen when the time is up. Returns how long it took. A wait, not a retry:
    # the condition is an event, and nothing is done again.
    param(
        [Parameter(Mandatory)][scriptblock]$Condition,
        [Parameter(Mandatory)][timespan]$Timeout,
        [Parameter(Mandatory)][string]$What
    )
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    while (-not (& $Condition)) {
        if ($clock.Elapsed -gt $Timeout) {
            throw "Waited $($Timeout.TotalSeconds) s for $What, in vain."
        }
        Start-Sleep -Milliseconds 50
    }
    $clock.Elapsed
}

function Start-TmuxPwsh {
    # A real interactive pwsh in a terminal (tmux): pwsh's console host, where Ctrl+C is a key
    # the user types (Send-TmuxKey C-c) rather than a signal a test sends. The session name is
    # unique to this run; Stop-TmuxPwsh kills it (from AfterAll). The built module is imported,
    # and the result has the pwsh's process id.
    param([int]$Width = 160, [int]$Height = 60)
    $name = "schedtrace-pester-$PID-" + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $pwsh = Join-Path -Path $PSHOME -ChildPath 'pwsh'
    & tmux new-session -d -s $name -x $Width -y $Height $pwsh -NoProfile -NoLogo
    if ($LASTEXITCODE -ne 0) {
        throw "tmux could not start $pwsh (is tmux installed? scripts/install-deps.sh installs it)"
    }
    $tmux = [pscustomobject]@{ Name = $name; ProcessId = 0 }
    try {
        # Keys typed before the prompt reads them reach it as a line it does not run.
        $null = Wait-Until -Condition { (Get-TmuxPane -Tmux $tmux) -match '(?m)^PS .*>' } -Timeout ([timespan]::FromSeconds(60)) -What "the prompt of the pwsh in tmux session $name"
        $pidFile = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath "$name.pid"
        Send-TmuxLine -Tmux $tmux -Line "Import-Module -Name '$script:ModuleManifest' -ErrorAction Stop; `$PID | Set-Content -LiteralPath '$pidFile'"
        $null = Wait-Until -Condition { (Test-Path -LiteralPath $pidFile) -and (Get-Content -LiteralPath $pidFile) } -Timeout ([timespan]::FromSeconds(60)) -What "the pwsh in tmux session $name to import the module"
        $tmux.ProcessId = [int](Get-Content -LiteralPath $pidFile)
        Remove-Item -LiteralPath $pidFile
    }
    catch {
        Stop-TmuxPwsh -Tmux $tmux
        throw
    }
    $tmux
}

function Stop-TmuxPwsh {
    param([Parameter(Mandatory)][AllowNull()]$Tmux)
    if ($Tmux) {
        & tmux kill-session -t $Tmux.Name 2>$null
    }
}

function Send-TmuxLine {
    # Types a command line at the prompt, as is, and Enter.
    param([Parameter(Mandatory)]$Tmux, [Parameter(Mandatory)][string]$Line)
    & tmux send-keys -t $Tmux.Name -l -- $Line
    & tmux send-keys -t $Tmux.Name Enter
}

function Send-TmuxKey {
    # Presses keys in tmux's names (C-c is Ctrl+C).
    param([Parameter(Mandatory)]$Tmux, [Parameter(Mandatory)][string[]]$Key)
    & tmux send-keys -t $Tmux.Name @Key
}

function Get-TmuxPane {
    # What the terminal shows, with its scrollback, wrapped lines joined.
    param([Parameter(Mandatory)]$Tmux)
    (& tmux capture-pane -p -J -S '-' -t $Tmux.Name) -join "`n"
}

function Clear-TmuxPane {
    # A clean screen and scrollback, so that a check of the pane sees only the next command.
    param([Parameter(Mandatory)]$Tmux)
    $marker = 'cleared-' + [guid]::NewGuid().ToString('N')
    Send-TmuxLine -Tmux $Tmux -Line "Clear-Host; '$marker'.ToUpperInvariant()"
    $null = Wait-Until -Condition { (Get-TmuxPane -Tmux $Tmux) -cmatch $marker.ToUpperInvariant() } -Timeout ([timespan]::FromSeconds(30)) -What 'the terminal to clear'
    & tmux clear-history -t $Tmux.Name
}

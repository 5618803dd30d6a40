#Requires -Version 7.4
# Needs root: these tests attach real BPF programs and run SCHED_FIFO threads (see Assert-CanTrace).

BeforeAll {
    . "$PSScriptRoot/TestSupport.ps1"
    Assert-CanTrace
    Import-BuiltModule
    Stop-AllSchedTrace

    function Invoke-FreshPwsh {
        # A new pwsh process: nothing of this one (sessions, Ids) is in it. The dotnet-tool pwsh
        # runs as dotnet with pwsh.dll; a native pwsh is its own executable.
        param([Parameter(Mandatory)][string]$Command)
        $runtime = [Environment]::ProcessPath
        if ([System.IO.Path]::GetFileNameWithoutExtension($runtime) -eq 'dotnet') {
            & $runtime (Join-Path -Path $PSHOME -ChildPath 'pwsh.dll') -NoProfile -NonInteractive -Command $Command
        }
        else {
            & $runtime -NoProfile -NonInteractive -Command $Command
        }
        if ($LASTEXITCODE -ne 0) {
            throw "the child pwsh exited with $LASTEXITCODE"
        }
    }

    function Invoke-Bounded {
        # Runs a script block in a runspace of its own and fails, rather than hanging, when it
        # does not end within the bound: what the tests below check is that something ends.
        param([Parameter(Mandatory)][scriptblock]$ScriptBlock, [object[]]$ArgumentList = @(), [double]$Seconds = 10)
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module -Name '$ModuleManifest'").AddStatement().AddScript($ScriptBlock)
            foreach ($argument in $ArgumentList) {
                $null = $ps.AddArgument($argument)
            }
            $handle = $ps.BeginInvoke()
            if (-not $handle.AsyncWaitHandle.WaitOne([timespan]::FromSeconds($Seconds))) {
                $ps.Stop()
                throw "it did not end within $Seconds s"
            }
            $output = $ps.EndInvoke($handle)
            if ($ps.Streams.Error.Count -gt 0) {
                throw $ps.Streams.Error[0]
            }
            $output
        }
        finally {
            $ps.Dispose()
        }
    }

    # A workload that does nothing until told: one bash thread blocked on a FIFO. Each command
    # is a number of rounds, each a little work and a 2 ms sleep, all bash builtins (no process
    # starts); then it writes the command's number to a file and blocks again. Between commands
    # it is off the CPU and its counters in /proc stand still, so the kernel's accounting at
    # those moments is exact to compare with. It ends by itself after two idle minutes.
    $script:WorkDir = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath "schedtrace-sessions-$PID"
    $null = New-Item -ItemType Directory -Path $WorkDir -Force
    & mkfifo (Join-Path $WorkDir 'go') (Join-Path $WorkDir 'never')
    if ($LASTEXITCODE -ne 0) {
        throw "mkfifo failed in $WorkDir"
    }
    $workScript = Join-Path $WorkDir 'work.sh'
    Set-Content -LiteralPath $workScript -Value @'
dir=$1
exec 3<>"$dir/go"
exec 4<>"$dir/never"
done=0
while read -r -t 120 rounds <&3; do
    for ((i = 0; i < rounds; i++)); do
        for ((j = 0; j < 2000; j++)); do :; done
        read -r -t 0.002 -u 4 _
    done
    done=$((done + 1))
    echo "$done" > "$dir/done"
done
'@
    $script:Worker = Start-Process -FilePath 'bash' -ArgumentList $workScript, $WorkDir -PassThru
    $script:Commands = 0

    function Get-WorkerCounters {
        $status = Get-Content -LiteralPath "/proc/$($Worker.Id)/status"
        $schedstat = (Get-Content -Raw -LiteralPath "/proc/$($Worker.Id)/schedstat").Split(' ')
        [pscustomobject]@{
            Voluntary   = [long](($status | Where-Object { $_ -like 'voluntary_ctxt_switches:*' }) -split '\s+')[1]
            Involuntary = [long](($status | Where-Object { $_ -like 'nonvoluntary_ctxt_switches:*' }) -split '\s+')[1]
            RuntimeNs   = [long]$schedstat[0]
        }
    }

    function Wait-WorkerIdle {
        # Blocked (S) with switch counts that no longer move: it is in its read of the FIFO.
        $deadline = [datetime]::UtcNow.AddSeconds(30)
        $previous = $null
        while ([datetime]::UtcNow -lt $deadline) {
            $stat = Get-Content -Raw -LiteralPath "/proc/$($Worker.Id)/stat"
            $state = $stat.Substring($stat.LastIndexOf(')') + 2, 1)
            $done = Get-Content -Raw -LiteralPath (Join-Path $WorkDir 'done') -ErrorAction SilentlyContinue
            $now = Get-WorkerCounters
            $total = $now.Voluntary + $now.Involuntary
            if ("$done".Trim() -eq "$Commands" -and $state -eq 'S' -and $total -eq $previous) {
                return $now
            }
            $previous = if ($state -eq 'S') { $total } else { $null }
            Start-Sleep -Milliseconds 20
        }
        throw "the worker did not go idle after command $Commands"
    }

    function Invoke-Worker {
        # Runs a command of that many rounds to its end; returns the worker's counters then.
        param([Parameter(Mandatory)][int]$Rounds)
        $script:Commands++
        [System.IO.File]::AppendAllText((Join-Path $WorkDir 'go'), "$Rounds`n")
        Wait-WorkerIdle
    }

    # The inversion scenarios of Watch-PriorityInversion.Tests.ps1 (see the C file).
    $source = Join-Path -Path $RepoRoot -ChildPath 'tests/SchedTrace.Tests/Support/Native/inversion_workload.c'
    $script:InversionWorkload = Join-Path -Path $WorkDir -ChildPath 'inversion-workload'
    & 'gcc' '-O2' '-Wall' '-Wextra' '-Werror' '-pthread' '-o' "$InversionWorkload" "$source"
    if ($LASTEXITCODE -ne 0) {
        throw "gcc could not build $source"
    }
}

AfterAll {
    if ($Worker) {
        Stop-Process -Id $Worker.Id -ErrorAction SilentlyContinue
    }
    Stop-AllSchedTrace
    Remove-Item -LiteralPath $WorkDir -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Session Ids and names' {
    AfterEach {
        Stop-AllSchedTrace
    }

    It 'numbers Start-SchedTrace''s sessions 1, 2, 3 in a fresh pwsh, whatever one-shot readings came first' {
        $json = Invoke-FreshPwsh -Command @"
Import-Module -Name '$ModuleManifest' -ErrorAction Stop
`$null = Get-ContextSwitchCount -Duration 0.1
`$null = Get-ProcessCpuTime -Duration 0.1
`$null = Measure-OffCpuTime -Duration 0.1
`$null = Watch-SchedEvent -Count 1 -Duration 1
`$a = Start-SchedTrace
`$b = Start-SchedTrace -Name 'named'
`$null = Get-ContextSwitchCount -Duration 0.1
`$c = Start-SchedTrace
[pscustomobject]@{ Ids = @(`$a.Id, `$b.Id, `$c.Id); Names = @(`$a.Name, `$b.Name, `$c.Name); Listed = @((Get-SchedTrace).Id) } | ConvertTo-Json -Compress
"@
        $seen = $json | ConvertFrom-Json

        $seen.Ids | Should -Be @(1, 2, 3)
        $seen.Names | Should -Be @('SchedTrace1', 'named', 'SchedTrace3')
        $seen.Listed | Should -Be @(1, 2, 3)
    }

    It 'lets one of several runspaces racing for a name have it, and refuses the others' {
        $manifest = $ModuleManifest
        $outcomes = @(1..6 | ForEach-Object -ThrottleLimit 6 -Parallel {
                Import-Module -Name $using:manifest
                try {
                    $session = Start-SchedTrace -Name 'pester-race' -ErrorAction Stop
                    "started $($session.Id)"
                }
                catch {
                    $_.FullyQualifiedErrorId
                }
            })

        @($outcomes | Where-Object { $_ -like 'started *' }).Count | Should -Be 1
        @($outcomes | Where-Object { $_ -eq 'SessionNameInUse,SchedTrace.PowerShell.StartSchedTraceCommand' }).Count | Should -Be 5
        @(Get-SchedTrace -Name 'pester-race').Count | Should -Be 1
    }

    It 'gives runspaces starting at once distinct Ids that follow each other, with their own default names' {
        $manifest = $ModuleManifest
        $first = Start-SchedTrace
        $ids = @(1..6 | ForEach-Object -ThrottleLimit 6 -Parallel {
                Import-Module -Name $using:manifest
                (Start-SchedTrace).Id
            }) | Sort-Object

        $ids | Should -Be @(($first.Id + 1)..($first.Id + 6))
        (Get-SchedTrace | Where-Object Id -In $ids).Name | Should -Be @($ids | ForEach-Object { "SchedTrace$_" })
    }
}

Describe 'A stopped session''s final figures' {
    BeforeAll {
        Stop-AllSchedTrace
        $script:session = Start-SchedTrace -Name 'pester-final' -Feature 'ContextSwitches', 'CpuTime', 'RunQueueLatency', 'OffCpuTime', 'ScheduleTime', 'Events' -ProcessId $Worker.Id -WarningAction SilentlyContinue
        $script:k0 = Get-WorkerCounters

        # Round A, then a reading of the running session; round B, then another reading; then
        # the stop. The session sees only the worker, which is idle at each reading and at the stop.
        $script:k1 = Invoke-Worker -Rounds 30
        $script:runningA = @{
            Switches = $session | Get-ContextSwitchCount -Total
            Cpu      = $session | Get-ProcessCpuTime -Id $Worker.Id
            OffCpu   = @($session | Measure-OffCpuTime)
        }
        $script:k2 = Invoke-Worker -Rounds 30
        $script:runningB = @{
            Switches = $session | Get-ContextSwitchCount -Total
            Cpu      = $session | Get-ProcessCpuTime -Id $Worker.Id
            OffCpu   = @($session | Measure-OffCpuTime)
            RunQueue = @($session | Measure-RunQueueLatency)
            Schedule = @($session | Measure-ScheduleTime -WarningAction SilentlyContinue)
        }
        $script:stopped = $session | Stop-SchedTrace -PassThru
        $script:final = @{
            Switches = $stopped | Get-ContextSwitchCount -Total
            PerCpu   = @($stopped | Get-ContextSwitchCount)
            Cpu      = $stopped | Get-ProcessCpuTime -Id $Worker.Id
            OffCpu   = @($stopped | Measure-OffCpuTime)
            RunQueue = @($stopped | Measure-RunQueueLatency)
            Schedule = @($stopped | Measure-ScheduleTime -WarningAction SilentlyContinue)
        }
    }

    It 'is the session, stopped, from Stop-SchedTrace -PassThru' {
        [object]::ReferenceEquals($stopped, $session) | Should -BeTrue
        $stopped.State | Should -Be 'Stopped'
        $stopped.CountersAsOf | Should -Be $stopped.StopTime
        Get-SchedTrace -Name 'pester-final' -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'reports every reading from the start to the stop: WindowEnd is StopTime, Duration the frozen Elapsed' {
        $rows = @($final.Switches, $final.Cpu) + $final.PerCpu + $final.OffCpu + $final.RunQueue + $final.Schedule
        foreach ($row in $rows) {
            $row.Sample | Should -Be 0
            $row.WindowStart | Should -Be $stopped.StartTime
            $row.WindowEnd | Should -Be $stopped.StopTime
            $row.Duration | Should -Be $stopped.Elapsed
        }
    }

    It 'counts the worker''s switches as the kernel did: at each reading, and to the stop' {
        # The worker is blocked at every reading and at the stop: the counts are exact.
        ($k1.Voluntary - $k0.Voluntary) | Should -BeGreaterOrEqual 30 -Because 'each of round A''s 30 rounds sleeps'
        ($k2.Voluntary - $k1.Voluntary) | Should -BeGreaterOrEqual 30 -Because 'each of round B''s 30 rounds sleeps'
        $runningA.Switches.Voluntary | Should -Be ($k1.Voluntary - $k0.Voluntary)
        $runningA.Switches.Involuntary | Should -Be ($k1.Involuntary - $k0.Involuntary)
        $final.Switches.Voluntary | Should -Be ($k2.Voluntary - $k0.Voluntary)
        $final.Switches.Involuntary | Should -Be ($k2.Involuntary - $k0.Involuntary)
        $final.Switches.FromIdle | Should -Be 0
        # The final figures are the reading before round B plus what round B did.
        $final.Switches.Switches - $runningA.Switches.Switches | Should -Be (($k2.Voluntary + $k2.Involuntary) - ($k1.Voluntary + $k1.Involuntary))
        $final.Switches.Switches | Should -Be $runningB.Switches.Switches
        ($final.PerCpu | Measure-Object -Property Switches -Sum).Sum | Should -Be $final.Switches.Switches
    }

    It 'counts the worker''s CPU time as the kernel did, to the nanosecond' {
        # sum_exec_runtime of a task off the CPU stands still: both figures are exact there.
        $runningA.Cpu.CpuTimeNs | Should -Be ($k1.RuntimeNs - $k0.RuntimeNs)
        $final.Cpu.CpuTimeNs | Should -Be ($k2.RuntimeNs - $k0.RuntimeNs)
        $final.Cpu.CpuTimeNs - $runningA.Cpu.CpuTimeNs | Should -Be ($k2.RuntimeNs - $k1.RuntimeNs)
        $final.Cpu.Switches | Should -Be $final.Switches.Switches
    }

    It 'keeps the latency figures of the last reading, and round B''s intervals on top of the first' {
        # Nothing of the worker happens between the reading after round B and the stop: every
        # figure is the same. Round B adds an interval at each switch-in of the worker, so at
        # most its switch count (the first switch-in of round B ends the wait that round A's
        # last switch-out began), and at least one per sleep that was measured (30 rounds).
        foreach ($measure in 'OffCpu', 'RunQueue', 'Schedule') {
            $before = $runningB[$measure]
            $after = $final[$measure]
            $after.Count | Should -Be $before.Count -Because $measure
            for ($i = 0; $i -lt $after.Count; $i++) {
                $after[$i].Reason | Should -Be $before[$i].Reason
                $after[$i].Count | Should -Be $before[$i].Count -Because "$measure $($after[$i].Reason)"
                $after[$i].TotalNs | Should -Be $before[$i].TotalNs -Because "$measure $($after[$i].Reason)"
                $after[$i].MaxNs | Should -Be $before[$i].MaxNs -Because "$measure $($after[$i].Reason)"
            }
        }
        $roundB = ($k2.Voluntary + $k2.Involuntary) - ($k1.Voluntary + $k1.Involuntary)
        $added = ($final.OffCpu | Measure-Object -Property Count -Sum).Sum - ($runningA.OffCpu | Measure-Object -Property Count -Sum).Sum
        $added | Should -BeGreaterThan 0
        $added | Should -BeLessOrEqual $roundB
    }

    It 'hands over the events left in its buffer once, and a watch of it ends at once' {
        $events = @(Invoke-Bounded -ScriptBlock { param($s) $s | Watch-SchedEvent } -ArgumentList $stopped)
        $again = @(Invoke-Bounded -ScriptBlock { param($s) $s | Watch-SchedEvent } -ArgumentList $stopped)

        # Each switch-out of the worker is one event, as the kernel counted them.
        @($events | Where-Object { $_.Type -eq 'Switch' -and $_.PrevProcessId -eq $Worker.Id }).Count | Should -Be (($k2.Voluntary + $k2.Involuntary) - ($k0.Voluntary + $k0.Involuntary))
        $stopped.LostEvents | Should -Be 0
        $again.Count | Should -Be 0
    }

    It 'refuses -Interval with <Command>: there is nothing more to sample' -ForEach @(
        @{ Command = 'Get-ContextSwitchCount' }
        @{ Command = 'Get-ProcessCpuTime' }
        @{ Command = 'Measure-RunQueueLatency' }
        @{ Command = 'Measure-OffCpuTime' }
        @{ Command = 'Measure-ScheduleTime' }
    ) {
        $thrown = { $stopped | & $Command -Interval 0.2 -Count 1 -ErrorAction Stop } | Should -Throw -ErrorId "SessionStopped,SchedTrace.PowerShell.$($Command -replace '-', '')Command" -PassThru

        $thrown.CategoryInfo.Category | Should -Be 'InvalidOperation'
        $thrown.Exception.Message | Should -BeLike "*'pester-final'*stopped*nothing more to sample*"
        $thrown.ErrorDetails.RecommendedAction | Should -BeLike '*Leave out -Interval*'
    }
}

Describe 'A stopped session''s priority-inversion alerts' {
    It 'hands over the alerts left in its buffer, and a watch of it ends at once' {
        $session = Start-SchedTrace -Name 'pester-final-inversion' -Feature PriorityInversion
        $cpu = @(Get-OnlineCpu)[-1]
        $lines = & $InversionWorkload 'lock' $cpu 0 300
        $LASTEXITCODE | Should -Be 0
        $tids = @(($lines | Where-Object { $_.StartsWith('tids ') }) -split ' ' | Select-Object -Skip 1 | ForEach-Object { [int]$_ })
        $stopped = $session | Stop-SchedTrace -PassThru

        $alerts = @(Invoke-Bounded -ScriptBlock { param($s) $s | Watch-PriorityInversion } -ArgumentList $stopped)
        $again = @(Invoke-Bounded -ScriptBlock { param($s) $s | Watch-PriorityInversion } -ArgumentList $stopped)

        # The lock scenario: high waits on the mutex low holds while medium spins.
        $lock = @($alerts | Where-Object { $_.Kind -eq 'Lock' -and $_.ThreadId -eq $tids[2] })
        $lock.Count | Should -Be 1
        $lock[0].OwnerThreadId | Should -Be $tids[0]
        # Every alert the kernel sent was still in the buffer (none was read before the stop).
        $alerts.Count | Should -Be $stopped.InversionAlerts
        $stopped.LostInversions | Should -Be 0
        $again.Count | Should -Be 0
    }
}

Describe 'The counters of one session object' {
    It 'agree with each other, and change only when the session is read again' {
        # A one-page buffer nobody reads: a loaded machine's switches overflow it in moments.
        $session = Start-SchedTrace -Name 'pester-counters' -Feature Events -BufferSize 4KB
        $null = Invoke-Worker -Rounds 30

        $listed = Get-SchedTrace -Name 'pester-counters'
        $lost = $listed.LostEvents
        $perCpu = @($listed.LostEventsPerCpu)
        $asOf = $listed.CountersAsOf
        $null = Invoke-Worker -Rounds 30

        $lost | Should -BeGreaterThan 0 -Because 'a 4KB buffer holds about forty switch events'
        ($perCpu | Measure-Object -Sum).Sum | Should -Be $lost
        # The kernel lost more meanwhile; the object tells nothing new until it is read.
        $listed.LostEvents | Should -Be $lost
        @($listed.LostEventsPerCpu) | Should -Be $perCpu
        $listed.CountersAsOf | Should -Be $asOf

        $relisted = Get-SchedTrace -Name 'pester-counters'
        $relisted.LostEvents | Should -BeGreaterThan $lost
        (@($relisted.LostEventsPerCpu) | Measure-Object -Sum).Sum | Should -Be $relisted.LostEvents

        $stopped = $session | Stop-SchedTrace -PassThru
        $stopped.LostEvents | Should -BeGreaterOrEqual $relisted.LostEvents
        (@($stopped.LostEventsPerCpu) | Measure-Object -Sum).Sum | Should -Be $stopped.LostEvents
        $stopped.CountersAsOf | Should -Be $stopped.StopTime
    }
}

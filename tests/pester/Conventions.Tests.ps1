#Requires -Version 7.4
# Needs root: these tests attach real BPF programs (see Assert-CanTrace).
#
# The PowerShell conventions every SchedTrace cmdlet follows, checked across the cmdlets: -Id
# from the pipeline, sessions from the pipeline, -Count without -Interval, non-terminating
# errors per piped input, ObjectNotFound for a literal -Name, Write-Progress, and -Verbose and
# -Debug output.

BeforeAll {
    . "$PSScriptRoot/TestSupport.ps1"
    Assert-CanTrace
    Import-BuiltModule
    Stop-AllSchedTrace

    # Single-threaded perl processes of this test's own, bounded in time should a test not stop
    # them. A looper sleeps 20 ms at a time (it switches out about 50 times a second, always
    # voluntarily); a spinner never blocks. Their kernel name (comm) is perl.
    function Start-Looper {
        Start-Process -FilePath 'perl' -ArgumentList '-MTime::HiRes=sleep', '-e', '"sleep 0.02 for 1..1500"' -PassThru
    }

    function Start-Spinner {
        Start-Process -FilePath 'perl' -ArgumentList '-e', '"$e = time + 30; 1 while time < $e"' -PassThru
    }

    function Stop-Workload {
        param([System.Diagnostics.Process[]]$Process)
        $Process | Where-Object { $_ } | Stop-Process -ErrorAction SilentlyContinue
    }

    function Get-ProcessSwitch {
        # The kernel's own counts of a single-threaded process's switches: voluntary + involuntary.
        param([Parameter(Mandatory)][int]$ProcessId)
        $status = Get-Content -LiteralPath "/proc/$ProcessId/status"
        $voluntary = [long](($status | Where-Object { $_.StartsWith('voluntary_ctxt_switches:') }) -split '\s+')[1]
        $involuntary = [long](($status | Where-Object { $_.StartsWith('nonvoluntary_ctxt_switches:') }) -split '\s+')[1]
        [pscustomobject]@{ Voluntary = $voluntary; Involuntary = $involuntary; Total = $voluntary + $involuntary }
    }

    # utime and stime in /proc/<pid>/stat count clock ticks (USER_HZ).
    $script:NsPerTick = 1e9 / [long](& getconf CLK_TCK)

    function Get-ProcessCpuTick {
        # The kernel's CPU time of a whole process, every thread included (utime + stime).
        param([Parameter(Mandatory)][int]$ProcessId)
        $fields = (Get-Content -Raw -LiteralPath "/proc/$ProcessId/stat").Split(') ')[1].Split(' ')
        [long]$fields[11] + [long]$fields[12]
    }

    function Invoke-InRunspace {
        # Runs a script in a fresh runspace of this process and returns what each stream got:
        # PowerShell keeps every progress record in Streams.Progress, as a host would receive it.
        param([Parameter(Mandatory)][string]$Script)
        $shell = [powershell]::Create()
        try {
            $null = $shell.AddScript("Import-Module -Name '$ModuleManifest'`n$Script")
            $output = $shell.Invoke()
            [pscustomobject]@{
                Output   = @($output)
                Progress = @($shell.Streams.Progress)
                Errors   = @($shell.Streams.Error)
            }
        }
        finally {
            $shell.Dispose()
        }
    }

}

BeforeDiscovery {
    $script:ReadingCmdlets = @(
        @{ Cmdlet = 'Get-ContextSwitchCount'; Class = 'GetContextSwitchCountCommand'; Feature = 'ContextSwitches' }
        @{ Cmdlet = 'Get-ProcessCpuTime'; Class = 'GetProcessCpuTimeCommand'; Feature = 'CpuTime' }
        @{ Cmdlet = 'Measure-RunQueueLatency'; Class = 'MeasureRunQueueLatencyCommand'; Feature = 'RunQueueLatency' }
        @{ Cmdlet = 'Measure-OffCpuTime'; Class = 'MeasureOffCpuTimeCommand'; Feature = 'OffCpuTime' }
        @{ Cmdlet = 'Measure-ScheduleTime'; Class = 'MeasureScheduleTimeCommand'; Feature = 'ScheduleTime' }
        @{ Cmdlet = 'Measure-OnCpuTime'; Class = 'MeasureOnCpuTimeCommand'; Feature = 'OnCpuTime' }
        @{ Cmdlet = 'Measure-RunQueueLength'; Class = 'MeasureRunQueueLengthCommand'; Feature = 'RunQueueLength' }
    )

    # The reading cmdlets that filter by process (-Id): all but the run queue's, which is a CPU's.
    $script:ProcessReadingCmdlets = @($ReadingCmdlets | Where-Object { $_.Cmdlet -ne 'Measure-RunQueueLength' })

    # The reading cmdlets whose -Id is in the -Session set too (a filter of the session's rows):
    # there a piped session's own Id is bound to -Id by property name, and must not count.
    $script:IdWithSession = @($ProcessReadingCmdlets | Where-Object { $_.Cmdlet -ne 'Get-ContextSwitchCount' })
}

AfterAll {
    Stop-AllSchedTrace
}

Describe 'Process ids from the pipeline' {
    Context 'this PowerShell process' {
        It 'Get-Process -Id $PID | Get-ProcessCpuTime -Duration 1 measures this process, within its own CPU time' {
            $before = Get-ProcessCpuTick -ProcessId $PID
            $rows = @(Get-Process -Id $PID | Get-ProcessCpuTime -Duration 1)
            $after = Get-ProcessCpuTick -ProcessId $PID

            $rows.Count | Should -Be 1
            $rows[0].ProcessId | Should -Be $PID
            $rows[0].Duration.TotalSeconds | Should -BeGreaterOrEqual 1
            $rows[0].CpuTimeNs | Should -BeGreaterThan 0
            # /proc/<pid>/stat has the whole process's CPU time (every thread, exited ones too),
            # in clock ticks: the window lies inside the two reads, give or take a tick each.
            $rows[0].CpuTimeNs | Should -BeLessOrEqual (($after - $before + 2) * $NsPerTick)
        }
    }

    Context 'two processes of this test' {
        BeforeAll {
            $script:loopers = @(Start-Looper; Start-Looper)
            $script:spinner = Start-Spinner
            Start-Sleep -Milliseconds 300
            $script:ids = @($loopers.Id)
        }

        AfterAll {
            Stop-Workload -Process ($loopers + $spinner)
        }

        It 'Get-ProcessCpuTime takes one reading over every piped process, each within its schedstat' {
            $workers = @($loopers[0], $spinner)
            $before = @{}
            $after = @{}
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $workers | ForEach-Object { $before[$_.Id] = Get-TaskRuntimeNs -ProcessId $_.Id }
            $rows = @(Get-Process -Id $workers.Id | Get-ProcessCpuTime -Duration 0.5)
            $workers | ForEach-Object { $after[$_.Id] = Get-TaskRuntimeNs -ProcessId $_.Id }
            $outer = $clock.Elapsed

            ($rows.ProcessId | Sort-Object) | Should -Be ($workers.Id | Sort-Object)
            @($rows.WindowStart | Sort-Object -Unique).Count | Should -Be 1 -Because 'one reading covers every piped process'
            foreach ($row in $rows) {
                $kernel = $after[$row.ProcessId] - $before[$row.ProcessId]
                # The reading's window lies inside the two /proc reads: never more than the kernel
                # counted, and a single thread misses at most the wall time outside the window.
                $row.CpuTimeNs | Should -BeLessOrEqual $kernel
                $row.CpuTimeNs | Should -BeGreaterOrEqual ($kernel - ($outer - $row.Duration).Ticks * 100)
            }
            ($rows | Where-Object ProcessId -EQ $spinner.Id).CpuTimeNs | Should -BeGreaterThan 0
        }

        It 'Get-ProcessCpuTime reports a typed id that did not run, and not a piped one' {
            # A process asleep for the whole window has no row; as typed -Id, that is ProcessIdNotFound.
            $sleeper = Start-Process -FilePath 'sleep' -ArgumentList '30' -PassThru
            try {
                Start-Sleep -Milliseconds 300
                $piped = @(Get-Process -Id $sleeper.Id, $spinner.Id | Get-ProcessCpuTime -Duration 0.3 -ErrorVariable pipedFailures)
                $typed = @(Get-ProcessCpuTime -Id $sleeper.Id, $spinner.Id -Duration 0.3 -ErrorVariable typedFailures -ErrorAction SilentlyContinue)
            }
            finally {
                Stop-Workload -Process $sleeper
            }

            $piped.ProcessId | Should -Be @($spinner.Id)
            $pipedFailures.Count | Should -Be 0
            $typed.ProcessId | Should -Be @($spinner.Id)
            $typedFailures.Count | Should -Be 1
            $typedFailures[0].FullyQualifiedErrorId | Should -Be 'ProcessIdNotFound,SchedTrace.PowerShell.GetProcessCpuTimeCommand'
            $typedFailures[0].TargetObject | Should -Be $sleeper.Id
        }

        It 'Get-ContextSwitchCount counts the piped processes only, in one reading' {
            $before = $ids | ForEach-Object { (Get-ProcessSwitch -ProcessId $_).Total }
            $rows = @(Get-Process -Id $ids | Get-ContextSwitchCount -Duration 0.5 -Total)
            $after = $ids | ForEach-Object { (Get-ProcessSwitch -ProcessId $_).Total }
            $kernel = ($after | Measure-Object -Sum).Sum - ($before | Measure-Object -Sum).Sum

            $rows.Count | Should -Be 1
            # The machine switches thousands of times in half a second: anything but these two
            # processes would take the count past their own.
            $rows[0].Switches | Should -BeLessOrEqual $kernel
            $rows[0].Switches | Should -BeGreaterThan 10 -Because 'two loopers sleeping 20 ms at a time switch out about 50 times a second each'
            $rows[0].FromIdle | Should -Be 0
        }

        It 'Start-SchedTrace puts every piped process in one session, whose readings agree with /proc' {
            $session = Get-Process -Id $ids | Start-SchedTrace -Name 'pester-piped-ids' -Confirm:$false
            try {
                $session.ProcessIds | Should -Be ($ids | Sort-Object)
                $null = $session | Get-ContextSwitchCount -Total   # warm up: JIT outside the measured gaps

                $clock = [System.Diagnostics.Stopwatch]::StartNew()
                $kernel0 = ($ids | ForEach-Object { (Get-ProcessSwitch -ProcessId $_).Total } | Measure-Object -Sum).Sum
                $first = $session | Get-ContextSwitchCount -Total
                $gap = $clock.Elapsed
                Start-Sleep -Milliseconds 500
                $clock.Restart()
                $second = $session | Get-ContextSwitchCount -Total
                $kernel1 = ($ids | ForEach-Object { (Get-ProcessSwitch -ProcessId $_).Total } | Measure-Object -Sum).Sum
                $gap += $clock.Elapsed
            }
            finally {
                $session | Stop-SchedTrace -Confirm:$false
            }

            # The readings sit inside the /proc reads. Between a /proc read and a reading each looper
            # can switch out once per 20 ms sleep it starts: that many, plus one, per process.
            $traced = $second.Switches - $first.Switches
            $kernel = $kernel1 - $kernel0
            $slack = $ids.Count * ([math]::Ceiling($gap.TotalMilliseconds / 20) + 2)
            $traced | Should -BeLessOrEqual $kernel
            $traced | Should -BeGreaterOrEqual ($kernel - $slack)
            $traced | Should -BeGreaterThan 10
        }

        It 'Watch-SchedEvent -Count 10 watches the piped processes' {
            $events = @(Get-Process -Id $ids | Watch-SchedEvent -Count 10 -Duration 5)

            $events.Count | Should -Be 10
            foreach ($e in $events) {
                ($e.PrevProcessId -in $ids -or $e.NextProcessId -in $ids) | Should -BeTrue -Because "switch $($e.PrevProcessId) -> $($e.NextProcessId) was let through"
            }
        }

        It '<Cmdlet> measures the piped processes together, in one reading' -ForEach @(
            @{ Cmdlet = 'Measure-OffCpuTime'; Measure = 'OffCpu'; WaitsBefore = 0 }
            # A looper asleep at the first /proc read can be woken after the session attached, and
            # its wait then counts though its switch-out came before: once per process.
            @{ Cmdlet = 'Measure-RunQueueLatency'; Measure = 'RunQueue'; WaitsBefore = 1 }
            @{ Cmdlet = 'Measure-ScheduleTime'; Measure = 'ScheduleCall'; WaitsBefore = 0 }
        ) {
            $before = $ids | ForEach-Object { (Get-ProcessSwitch -ProcessId $_).Total }
            $rows = @(Get-Process -Id $ids | & $Cmdlet -Duration 0.5)
            $after = $ids | ForEach-Object { (Get-ProcessSwitch -ProcessId $_).Total }
            $kernel = ($after | Measure-Object -Sum).Sum - ($before | Measure-Object -Sum).Sum

            @($rows.WindowStart | Sort-Object -Unique).Count | Should -Be 1
            $rows.ProcessId | Where-Object { $_ } | Should -BeNullOrEmpty -Because 'the rows merge the processes: the kernel filters both'
            $measured = @($rows | Where-Object Measure -EQ $Measure)
            $count = ($measured | Measure-Object -Property Count -Sum).Sum
            $count | Should -BeGreaterThan 0
            # Every interval measured here ends at a switch-in of one of the two (or, for
            # schedule() calls that did not switch, their return): bounded by their own switches,
            # except the calls that did not switch, which /proc does not count.
            $switching = ($measured | Where-Object { $_.Reason -ne 'NotSwitched' -and $_.Reason -ne 'All' } | Measure-Object -Property Count -Sum).Sum
            $switching | Should -BeLessOrEqual ($kernel + $WaitsBefore * $ids.Count)
        }
    }
}

Describe 'Sessions from the pipeline' {
    It '<Cmdlet> does not take a piped session''s Id for a process id' -ForEach $IdWithSession {
        $session = Start-SchedTrace -Feature $Feature -Confirm:$false
        try {
            Start-Sleep -Milliseconds 200
            # Another session, so that the one read has an Id no process of this test has.
            $rows = @($session | & $Cmdlet -ErrorVariable failures)
        }
        finally {
            $session | Stop-SchedTrace -Confirm:$false
        }

        $failures.Count | Should -Be 0 -Because "a ProcessIdNotFound for $($session.Id) would mean the session's Id was read as a process id"
        $rows.Count | Should -BeGreaterThan 0
        if ($Cmdlet -eq 'Get-ProcessCpuTime') {
            @($rows.ProcessId | Sort-Object -Unique).Count | Should -BeGreaterThan 1
        }
    }

    It 'Watch-SchedEvent does not take a piped session''s Id for a process id' {
        $session = Start-SchedTrace -Feature Events -Confirm:$false
        try {
            $events = @($session | Watch-SchedEvent -Count 20 -Duration 5)
        }
        finally {
            $session | Stop-SchedTrace -Confirm:$false
        }

        $events.Count | Should -Be 20
        # Filtered on a process whose id is the session's, every event would have it on one side.
        @($events | Where-Object { $_.PrevProcessId -ne $session.Id -and $_.NextProcessId -ne $session.Id }).Count | Should -BeGreaterThan 0
    }

    It '<Cmdlet> reads a piped session over a -Duration window from now' -ForEach $ReadingCmdlets {
        $session = Start-SchedTrace -Feature $Feature -Confirm:$false
        try {
            Start-Sleep -Milliseconds 300
            $before = [datetime]::UtcNow
            $rows = @($session | & $Cmdlet -Duration 0.3)
        }
        finally {
            $session | Stop-SchedTrace -Confirm:$false
        }

        $rows.Count | Should -BeGreaterThan 0
        foreach ($row in $rows) {
            $row.WindowStart | Should -BeGreaterThan $before.AddMilliseconds(-50) -Because 'the window starts now, not at the session''s start'
            $row.Duration.TotalSeconds | Should -BeGreaterOrEqual 0.3
        }
    }

    It 'refuses what sets up a new session, given with a session: <Command>' -ForEach @(
        @{ Command = '$session | Watch-SchedEvent -Cpu 0 -Count 1'; Class = 'WatchSchedEventCommand'; Feature = 'Events' }
        @{ Command = 'Get-Process -Id $PID | Watch-SchedEvent -Session $session -Count 1'; Class = 'WatchSchedEventCommand'; Feature = 'Events' }
        @{ Command = '$session | Watch-PriorityInversion -Kind RunQueue -Duration 1'; Class = 'WatchPriorityInversionCommand'; Feature = 'PriorityInversion' }
        @{ Command = '$session | Get-ContextSwitchCount -Id $PID'; Class = 'GetContextSwitchCountCommand'; Feature = 'ContextSwitches' }
        @{ Command = 'Get-Process -Id $PID | Get-ContextSwitchCount -Session $session'; Class = 'GetContextSwitchCountCommand'; Feature = 'ContextSwitches' }
    ) {
        $session = Start-SchedTrace -Feature $Feature -Confirm:$false
        try {
            { Invoke-Expression $Command } | Should -Throw -ErrorId "ParameterNotForSession,SchedTrace.PowerShell.$Class"
        }
        finally {
            $session | Stop-SchedTrace -Confirm:$false
        }
    }

    It 'takes -Id from the command line along with a piped session' {
        $session = Start-SchedTrace -Feature CpuTime -Confirm:$false
        try {
            Start-Sleep -Milliseconds 200
            $rows = @($session | Get-ProcessCpuTime -Id $PID)
        }
        finally {
            $session | Stop-SchedTrace -Confirm:$false
        }

        $rows.ProcessId | Should -Be @($PID)
    }

    It 'binds a session from a Session property' {
        $session = Start-SchedTrace -Feature ContextSwitches -Confirm:$false
        try {
            $row = [pscustomobject]@{ Session = $session } | Get-ContextSwitchCount -Total
        }
        finally {
            $session | Stop-SchedTrace -Confirm:$false
        }

        $row.WindowStart | Should -Be $session.StartTime
    }

    It '<Cmdlet>: of two piped sessions, the one without the feature is an error and the other is still read' -ForEach $ReadingCmdlets {
        $other = if ($Feature -eq 'ContextSwitches') { 'CpuTime' } else { 'ContextSwitches' }
        $lacking = Start-SchedTrace -Feature $other -Confirm:$false
        $good = Start-SchedTrace -Feature $Feature -Confirm:$false
        try {
            Start-Sleep -Milliseconds 200
            $rows = @($lacking, $good | & $Cmdlet -ErrorVariable failures -ErrorAction SilentlyContinue)
        }
        finally {
            $lacking, $good | Stop-SchedTrace -Confirm:$false
        }

        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be "FeatureNotEnabled,SchedTrace.PowerShell.$Class"
        $failures[0].TargetObject | Should -Be $lacking
        $rows.Count | Should -BeGreaterThan 0
        @($rows.WindowStart | Sort-Object -Unique) | Should -Be @($good.StartTime)
    }

    It 'Watch-SchedEvent: of two piped sessions, the one without Events is an error and the other is still watched' {
        $lacking = Start-SchedTrace -Feature ContextSwitches -Confirm:$false
        $good = Start-SchedTrace -Feature Events -Confirm:$false
        try {
            $events = @($lacking, $good | Watch-SchedEvent -Count 5 -Duration 5 -ErrorVariable failures -ErrorAction SilentlyContinue)
        }
        finally {
            $lacking, $good | Stop-SchedTrace -Confirm:$false
        }

        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'FeatureNotEnabled,SchedTrace.PowerShell.WatchSchedEventCommand'
        $events.Count | Should -Be 5
    }

    It 'a piped session that fails stops the command with -ErrorAction Stop' {
        $lacking = Start-SchedTrace -Feature ContextSwitches -Confirm:$false
        try {
            { $lacking | Get-ProcessCpuTime -ErrorAction Stop } | Should -Throw -ErrorId 'FeatureNotEnabled,SchedTrace.PowerShell.GetProcessCpuTimeCommand'
        }
        finally {
            $lacking | Stop-SchedTrace -Confirm:$false
        }
    }
}

Describe '-Count without -Interval' {
    It '<Cmdlet> -Count 3 is the module''s CountWithoutInterval error, not an ambiguous set' -ForEach $ReadingCmdlets {
        { & $Cmdlet -Count 3 } | Should -Throw -ErrorId "CountWithoutInterval,SchedTrace.PowerShell.$Class"
        { & $Cmdlet -Duration 1 -Count 3 } | Should -Throw -ErrorId "CountWithoutInterval,SchedTrace.PowerShell.$Class"
        $failure = { & $Cmdlet -Count 3 } | Should -Throw -PassThru
        $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $failure.ErrorDetails.RecommendedAction | Should -BeLike '*-Interval*'
    }

    It '<Cmdlet> -Session -Count 3 is the same error, before the session is read' -ForEach $ReadingCmdlets {
        $session = Start-SchedTrace -Feature $Feature -Confirm:$false
        try {
            { & $Cmdlet -Session $session -Count 3 } | Should -Throw -ErrorId "CountWithoutInterval,SchedTrace.PowerShell.$Class"
        }
        finally {
            $session | Stop-SchedTrace -Confirm:$false
        }
    }
}

Describe 'A literal -Name that matches nothing' {
    It '<Cmdlet> writes ObjectNotFound (ProcessNameNotFound), and a wildcard that matches nothing does not' -ForEach @(
        @{ Cmdlet = 'Get-ProcessCpuTime'; Class = 'GetProcessCpuTimeCommand'; Arguments = @{ Duration = 0.3 } }
        @{ Cmdlet = 'Measure-RunQueueLatency'; Class = 'MeasureRunQueueLatencyCommand'; Arguments = @{ Duration = 0.3 } }
        @{ Cmdlet = 'Measure-OffCpuTime'; Class = 'MeasureOffCpuTimeCommand'; Arguments = @{ Duration = 0.3 } }
        @{ Cmdlet = 'Measure-ScheduleTime'; Class = 'MeasureScheduleTimeCommand'; Arguments = @{ Duration = 0.3 } }
        @{ Cmdlet = 'Measure-OnCpuTime'; Class = 'MeasureOnCpuTimeCommand'; Arguments = @{ Duration = 0.3 } }
        @{ Cmdlet = 'Watch-SchedEvent'; Class = 'WatchSchedEventCommand'; Arguments = @{ Duration = 0.3 } }
        @{ Cmdlet = 'Watch-PriorityInversion'; Class = 'WatchPriorityInversionCommand'; Arguments = @{ Duration = 0.3 } }
    ) {
        $null = & $Cmdlet @Arguments -Name 'no-such-task-q', 'no-such-*' -ErrorVariable failures -ErrorAction SilentlyContinue

        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be "ProcessNameNotFound,SchedTrace.PowerShell.$Class"
        $failures[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failures[0].TargetObject | Should -Be 'no-such-task-q'
        $failures[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
    }

    It 'Watch-SchedEvent does not report a name that an event matched' {
        $looper = Start-Looper
        try {
            Start-Sleep -Milliseconds 200
            $events = @(Watch-SchedEvent -Name 'PERL', 'no-such-task-q' -Id $looper.Id -Duration 0.5 -ErrorVariable failures -ErrorAction SilentlyContinue)
        }
        finally {
            Stop-Workload -Process $looper
        }

        $events.Count | Should -BeGreaterThan 0
        $failures.TargetObject | Should -Be @('no-such-task-q')
    }
}

Describe 'Write-Progress' {
    It '<Name> shows a bar that reaches 100 % and is completed' -ForEach @(
        @{ Name = 'Get-ContextSwitchCount -Duration'; Script = 'Get-ContextSwitchCount -Duration 1 -Total' }
        @{ Name = 'Get-ProcessCpuTime -Duration'; Script = 'Get-ProcessCpuTime -Duration 1 -Top 1' }
        @{ Name = 'Measure-OffCpuTime -Duration'; Script = 'Measure-OffCpuTime -Duration 1' }
        @{ Name = 'Watch-SchedEvent -Duration'; Script = 'Watch-SchedEvent -Duration 1 -Cpu 0 | Select-Object -Last 1' }
        @{ Name = 'Watch-PriorityInversion -Duration'; Script = 'Watch-PriorityInversion -Duration 1' }
    ) {
        $run = Invoke-InRunspace -Script $Script

        $run.Errors | Should -BeNullOrEmpty
        $bars = @($run.Progress | Where-Object RecordType -EQ 'Processing')
        $bars.Count | Should -BeGreaterOrEqual 3 -Because 'a one-second collection reports its progress a few times a second'
        $bars[0].Activity | Should -Not -BeNullOrEmpty
        $percents = @($bars.PercentComplete)
        $percents | Should -Be @($percents | Sort-Object) -Because 'the share done only grows'
        $percents[-1] | Should -Be 100
        $bars[1].SecondsRemaining | Should -BeLessOrEqual 1
        $run.Progress[-1].RecordType | Should -Be 'Completed'
    }

    It 'is not shown for <Name>, which does not wait a known time' -ForEach @(
        @{ Name = 'a reading of a session'; Script = '$s = Start-SchedTrace -Confirm:$false; $s | Get-ContextSwitchCount -Total; $s | Stop-SchedTrace -Confirm:$false' }
        @{ Name = 'Watch-SchedEvent -Count'; Script = 'Watch-SchedEvent -Count 3' }
    ) {
        $run = Invoke-InRunspace -Script $Script

        $run.Errors | Should -BeNullOrEmpty
        $run.Output.Count | Should -BeGreaterThan 0
        $run.Progress | Should -BeNullOrEmpty
    }
}

Describe '-Verbose and -Debug' {
    It '<Cmdlet> -Verbose says in a few lines what it attached, its filters and the window, and nothing of libbpf' -ForEach $ProcessReadingCmdlets {
        $verbose = @(& $Cmdlet -Duration 0.2 -Id $PID -Verbose -ErrorAction SilentlyContinue 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)

        $verbose.Count | Should -BeLessOrEqual 8
        $verbose[0] | Should -Be "Started a session for this command only ($Feature)."
        $verbose | Where-Object { $_ -like 'Attached tp_btf/sched_*' } | Should -HaveCount 1
        $verbose | Should -Contain "Kernel filters: process $PID."
        $verbose | Where-Object { $_ -like 'Reading from *Z to *Z (*s)*' } | Should -HaveCount 1
        $verbose | Where-Object { $_ -like '*libbpf*' -and $_ -notlike '*libbpf: failed to load*' } | Should -BeNullOrEmpty
    }

    It 'Start-SchedTrace -Verbose names the session and the size of its tables' {
        $output = @(Start-SchedTrace -Name 'pester-verbose' -Feature 'CpuTime', 'Events' -Confirm:$false -Verbose 4>&1)
        $session = $output | Where-Object { $_ -is [SchedTrace.SchedTraceSession] }
        $session | Stop-SchedTrace -Confirm:$false
        $verbose = @($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)

        $verbose | Should -Contain "Started session 'pester-verbose' (Id $($session.Id)): CpuTime, Events."
        $verbose | Where-Object { $_ -like 'Tables: task table * entries*; event ring buffer 4 MiB.' } | Should -HaveCount 1
        $verbose | Should -Contain 'Kernel filters: none (every task on every CPU).'
    }

    It 'writes libbpf''s own log only with -Debug' {
        $quiet = @(Get-ContextSwitchCount -Duration 0.1 -Total -Verbose 4>&1 5>&1 | Where-Object { $_ -is [System.Management.Automation.DebugRecord] })
        $debug = @(Get-ContextSwitchCount -Duration 0.1 -Total -Debug 5>&1 | Where-Object { $_ -is [System.Management.Automation.DebugRecord] } | ForEach-Object Message)

        $quiet | Should -BeNullOrEmpty
        @($debug | Where-Object { $_ -like 'libbpf debug: *' }).Count | Should -BeGreaterThan 100
        # -Debug alone: the module's own lines come along, on the debug stream (PowerShell would
        # otherwise ask before each verbose line of a compiled cmdlet).
        $debug | Should -Contain 'Attached tp_btf/sched_switch.'
    }

    It 'writes libbpf''s log when $DebugPreference asks for it' {
        $DebugPreference = 'Continue'
        $debug = @(Get-ContextSwitchCount -Duration 0.1 -Total 5>&1 | Where-Object { $_ -is [System.Management.Automation.DebugRecord] })
        $DebugPreference = 'SilentlyContinue'

        @($debug | Where-Object { $_.Message -like 'libbpf debug: *' }).Count | Should -BeGreaterThan 100
    }
}

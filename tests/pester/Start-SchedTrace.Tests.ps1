#Requires -Version 7.4
# Needs root: these tests attach real BPF programs (see Assert-CanTrace).

BeforeAll {
    . "$PSScriptRoot/TestSupport.ps1"
    Assert-CanTrace
    Import-BuiltModule
}

Describe 'Start-SchedTrace' {
    BeforeEach {
        Stop-AllSchedTrace
    }

    AfterAll {
        Stop-AllSchedTrace
    }

    It 'returns a running session that counts context switches' {
        $session = Start-SchedTrace -Name 'pester-start'

        $session | Should -BeOfType ([SchedTrace.SchedTraceSession])
        $session.Name | Should -Be 'pester-start'
        $session.State | Should -Be 'Running'
        $session.Features | Should -Be 'ContextSwitches'
        $session.Hook | Should -BeIn @('BtfTracepoint', 'RawTracepoint')
        $session.StopTime | Should -BeNullOrEmpty
        $session.LostEvents | Should -Be 0
    }

    It 'has no task table without the CpuTime feature' {
        $session = Start-SchedTrace -Name 'pester-start-switches'

        $session.TaskTableCapacity | Should -Be 0
        $session.DroppedTasks | Should -Be 0
    }

    It 'accepts -Feature CpuTime, sized from pid_max' {
        $session = Start-SchedTrace -Name 'pester-start-cputime' -Feature CpuTime
        $pidMax = [long](Get-Content -Raw -LiteralPath '/proc/sys/kernel/pid_max')

        $session.Features | Should -Be 'CpuTime'
        $session.State | Should -Be 'Running'
        # One entry per possible thread id; kernels before 6.1 preallocate, so at most 65,536 there.
        $session.TaskTableCapacity | Should -BeGreaterThan 0
        $session.TaskTableCapacity | Should -BeLessOrEqual $pidMax
        $session.DroppedTasks | Should -Be 0
    }

    It 'combines features given together' {
        $session = Start-SchedTrace -Name 'pester-start-both' -Feature 'ContextSwitches', 'CpuTime'

        $session.Features | Should -Be ([SchedTrace.SchedTraceFeature]'ContextSwitches, CpuTime')
        $session.Features.HasFlag([SchedTrace.SchedTraceFeature]::CpuTime) | Should -BeTrue
        $session.Features.HasFlag([SchedTrace.SchedTraceFeature]::ContextSwitches) | Should -BeTrue
    }

    It 'accepts -Feature Events, with no losses and no task table' {
        $session = Start-SchedTrace -Name 'pester-start-events' -Feature Events

        $session.Features | Should -Be 'Events'
        [int]$session.Features | Should -Be 4
        $session.State | Should -Be 'Running'
        $session.LostEvents | Should -Be 0
        @($session.LostEventsPerCpu | Where-Object { $_ -ne 0 }).Count | Should -Be 0
        $session.TaskTableCapacity | Should -Be 0
    }

    It 'streams the -EventType it was given, read with Watch-SchedEvent -Session' {
        $session = Start-SchedTrace -Feature Events -EventType 'Wakeup', 'WakeupNew'

        $events = @($session | Watch-SchedEvent -Count 5 -Duration 5)

        $events.Count | Should -Be 5
        $events | ForEach-Object { $_ | Should -BeOfType ([SchedTrace.SchedWakeupEvent]) }
    }

    It 'combines Events with counting' {
        $session = Start-SchedTrace -Feature 'ContextSwitches', 'Events'
        Start-Sleep -Milliseconds 100

        $session.Features | Should -Be ([SchedTrace.SchedTraceFeature]'ContextSwitches, Events')
        ($session | Get-ContextSwitchCount -Total).Switches | Should -BeGreaterThan 0
        @($session | Watch-SchedEvent -Count 3 -Duration 5).Count | Should -Be 3
    }

    It 'rejects a -BufferSize of <_> before attaching anything' -ForEach @(0, 1024, 2147483648) {
        { Start-SchedTrace -Feature Events -BufferSize $_ } | Should -Throw -ErrorId 'ParameterArgumentValidationError,SchedTrace.PowerShell.StartSchedTraceCommand'
        Get-SchedTrace | Should -BeNullOrEmpty
    }

    It 'accepts a -BufferSize from 4KB' {
        $session = Start-SchedTrace -Feature Events -BufferSize 4KB

        $session.State | Should -Be 'Running'
    }

    It 'rejects an event type it does not have' {
        { Start-SchedTrace -Feature Events -EventType 'Nonsense' } | Should -Throw -ExceptionType ([System.Management.Automation.ParameterBindingException]) -ExpectedMessage '*Nonsense*'
    }

    It 'rejects a feature it does not have' {
        # Parameter binding, not the cmdlet, refuses it (so by exception type: binding picks the id).
        { Start-SchedTrace -Feature 'Nonsense' } | Should -Throw -ExceptionType ([System.Management.Automation.ParameterBindingException]) -ExpectedMessage '*Nonsense*'
    }

    It 'stamps StartTime in UTC, at the moment of the call' {
        $before = [datetime]::UtcNow
        $session = Start-SchedTrace
        $after = [datetime]::UtcNow

        $session.StartTime.Kind | Should -Be 'Utc'
        $session.StartTime | Should -BeGreaterOrEqual $before
        $session.StartTime | Should -BeLessOrEqual $after
    }

    It 'names an unnamed session SchedTrace<Id>' {
        $session = Start-SchedTrace

        $session.Name | Should -Be "SchedTrace$($session.Id)"
    }

    It 'takes the name by position' {
        $session = Start-SchedTrace 'pester-positional'

        $session.Name | Should -Be 'pester-positional'
    }

    It 'gives each session its own increasing Id' {
        $first = Start-SchedTrace
        $second = Start-SchedTrace

        $second.Id | Should -BeGreaterThan $first.Id
    }

    It 'refuses a name a running session has, ignoring case, before attaching anything' {
        $first = Start-SchedTrace -Name 'pester-dup'

        $thrown = { Start-SchedTrace -Name 'PESTER-DUP' -Feature CpuTime } | Should -Throw -ErrorId 'SessionNameInUse,SchedTrace.PowerShell.StartSchedTraceCommand' -PassThru

        $thrown.CategoryInfo.Category | Should -Be 'ResourceExists'
        $thrown.TargetObject | Should -Be 'PESTER-DUP'
        $thrown.ErrorDetails.Message | Should -BeLike "*'PESTER-DUP'*session 'pester-dup' (Id $($first.Id))*"
        $thrown.ErrorDetails.RecommendedAction | Should -BeLike '*another name*Stop-SchedTrace -Name*'
        @(Get-SchedTrace).Id | Should -Be @($first.Id)
        $first.State | Should -Be 'Running'
    }

    It 'gives a stopped session''s name to a new one' {
        $first = Start-SchedTrace -Name 'pester-reused'
        $first | Stop-SchedTrace

        $second = Start-SchedTrace -Name 'pester-reused'

        $second.Name | Should -Be 'pester-reused'
        $second.Id | Should -BeGreaterThan $first.Id
        $second.State | Should -Be 'Running'
    }

    It 'skips an Id whose default name a session was given on purpose' {
        $probe = Start-SchedTrace
        $taken = Start-SchedTrace -Name "SchedTrace$($probe.Id + 2)"

        $unnamed = Start-SchedTrace

        $taken.Id | Should -Be ($probe.Id + 1)
        $unnamed.Id | Should -Be ($probe.Id + 3)
        $unnamed.Name | Should -Be "SchedTrace$($probe.Id + 3)"
    }

    It 'lists the new session in Get-SchedTrace' {
        $session = Start-SchedTrace -Name 'pester-listed'

        $listed = Get-SchedTrace -Name 'pester-listed'
        $listed.Id | Should -Be $session.Id
        [object]::ReferenceEquals($listed, $session) | Should -BeTrue -Because 'Get-SchedTrace hands back the live session, not a copy'
    }

    It 'keeps counting after the command that started it has finished' {
        $session = Start-SchedTrace
        1..20 | ForEach-Object { Start-Sleep -Milliseconds 5 }

        $count = $session | Get-ContextSwitchCount -Total
        $count.Switches | Should -BeGreaterThan 0
    }

    It 'records -Id and its aliases -ProcessId and -PID as the session filter' {
        $byName = Start-SchedTrace -Id $PID
        $byAlias = Start-SchedTrace -PID $PID
        $several = Start-SchedTrace -ProcessId $PID, 1

        $byName.ProcessIds | Should -Be @($PID)
        $byAlias.ProcessIds | Should -Be @($PID)
        $several.ProcessIds | Should -Be @(1, $PID)
        $byName.ThreadIds | Should -BeNullOrEmpty
    }

    It 'records -ThreadId and its alias -TID as the session filter' {
        $session = Start-SchedTrace -TID $PID

        $session.ThreadIds | Should -Be @($PID)
        $session.ProcessIds | Should -BeNullOrEmpty
    }

    It 'refuses more process ids than the kernel filter takes, with its own error' {
        { Start-SchedTrace -Id (1..4097) } | Should -Throw -ErrorId 'TooManyProcessIds,SchedTrace.PowerShell.StartSchedTraceCommand'
        Get-SchedTrace | Should -BeNullOrEmpty
    }

    It 'rejects a process id of <_> before attaching anything' -ForEach @(0, -1) {
        { Start-SchedTrace -Id $_ } | Should -Throw -ErrorId 'ParameterArgumentValidationError,SchedTrace.PowerShell.StartSchedTraceCommand'
        Get-SchedTrace | Should -BeNullOrEmpty
    }

    It 'rejects an empty name' {
        { Start-SchedTrace -Name '' } | Should -Throw -ErrorId 'ParameterArgumentValidationError,SchedTrace.PowerShell.StartSchedTraceCommand'
    }

    It 'attaches nothing with -WhatIf' {
        $output = Start-SchedTrace -Name 'pester-whatif' -WhatIf

        $output | Should -BeNullOrEmpty
        Get-SchedTrace | Should -BeNullOrEmpty
    }
    It 'starts the latency features, with per-process histograms on -PerProcess' {
        $session = Start-SchedTrace -Name 'pester-start-latency' -Feature 'RunQueueLatency', 'OffCpuTime', 'ScheduleTime' -PerProcess -WarningAction SilentlyContinue
        # The reading comes a few ms after the attach, and in so short a window the machine may
        # well finish no off-CPU interval at all. This shell's pipeline thread sleeping does: it
        # leaves the CPU asleep and comes back, one Sleeping interval of this process.
        Start-Sleep -Milliseconds 50

        $session.Features | Should -Be ([SchedTrace.SchedTraceFeature]'RunQueueLatency, OffCpuTime, ScheduleTime')
        $session.LatencyPerProcess | Should -BeTrue
        "$($session.ScheduleMethod)" | Should -BeIn @('FunctionExit', 'SchedTracepoints', 'SwitchTracepoint')
        $rows = @($session | Measure-OffCpuTime -PerProcess)
        $slept = @($rows | Where-Object { $_.ProcessId -eq $PID -and $_.Reason -eq 'Sleeping' })
        $slept.Count | Should -Be 1
        $slept[0].Count | Should -BeGreaterOrEqual 1
    }

    It 'keeps latency for the machine only without -PerProcess' {
        $session = Start-SchedTrace -Name 'pester-start-latency-global' -Feature RunQueueLatency

        $session.LatencyPerProcess | Should -BeFalse
        "$($session.ScheduleMethod)" | Should -Be 'None'
    }

    It 'refuses -PerProcess without a latency feature' {
        { Start-SchedTrace -Feature CpuTime -PerProcess } | Should -Throw -ErrorId 'PerProcessWithoutLatency,SchedTrace.PowerShell.StartSchedTraceCommand'
        Get-SchedTrace | Should -BeNullOrEmpty
    }

    It 'refuses -Cpu for features that count every CPU' {
        { Start-SchedTrace -Feature 'ContextSwitches', 'CpuTime' -Cpu 0 } | Should -Throw -ErrorId 'CpuNotApplicable,SchedTrace.PowerShell.StartSchedTraceCommand'
        Get-SchedTrace | Should -BeNullOrEmpty
    }

    It 'filters an Events session''s events to -Cpu in the kernel' {
        $cpu = @(Get-OnlineCpu)[-1]
        $session = Start-SchedTrace -Name 'pester-start-cpu' -Feature Events -Cpu $cpu
        Start-Sleep -Milliseconds 200

        $events = @($session | Watch-SchedEvent -Duration 0.2)

        $events.Count | Should -BeGreaterThan 0
        $events.Cpu | Sort-Object -Unique | Should -Be $cpu
    }

    It 'filters latency to -Cpu in the kernel' {
        $cpu = @(Get-OnlineCpu)[-1]
        $session = Start-SchedTrace -Name 'pester-start-latency-cpu' -Feature RunQueueLatency -Cpu $cpu
        Start-Sleep -Milliseconds 300

        $rows = @($session | Measure-RunQueueLatency -PerCpu)

        ($rows | Where-Object Count -GT 0).Cpu | Sort-Object -Unique | Should -Be $cpu
    }
}

#Requires -Version 7.4
# Needs root: these tests attach real BPF programs (see Assert-CanTrace).

BeforeAll {
    . "$PSScriptRoot/TestSupport.ps1"
    Assert-CanTrace
    Import-BuiltModule
}

Describe 'Stop-SchedTrace' {
    BeforeEach {
        Stop-AllSchedTrace
    }

    AfterAll {
        Stop-AllSchedTrace
    }

    It 'stops sessions piped to it' {
        $sessions = Start-SchedTrace -Name 'pester-pipe1'
        $sessions = @($sessions) + (Start-SchedTrace -Name 'pester-pipe2')

        $sessions | Stop-SchedTrace

        $sessions.State | Should -Be @('Stopped', 'Stopped')
        Get-SchedTrace | Should -BeNullOrEmpty
    }

    It 'stops sessions by -Name with wildcards, leaving the rest running' {
        $target = Start-SchedTrace -Name 'pester-target'
        $bystander = Start-SchedTrace -Name 'bystander'

        Stop-SchedTrace -Name 'pester-*'

        $target.State | Should -Be 'Stopped'
        $bystander.State | Should -Be 'Running'
    }

    It 'stops a session by a positional name, as Start-SchedTrace and Get-SchedTrace take it' {
        $session = Start-SchedTrace 'pester-positional'

        Stop-SchedTrace 'pester-positional'

        $session.State | Should -Be 'Stopped'
    }

    It 'stops sessions by -Id' {
        $session = Start-SchedTrace

        Stop-SchedTrace -Id $session.Id

        $session.State | Should -Be 'Stopped'
    }

    It 'writes nothing without -PassThru' {
        Start-SchedTrace | Stop-SchedTrace | Should -BeNullOrEmpty
    }

    It 'with -PassThru writes the stopped session, its Elapsed frozen and StopTime in UTC' {
        $started = Start-SchedTrace
        Start-Sleep -Milliseconds 100

        $stopped = $started | Stop-SchedTrace -PassThru
        $elapsed = $stopped.Elapsed
        Start-Sleep -Milliseconds 100

        $stopped.Id | Should -Be $started.Id
        $stopped.State | Should -Be 'Stopped'
        $stopped.Elapsed | Should -Be $elapsed
        $stopped.Elapsed.TotalMilliseconds | Should -BeGreaterOrEqual 100
        $stopped.StopTime.Kind | Should -Be 'Utc'
        $stopped.StopTime | Should -BeGreaterThan $stopped.StartTime
    }

    It 'leaves the session running with -WhatIf' {
        $session = Start-SchedTrace

        $session | Stop-SchedTrace -WhatIf

        $session.State | Should -Be 'Running'
    }

    It 'reports a literal name that matches nothing as ObjectNotFound' {
        Stop-SchedTrace -Name 'no-such-session' -ErrorAction SilentlyContinue -ErrorVariable missing

        $missing.Count | Should -Be 1
        $missing[0].FullyQualifiedErrorId | Should -Be 'SessionNameNotFound,SchedTrace.PowerShell.StopSchedTraceCommand'
        $missing[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'says nothing when a wildcard matches nothing' {
        $session = Start-SchedTrace -Name 'pester-kept'

        Stop-SchedTrace -Name 'no-such-*' -ErrorVariable missing

        $missing.Count | Should -Be 0
        $session.State | Should -Be 'Running'
    }

    It 'reports an Id that matches nothing as ObjectNotFound' {
        Stop-SchedTrace -Id 999999 -ErrorAction SilentlyContinue -ErrorVariable missing

        $missing[0].FullyQualifiedErrorId | Should -Be 'SessionIdNotFound,SchedTrace.PowerShell.StopSchedTraceCommand'
    }

    It 'stops an already stopped session again without error' {
        $session = Start-SchedTrace
        $session | Stop-SchedTrace

        { $session | Stop-SchedTrace -ErrorAction Stop } | Should -Not -Throw
        $session.State | Should -Be 'Stopped'
    }

    It 'keeps the session readable: its final counts, from its start to its stop' {
        $session = Start-SchedTrace
        Start-Sleep -Milliseconds 100
        $session | Stop-SchedTrace

        $final = $session | Get-ContextSwitchCount -Total
        Start-Sleep -Milliseconds 100
        $again = $session | Get-ContextSwitchCount -Total

        $final.Switches | Should -BeGreaterThan 0
        $final.WindowStart | Should -Be $session.StartTime
        $final.WindowEnd | Should -Be $session.StopTime
        $final.Duration | Should -Be $session.Elapsed
        $again.Switches | Should -Be $final.Switches -Because 'nothing is counted after the stop'
    }

    It 'refuses -Interval on a stopped session: there is nothing more to sample' {
        $session = Start-SchedTrace
        $session | Stop-SchedTrace

        $thrown = { $session | Get-ContextSwitchCount -Interval 0.1 -Count 2 -ErrorAction Stop } | Should -Throw -ErrorId 'SessionStopped,SchedTrace.PowerShell.GetContextSwitchCountCommand' -PassThru

        $thrown.CategoryInfo.Category | Should -Be 'InvalidOperation'
        $thrown.ErrorDetails.RecommendedAction | Should -BeLike '*Leave out -Interval*final figures*'
    }

    It 'stops a session by -Id from a piped object by property name' {
        $session = Start-SchedTrace

        [pscustomobject]@{ Id = $session.Id } | Stop-SchedTrace

        $session.State | Should -Be 'Stopped'
    }

    It 'stops a session by -Name from a piped object by property name' {
        $session = Start-SchedTrace -Name 'pester-by-property'

        [pscustomobject]@{ Name = 'pester-by-property' } | Stop-SchedTrace

        $session.State | Should -Be 'Stopped'
    }

    It 'stops what Get-SchedTrace pipes to it' {
        $first = Start-SchedTrace -Name 'pester-listed1'
        $second = Start-SchedTrace -Name 'pester-listed2'

        Get-SchedTrace -Name 'pester-listed*' | Stop-SchedTrace

        $first.State | Should -Be 'Stopped'
        $second.State | Should -Be 'Stopped'
    }

    It 'reports a piped input that matches nothing, and still stops the next one' {
        $session = Start-SchedTrace

        [pscustomobject]@{ Id = 999999 }, [pscustomobject]@{ Id = $session.Id } | Stop-SchedTrace -ErrorAction SilentlyContinue -ErrorVariable missing

        $missing.Count | Should -Be 1
        $missing[0].FullyQualifiedErrorId | Should -Be 'SessionIdNotFound,SchedTrace.PowerShell.StopSchedTraceCommand'
        $missing[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $session.State | Should -Be 'Stopped'
    }

    It 'reports a piped literal name that matches nothing as ObjectNotFound' {
        [pscustomobject]@{ Name = 'no-such-session' } | Stop-SchedTrace -ErrorAction SilentlyContinue -ErrorVariable missing

        $missing.Count | Should -Be 1
        $missing[0].FullyQualifiedErrorId | Should -Be 'SessionNameNotFound,SchedTrace.PowerShell.StopSchedTraceCommand'
        $missing[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $missing[0].TargetObject | Should -Be 'no-such-session'
    }
}

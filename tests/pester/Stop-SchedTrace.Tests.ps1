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

    It 'makes the session unreadable, with a stable error id' {
        $session = Start-SchedTrace
        $session | Stop-SchedTrace

        { $session | Get-ContextSwitchCount -ErrorAction Stop } | Should -Throw -ErrorId 'SessionStopped,SchedTrace.PowerShell.GetContextSwitchCountCommand'
    }
}

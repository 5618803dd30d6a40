#Requires -Version 7.4
# Needs root: these tests attach real BPF programs (see Assert-CanTrace).

BeforeAll {
    . "$PSScriptRoot/TestSupport.ps1"
    Assert-CanTrace
    Import-BuiltModule
}

Describe 'Get-SchedTrace' {
    BeforeAll {
        Stop-AllSchedTrace
        $script:alpha = Start-SchedTrace -Name 'pester-alpha'
        $script:beta = Start-SchedTrace -Name 'pester-beta'
        $script:other = Start-SchedTrace -Name 'other-gamma'
    }

    AfterAll {
        Stop-AllSchedTrace
    }

    It 'lists every running session, in Id order' {
        $all = Get-SchedTrace

        $all.Id | Should -Be @($alpha.Id, $beta.Id, $other.Id)
    }

    It 'finds a session by its exact name, ignoring case' {
        (Get-SchedTrace -Name 'PESTER-ALPHA').Id | Should -Be $alpha.Id
    }

    It 'takes the name by position' {
        (Get-SchedTrace 'pester-beta').Id | Should -Be $beta.Id
    }

    It 'matches wildcards in -Name' {
        (Get-SchedTrace -Name 'pester-*').Id | Should -Be @($alpha.Id, $beta.Id)
    }

    It 'returns each session once when several names match it' {
        (Get-SchedTrace -Name 'pester-*', '*alpha').Id | Should -Be @($alpha.Id, $beta.Id)
    }

    It 'finds sessions by -Id' {
        (Get-SchedTrace -Id $other.Id, $alpha.Id).Id | Should -Be @($other.Id, $alpha.Id)
    }

    It 'takes Id from a piped object by property name' {
        # An object with only an Id: nothing but -Id can bind it.
        ([pscustomobject]@{ Id = $beta.Id } | Get-SchedTrace).Id | Should -Be $beta.Id
    }

    It 'takes Name from a piped object by property name' {
        ([pscustomobject]@{ Name = 'other-gamma' } | Get-SchedTrace).Id | Should -Be $other.Id
    }

    It 'hands back the live session for a piped session' {
        $found = $beta | Get-SchedTrace

        [object]::ReferenceEquals($found, $beta) | Should -BeTrue
    }

    It 'reports a piped input that matches nothing, and still looks up the next one' {
        $unused = $other.Id + 1000
        $found = [pscustomobject]@{ Id = $unused }, [pscustomobject]@{ Id = $alpha.Id } | Get-SchedTrace -ErrorAction SilentlyContinue -ErrorVariable missing

        $found.Id | Should -Be $alpha.Id
        $missing.Count | Should -Be 1
        $missing[0].FullyQualifiedErrorId | Should -Be 'SessionIdNotFound,SchedTrace.PowerShell.GetSchedTraceCommand'
        $missing[0].TargetObject | Should -Be $unused
    }

    It 'reads the counters it shows from the kernel once, when it writes the session' {
        $before = $alpha.CountersAsOf

        $listed = Get-SchedTrace -Id $alpha.Id

        $listed.CountersAsOf | Should -BeGreaterThan $before
        $listed.CountersAsOf | Should -BeLessOrEqual ([datetime]::UtcNow)
    }

    It 'reports a literal name that matches nothing as ObjectNotFound, and still returns the others' {
        $found = Get-SchedTrace -Name 'no-such-session', 'pester-alpha' -ErrorAction SilentlyContinue -ErrorVariable missing

        $found.Id | Should -Be $alpha.Id
        $missing.Count | Should -Be 1
        $missing[0].FullyQualifiedErrorId | Should -Be 'SessionNameNotFound,SchedTrace.PowerShell.GetSchedTraceCommand'
        $missing[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $missing[0].TargetObject | Should -Be 'no-such-session'
    }

    It 'says nothing when a wildcard matches nothing' {
        $found = Get-SchedTrace -Name 'no-such-*' -ErrorVariable missing

        $found | Should -BeNullOrEmpty
        $missing.Count | Should -Be 0
    }

    It 'reports an Id that matches nothing as ObjectNotFound' {
        $unused = ($other.Id + 1000)
        $null = Get-SchedTrace -Id $unused -ErrorAction SilentlyContinue -ErrorVariable missing

        $missing.Count | Should -Be 1
        $missing[0].FullyQualifiedErrorId | Should -Be 'SessionIdNotFound,SchedTrace.PowerShell.GetSchedTraceCommand'
        $missing[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'rejects an Id of 0' {
        { Get-SchedTrace -Id 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,SchedTrace.PowerShell.GetSchedTraceCommand'
    }

    It 'no longer lists a stopped session' {
        $session = Start-SchedTrace -Name 'pester-stopped'
        $session | Stop-SchedTrace

        Get-SchedTrace -Name 'pester-stopped' -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}

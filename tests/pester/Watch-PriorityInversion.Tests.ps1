#Requires -Version 7.4
# Needs root: these tests attach real BPF programs and run SCHED_FIFO threads (see Assert-CanTrace).

BeforeAll {
    . "$PSScriptRoot/TestSupport.ps1"
    Assert-CanTrace
    Import-BuiltModule
    Stop-AllSchedTrace

    # The scenarios of the kernel tests: real SCHED_FIFO threads pinned to the last CPU, every
    # spinner bounded in time (see the comment at the top of the C file).
    $source = Join-Path -Path $RepoRoot -ChildPath 'tests/SchedTrace.Tests/Support/Native/inversion_workload.c'
    $script:Workload = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath "schedtrace-inversion-$PID"
    & 'gcc' '-O2' '-Wall' '-Wextra' '-Werror' '-pthread' '-o' "$script:Workload" "$source"
    if ($LASTEXITCODE -ne 0) {
        throw "gcc could not build $source"
    }
    $script:WorkCpu = @(Get-OnlineCpu)[-1]

    function Invoke-Scenario {
        # Runs one scenario to its end and returns its thread ids (low, medium, high for the
        # mutex scenarios).
        param([Parameter(Mandatory)][string]$Mode, [int]$SpinMs = 300)
        $lines = & $script:Workload $Mode $script:WorkCpu 0 $SpinMs
        if ($LASTEXITCODE -ne 0) {
            throw "inversion_workload $Mode exited with $LASTEXITCODE"
        }
        $tids = ($lines | Where-Object { $_.StartsWith('tids ') }) -split ' ' | Select-Object -Skip 1
        @($tids | ForEach-Object { [int]$_ })
    }
}

AfterAll {
    Stop-AllSchedTrace
    Remove-Item -LiteralPath $script:Workload -ErrorAction SilentlyContinue
}

Describe 'Watch-PriorityInversion' {
    Context 'a normal mutex: low holds it, high waits, medium spins' {
        BeforeAll {
            $script:session = Start-SchedTrace -Feature PriorityInversion -Confirm:$false
            $script:tids = Invoke-Scenario -Mode 'lock'
            $script:alerts = @($session | Watch-PriorityInversion -Duration 0.2 -Threshold 0.05 -Name 'inv-*' | Where-Object Kind -EQ 'Lock')
            $script:summary = @($session | Watch-PriorityInversion -Duration 0.1 -Summary)
        }

        AfterAll {
            $session | Stop-SchedTrace -Confirm:$false
        }

        It 'reports one lock inversion with the three threads' {
            $alerts.Count | Should -Be 1
            $a = $alerts[0]
            $a | Should -BeOfType ([SchedTrace.PriorityInversion])
            $a.ThreadId | Should -Be $tids[2]
            $a.OwnerThreadId | Should -Be $tids[0]
            $a.GetRanInstead().ThreadId | Should -Contain $tids[1]
            $a.Policy | Should -Be 'Fifo'
            $a.Priority | Should -BeLessThan $a.OwnerPriority
            $a.Cpu | Should -Be $WorkCpu
        }

        It 'measures a wait above the threshold, in UTC' {
            $alerts[0].Wait | Should -BeGreaterOrEqual ([timespan]::FromMilliseconds(50))
            $alerts[0].Wait | Should -BeLessThan ([timespan]::FromMilliseconds(600))
            $alerts[0].Timestamp.Kind | Should -Be 'Utc'
            $alerts[0].StartTime | Should -BeLessThan $alerts[0].Timestamp
        }

        It 'formats as a table with the tasks that ran instead' {
            $text = $alerts | Format-Table | Out-String -Width 200
            $text | Should -Match 'RanInstead'
            $text | Should -Match 'inv-medium'
        }

        It 'has read every alert: a second read of the session finds none of them' {
            $summary | Where-Object { $_.ThreadId -eq $tids[2] } | Should -BeNullOrEmpty
        }
    }

    Context 'controls' {
        It 'reports no lock inversion with a priority-inheritance mutex' {
            $s = Start-SchedTrace -Feature PriorityInversion -Confirm:$false
            try {
                $null = Invoke-Scenario -Mode 'pi'
                @($s | Watch-PriorityInversion -Duration 0.2 -Name 'inv-*' | Where-Object Kind -EQ 'Lock').Count | Should -Be 0
            }
            finally {
                $s | Stop-SchedTrace -Confirm:$false
            }
        }

        It 'reports no lock inversion when the three threads have equal priorities' {
            $s = Start-SchedTrace -Feature PriorityInversion -Confirm:$false
            try {
                $null = Invoke-Scenario -Mode 'equal'
                @($s | Watch-PriorityInversion -Duration 0.2 -Name 'inv-*' | Where-Object Kind -EQ 'Lock').Count | Should -Be 0
            }
            finally {
                $s | Stop-SchedTrace -Confirm:$false
            }
        }
    }

    Context 'a new watch with -Summary' {
        It 'summarizes the lock inversion per pair of tasks at the end of -Duration' {
            # sh starts in milliseconds (a job's pwsh can take seconds on a busy machine) and runs
            # the scenario a second later, once the watch has attached.
            $out = Join-Path -Path $TestDrive -ChildPath 'summary.out'
            $delayed = Start-Process -FilePath 'sh' -ArgumentList '-c', "`"sleep 1; exec '$Workload' lock $WorkCpu 0 300`"" -RedirectStandardOutput $out -PassThru
            $rows = @(Watch-PriorityInversion -Kind Lock -Threshold 0.05 -Duration 4 -Name 'inv-*' -Summary)
            $delayed.WaitForExit(10000) | Should -BeTrue
            $lines = Get-Content -LiteralPath $out
            $tids = ($lines | Where-Object { $_.StartsWith('tids ') }) -split ' ' | Select-Object -Skip 1
            $rows.Count | Should -BeGreaterOrEqual 1
            $row = $rows | Where-Object { $_.RanThreadId -eq [int]$tids[1] }
            $row | Should -BeOfType ([SchedTrace.PriorityInversionSummary])
            $row.ThreadId | Should -Be ([int]$tids[2])
            $row.OwnerThreadId | Should -Be ([int]$tids[0])
            $row.Count | Should -Be 1
            $row.MaxWait | Should -BeGreaterOrEqual ([timespan]::FromMilliseconds(50))
        }
    }

    Context 'pipeline input' {
        It 'watches the processes piped from Get-Process, in a new session' {
            # sh execs the workload after a second, under the same process id, once the watch has attached.
            $delayed = Start-Process -FilePath 'sh' -ArgumentList '-c', "`"sleep 1; exec '$Workload' lock $WorkCpu 0 300 >/dev/null`"" -PassThru
            $alerts = @(Get-Process -Id $delayed.Id | Watch-PriorityInversion -Kind Lock -Threshold 0.05 -Duration 4)
            $delayed.WaitForExit(10000) | Should -BeTrue

            $alerts.Count | Should -Be 1
            $alerts[0].ProcessId | Should -Be $delayed.Id
            $alerts[0].Name | Should -Be 'inv-high'
        }

        It 'keeps the alerts of piped process ids, and tells piped sessions apart from processes' {
            $lacking = Start-SchedTrace -Feature ContextSwitches -Confirm:$false
            $sessions = @(1..2 | ForEach-Object { Start-SchedTrace -Feature PriorityInversion -Confirm:$false })
            try {
                # One inversion, seen by both sessions.
                $tids = Invoke-Scenario -Mode 'lock'
                $other = @([pscustomobject]@{ Id = $PID } | Watch-PriorityInversion -Session $sessions[0] -Duration 0.2 -Threshold 0.05 | Where-Object Kind -EQ 'Lock')
                # The first piped session lacks the feature: an error for it, and the next is still watched.
                $fromSessions = @($lacking, $sessions[1] | Watch-PriorityInversion -Duration 0.2 -Threshold 0.05 -ErrorVariable failures -ErrorAction SilentlyContinue | Where-Object Kind -EQ 'Lock')
            }
            finally {
                @($lacking) + $sessions | Stop-SchedTrace -Confirm:$false
            }

            $other | Should -BeNullOrEmpty -Because 'no task of this PowerShell process took part'
            $failures.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -Be 'FeatureNotEnabled,SchedTrace.PowerShell.WatchPriorityInversionCommand'
            $failures[0].TargetObject | Should -Be $lacking
            # A piped session's own Id is no process id: its alerts are all there.
            $fromSessions.Count | Should -Be 1
            $fromSessions[0].ThreadId | Should -Be $tids[2]
        }
    }

    Context 'the rate limit' {
        It 'suppresses beyond -MaxAlertsPerSecond and says how many in a warning' {
            # The storm starts half a second into the watch (sh, not a job: see above).
            $delayed = Start-Process -FilePath 'sh' -ArgumentList '-c', "`"sleep 0.5; exec '$Workload' storm $WorkCpu 0 1000 >/dev/null`"" -PassThru
            $alerts = @(Watch-PriorityInversion -Kind RunQueue -MaxAlertsPerSecond 1 -Threshold 0.001 -MinNiceGap 1 -Duration 3 -WarningVariable warnings -WarningAction SilentlyContinue)
            $delayed.WaitForExit(10000) | Should -BeTrue
            # One per second per CPU, plus a burst of one per CPU.
            $alerts.Count | Should -BeLessOrEqual (@(Get-OnlineCpu).Count * 5)
            $warnings.Count | Should -Be 1
            $warnings[0].Message | Should -Match 'were not reported because of the rate limit'
            $warnings[0].Message | Should -Match "CPU $WorkCpu"
        }
    }

    Context 'errors' {
        It 'refuses a session without the feature, with a stable id' {
            $s = Start-SchedTrace -Feature ContextSwitches -Confirm:$false
            try {
                { $s | Watch-PriorityInversion -Duration 0.1 -ErrorAction Stop } | Should -Throw -ErrorId 'FeatureNotEnabled,SchedTrace.PowerShell.WatchPriorityInversionCommand'
            }
            finally {
                $s | Stop-SchedTrace -Confirm:$false
            }
        }

        It 'rejects a nice gap outside 1..39' {
            { Watch-PriorityInversion -MinNiceGap 40 -Duration 0.1 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,SchedTrace.PowerShell.WatchPriorityInversionCommand'
        }
    }
}

#Requires -Version 7.4
# Needs root: these tests attach real BPF programs (see Assert-CanTrace).

BeforeAll {
    . "$PSScriptRoot/TestSupport.ps1"
    Assert-CanTrace
    Import-BuiltModule
    Stop-AllSchedTrace
}

AfterAll {
    Stop-AllSchedTrace
}

Describe 'Get-ContextSwitchCount' {
    Context 'a single reading' {
        BeforeAll {
            $script:perCpu = @(Get-ContextSwitchCount -Duration 1)
        }

        It 'returns one object per online CPU' {
            $perCpu | ForEach-Object { $_ | Should -BeOfType ([SchedTrace.ContextSwitchCount]) }
            ($perCpu.Cpu | Sort-Object) | Should -Be @(Get-OnlineCpu)
        }

        It 'splits every switch into voluntary, involuntary and out of idle' {
            foreach ($row in $perCpu) {
                $row.Switches | Should -Be ($row.Voluntary + $row.Involuntary + $row.FromIdle) -Because "CPU $($row.Cpu)"
            }
            ($perCpu | Measure-Object -Property Switches -Sum).Sum | Should -BeGreaterThan 0
        }

        It 'is sample 0, over a one-second UTC window' {
            foreach ($row in $perCpu) {
                $row.Sample | Should -Be 0
                $row.WindowStart.Kind | Should -Be 'Utc'
                $row.WindowEnd | Should -BeGreaterThan $row.WindowStart
                $row.Duration.TotalSeconds | Should -BeGreaterOrEqual 1
                $row.SwitchesPerSecond | Should -Be ($row.Switches / $row.Duration.TotalSeconds)
            }
        }
    }

    Context 'durations are seconds' {
        It 'waits two seconds for -Duration 2, not two ticks' {
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $row = Get-ContextSwitchCount -Duration 2 -Total
            $watch.Stop()

            $row.Duration.TotalSeconds | Should -BeGreaterOrEqual 2
            # Upper bound: the VM is noisy, but a window much past 2 s means a wrong unit or a lost wakeup.
            $row.Duration.TotalSeconds | Should -BeLessThan 2.5
            $watch.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 2
        }

        It 'reads <Text> as <Seconds> s' -ForEach @(
            @{ Text = '500ms'; Seconds = 0.5 }
            @{ Text = '0.3'; Seconds = 0.3 }
            @{ Text = '00:00:00.4'; Seconds = 0.4 }
        ) {
            $row = Get-ContextSwitchCount -Duration $Text -Total

            $row.Duration.TotalSeconds | Should -BeGreaterOrEqual $Seconds
            $row.Duration.TotalSeconds | Should -BeLessThan ($Seconds + 0.5)
        }

        It 'takes the duration by position' {
            $row = Get-ContextSwitchCount 0.3 -Total

            $row.Duration.TotalSeconds | Should -BeGreaterOrEqual 0.3
        }

        It 'rejects a duration that is not one' {
            { Get-ContextSwitchCount -Duration 'soon' } | Should -Throw -ErrorId 'ParameterArgumentTransformationError,SchedTrace.PowerShell.GetContextSwitchCountCommand'
        }

        It 'rejects a zero duration with a stable error id' {
            { Get-ContextSwitchCount -Duration 0 } | Should -Throw -ErrorId 'InvalidDuration,SchedTrace.PowerShell.GetContextSwitchCountCommand'
        }
    }

    Context '-Total' {
        It 'returns one machine-wide row whose Cpu is $null' {
            $rows = @(Get-ContextSwitchCount -Duration 0.5 -Total)

            $rows.Count | Should -Be 1
            $rows[0].Cpu | Should -BeNullOrEmpty
            $rows[0].Switches | Should -Be ($rows[0].Voluntary + $rows[0].Involuntary + $rows[0].FromIdle)
        }
    }

    Context '-Interval' {
        It 'returns samples 1..3 for -Interval 0.2 -Count 3, in back-to-back windows' {
            $rows = @(Get-ContextSwitchCount -Interval 0.2 -Count 3 -Total)

            $rows.Sample | Should -Be @(1, 2, 3)
            foreach ($row in $rows) {
                $row.Duration.TotalSeconds | Should -BeGreaterOrEqual 0.2
                $row.Duration.TotalSeconds | Should -BeLessThan 0.7
            }
            # Each window starts where the previous one ended: no switch is lost or counted twice.
            $rows[1].WindowStart | Should -Be $rows[0].WindowEnd
            $rows[2].WindowStart | Should -Be $rows[1].WindowEnd
        }

        It 'returns one row per online CPU in each sample' {
            $rows = @(Get-ContextSwitchCount -Interval 0.2 -Count 2)
            $cpus = @(Get-OnlineCpu)

            $rows.Count | Should -Be (2 * $cpus.Count)
            foreach ($group in ($rows | Group-Object -Property Sample)) {
                ($group.Group.Cpu | Sort-Object) | Should -Be $cpus
            }
        }

        It 'requires -Count to be at least 1' {
            { Get-ContextSwitchCount -Interval 0.2 -Count 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,SchedTrace.PowerShell.GetContextSwitchCountCommand'
        }
    }

    Context 'agreement with the kernel''s own count' {
        It 'counts what /proc/stat ctxt counts, between ctxt windows that bracket its reads' {
            # Each reading of the session is bracketed by two reads of ctxt, so the BPF window
            # (from the first reading to the second) holds the inner ctxt window and lies inside
            # the outer one; both bounds are exact, whatever the load (the kernel bumps
            # nr_switches and fires sched_switch in one locked section of __schedule()), but for
            # the switches of PID 1's threads, which these VMs' kernel counts and does not trace:
            # the inner bound is lowered by what they switched in the outer window.
            $session = Start-SchedTrace -Name 'pester-ctxt'
            $null = $session | Get-ContextSwitchCount -Total   # warm up: JIT outside the window
            $null = Get-SystemContextSwitch
            $null = Get-PidOneContextSwitch

            $untracedStart = Get-PidOneContextSwitch
            $outerStart = Get-SystemContextSwitch
            $first = $session | Get-ContextSwitchCount -Total
            $innerStart = Get-SystemContextSwitch
            1..50 | ForEach-Object { Start-Sleep -Milliseconds 10 }
            $innerEnd = Get-SystemContextSwitch
            $second = $session | Get-ContextSwitchCount -Total
            $outerEnd = Get-SystemContextSwitch
            $untraced = (Get-PidOneContextSwitch) - $untracedStart
            $session | Stop-SchedTrace

            $traced = $second.Switches - $first.Switches
            $traced | Should -BeLessOrEqual ($outerEnd - $outerStart)
            $traced | Should -BeGreaterOrEqual ($innerEnd - $innerStart - $untraced)
            $traced | Should -BeGreaterOrEqual 50 -Because 'each of the 50 sleeps blocks this thread once'
        }
    }

    Context 'filters' {
        It 'counts only the process given by -PID' {
            $sleeper = Start-Process -FilePath 'sleep' -ArgumentList '30' -PassThru
            try {
                Start-Sleep -Milliseconds 300   # let it reach its long sleep
                $idle = Get-ContextSwitchCount -Duration 0.5 -Total -PID $sleeper.Id
                # This very process switches while the cmdlet waits for its window to end.
                $self = Get-ContextSwitchCount -Duration 0.5 -Total -PID $PID
            }
            finally {
                Stop-Process -InputObject $sleeper -ErrorAction SilentlyContinue
            }

            $idle.Switches | Should -Be 0
            $self.Switches | Should -BeGreaterThan 0
        }
    }

    Context '-Session' {
        It 'reads a running session from its start, without waiting' {
            $session = Start-SchedTrace -Name 'pester-session'
            1..10 | ForEach-Object { Start-Sleep -Milliseconds 10 }

            $row = $session | Get-ContextSwitchCount -Total
            $session | Stop-SchedTrace

            $row.Sample | Should -Be 0
            $row.WindowStart | Should -Be $session.StartTime
            $row.Switches | Should -BeGreaterOrEqual 10
        }

        It 'samples a running session with -Interval' {
            $session = Start-SchedTrace -Name 'pester-session-interval'

            $rows = @(Get-ContextSwitchCount -Session $session -Interval 0.2 -Count 2 -Total)
            $session | Stop-SchedTrace

            $rows.Sample | Should -Be @(1, 2)
        }
    }

    Context 'Export-Csv' {
        BeforeAll {
            # Pin the culture so that writing and parsing numbers and dates agree wherever this runs.
            $script:savedCulture = [System.Globalization.CultureInfo]::CurrentCulture
            [System.Globalization.CultureInfo]::CurrentCulture = [System.Globalization.CultureInfo]::InvariantCulture
        }

        AfterAll {
            [System.Globalization.CultureInfo]::CurrentCulture = $savedCulture
        }

        It 'round-trips every property' {
            # A per-CPU interval sample and a total: Sample above 0 and a $null Cpu both go through.
            $rows = @(Get-ContextSwitchCount -Interval 0.3 -Count 1) + @(Get-ContextSwitchCount -Duration 0.3 -Total)
            $path = Join-Path -Path $TestDrive -ChildPath 'counts.csv'

            $rows | Export-Csv -LiteralPath $path
            $back = @(Import-Csv -LiteralPath $path)

            $back.Count | Should -Be $rows.Count
            $properties = $rows[0].PSObject.Properties.Name
            ($back[0].PSObject.Properties.Name | Sort-Object) | Should -Be ($properties | Sort-Object)
            $invariant = [System.Globalization.CultureInfo]::InvariantCulture
            for ($i = 0; $i -lt $rows.Count; $i++) {
                $row = $rows[$i]
                $copy = $back[$i]
                [int]$copy.Sample | Should -Be $row.Sample
                if ($null -eq $row.Cpu) {
                    $copy.Cpu | Should -BeNullOrEmpty
                }
                else {
                    [int]$copy.Cpu | Should -Be $row.Cpu
                }
                foreach ($name in 'Switches', 'Voluntary', 'Involuntary', 'FromIdle') {
                    [long]$copy.$name | Should -Be $row.$name -Because $name
                }
                [double]::Parse($copy.SwitchesPerSecond, $invariant) | Should -Be $row.SwitchesPerSecond
                [timespan]::Parse($copy.Duration, $invariant) | Should -Be $row.Duration
                # DateTime's default text has whole seconds: equal to within one.
                foreach ($name in 'WindowStart', 'WindowEnd') {
                    $parsed = [datetime]::Parse($copy.$name, $invariant)
                    [math]::Abs(($parsed - $row.$name).TotalSeconds) | Should -BeLessThan 1 -Because $name
                }
            }
        }
    }
}

#Requires -Version 7.4
# Needs root: these tests attach real BPF programs (see Assert-CanTrace).

BeforeAll {
    . "$PSScriptRoot/TestSupport.ps1"
    Assert-CanTrace
    Import-BuiltModule
    Stop-AllSchedTrace

    # A sleeper: a shell that waits for a 50 ms sleep child again and again, so each of its
    # schedule() calls that switch it out lasts about 50 ms. Bounded to two minutes by $SECONDS.
    $script:sleeper = Start-Process -FilePath 'bash' -ArgumentList '-c "while [ $SECONDS -lt 120 ]; do sleep 0.05; done"' -PassThru
    Start-Sleep -Milliseconds 300
    if ($sleeper.HasExited) {
        throw "The sleeper (bash) exited at once with code $($sleeper.ExitCode)."
    }

    # The rows each method writes, as (Measure, Reason), in order.
    $script:rowsOf = @{
        FunctionExit     = @('ScheduleCall/All')
        SchedTracepoints = @('ScheduleCall/All', 'ScheduleCall/Switched', 'ScheduleCall/NotSwitched', 'SwitchHandover/')
        SwitchTracepoint = @('ScheduleCall/Switched')
    }

    # Which method this kernel allows: what a session reports, and what every reading uses.
    $probe = Start-SchedTrace -Name 'pester-schedtime-probe' -Feature ScheduleTime -WarningAction SilentlyContinue
    $script:method = "$($probe.ScheduleMethod)"
    $script:methodNote = $probe.ScheduleMethodNote
    $probe | Stop-SchedTrace
}

AfterAll {
    if ($sleeper) {
        Stop-Process -Id $sleeper.Id -ErrorAction SilentlyContinue
    }
    Stop-AllSchedTrace
}

Describe 'Measure-ScheduleTime' {
    Context 'the method' {
        It 'is one of the three, and a session started for ScheduleTime has it' {
            $method | Should -BeIn @('FunctionExit', 'SchedTracepoints', 'SwitchTracepoint')
            if ($method -eq 'FunctionExit') {
                $methodNote | Should -BeNullOrEmpty -Because 'nothing better was refused'
            }
            else {
                $methodNote | Should -BeLike '*could not be used*'
            }
        }

        It 'decides the rows, and every row names it in Method' {
            $rows = @(Measure-ScheduleTime -Duration 0.5)

            ($rows | ForEach-Object { '{0}/{1}' -f $_.Measure, $_.Reason }) | Should -Be $rowsOf[$method]
            foreach ($row in $rows) {
                $row | Should -BeOfType ([SchedTrace.LatencyStatistics])
                $row.Method | Should -Not -BeNullOrEmpty
            }
            switch ($method) {
                'FunctionExit' {
                    $rows[0].Method | Should -BeLike '*fentry/fexit schedule()*'
                }
                'SchedTracepoints' {
                    $rows[0].Method | Should -BeLike '*sched_entry_tp -> sched_exit_tp*'
                }
                default {
                    $rows[0].Method | Should -BeLike '*sched_switch-out -> sched_switch-in*'
                }
            }
        }

        It 'is written to the verbose stream, with the reason better methods were refused' {
            $verbose = @(Measure-ScheduleTime -Duration 0.3 -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)

            @($verbose | Where-Object { $_ -like "*times schedule() with*(ScheduleMethod $method)*" }).Count | Should -Be 1
            if ($methodNote) {
                $verbose | Should -Contain $methodNote
            }
        }

        It 'warns only when schedule() could be timed by sched_switch alone' {
            $null = Measure-ScheduleTime -Duration 0.3 -WarningVariable warned -WarningAction SilentlyContinue

            if ($method -eq 'SwitchTracepoint') {
                $warned.Count | Should -Be 1
            }
            else {
                $warned.Count | Should -Be 0
            }
        }
    }

    Context 'the figures' {
        BeforeAll {
            $script:rows = @(Measure-ScheduleTime -Id $sleeper.Id -Duration 1)
            # The calls that switched the sleeper out: the All row, or Switched where it exists.
            $script:switched = $rows | Where-Object Reason -EQ $(if ($method -eq 'FunctionExit') { 'All' } else { 'Switched' })
        }

        It 'include the sleeper''s time asleep in each call that switched it out' {
            $switched.Count | Should -BeGreaterOrEqual 5
            # Each wait for the 50 ms child is one call, entry to return.
            $switched.P50Ns | Should -BeGreaterOrEqual 40e6
            $switched.P50Ns | Should -BeLessThan 500e6
            $switched.MinNs | Should -BeLessOrEqual $switched.P50Ns
            $switched.P50Ns | Should -BeLessOrEqual $switched.MaxNs
            Get-HistogramCellCount -Histogram $switched.Histogram | Should -Be $switched.Count
        }

        It 'add up: All is Switched plus NotSwitched (SchedTracepoints)' {
            if ($method -ne 'SchedTracepoints') {
                Set-ItResult -Skipped -Because "only SchedTracepoints splits the calls; this kernel uses $method"
                return
            }
            $all = $rows | Where-Object Reason -EQ 'All'
            $notSwitched = $rows | Where-Object Reason -EQ 'NotSwitched'

            $all.Count | Should -Be ($switched.Count + $notSwitched.Count)
            $all.TotalNs | Should -Be ($switched.TotalNs + $notSwitched.TotalNs)
        }

        It 'time the CPU''s handover in microseconds, not in sleeps (SchedTracepoints)' {
            if ($method -ne 'SchedTracepoints') {
                Set-ItResult -Skipped -Because "only SchedTracepoints times the handover; this kernel uses $method"
                return
            }
            $handover = Measure-ScheduleTime -Duration 0.5 | Where-Object Measure -EQ 'SwitchHandover'

            $handover.Count | Should -BeGreaterThan 0
            $handover.P50Ns | Should -BeLessThan 1e6
        }
    }

    Context '-PerProcess and errors' {
        It 'writes per-process rows, decorated for the per-process table' {
            $rows = @(Measure-ScheduleTime -Duration 0.5 -PerProcess)

            $rows.Count | Should -BeGreaterThan 0
            foreach ($row in $rows) {
                $row.PSObject.TypeNames[0] | Should -Be 'SchedTrace.LatencyStatistics#PerProcess'
                $row.ProcessId | Should -Not -BeNullOrEmpty
                "$($row.Measure)" | Should -Be 'ScheduleCall' -Because 'handovers belong to CPUs, not processes'
            }
            $rows.ProcessId | Should -Contain $sleeper.Id
        }

        It 'refuses -PerProcess with -PerCpu' {
            { Measure-ScheduleTime -PerProcess -PerCpu } | Should -Throw -ErrorId 'PerProcessAndPerCpu,SchedTrace.PowerShell.MeasureScheduleTimeCommand'
        }

        It 'fails with FeatureNotEnabled on a session without ScheduleTime' {
            $session = Start-SchedTrace -Name 'pester-schedtime-runq' -Feature RunQueueLatency
            try {
                { $session | Measure-ScheduleTime -ErrorAction Stop } | Should -Throw -ErrorId 'FeatureNotEnabled,SchedTrace.PowerShell.MeasureScheduleTimeCommand'
            }
            finally {
                $session | Stop-SchedTrace
            }
        }
    }

    Context '-Session' {
        AfterEach {
            Stop-AllSchedTrace
        }

        It 'reads a ScheduleTime session with its method, and says the method on -Verbose' {
            $session = Start-SchedTrace -Name 'pester-schedtime' -Feature ScheduleTime -WarningAction SilentlyContinue
            Start-Sleep -Milliseconds 300

            $output = @($session | Measure-ScheduleTime -Verbose 4>&1)
            $rows = @($output | Where-Object { $_ -is [SchedTrace.LatencyStatistics] })
            $verbose = @($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)

            "$($session.ScheduleMethod)" | Should -Be $method
            ($rows | ForEach-Object { '{0}/{1}' -f $_.Measure, $_.Reason }) | Should -Be $rowsOf[$method]
            $rows[0].WindowStart | Should -Be $session.StartTime
            ($verbose -join "`n") | Should -BeLike "*session 'pester-schedtime' (Id $($session.Id)) times schedule() with*"
            if ($session.ScheduleMethodNote) {
                $verbose | Should -Contain $session.ScheduleMethodNote
            }
        }
    }

    Context 'Export-Csv' {
        It 'keeps Method and Histogram' {
            $rows = @(Measure-ScheduleTime -Duration 0.5)
            $path = Join-Path -Path $TestDrive -ChildPath 'schedtime.csv'

            $rows | Export-Csv -LiteralPath $path
            $back = @(Import-Csv -LiteralPath $path)

            $back.Count | Should -Be $rows.Count
            for ($i = 0; $i -lt $rows.Count; $i++) {
                $back[$i].Method | Should -Be $rows[$i].Method
                $back[$i].Measure | Should -Be "$($rows[$i].Measure)"
                $back[$i].Reason | Should -Be $rows[$i].Reason
                $back[$i].Histogram | Should -Be $rows[$i].Histogram
                Get-HistogramCellCount -Histogram $back[$i].Histogram | Should -Be $rows[$i].Count
            }
        }
    }
}

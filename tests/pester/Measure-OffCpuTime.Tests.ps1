#Requires -Version 7.4
# Needs root: these tests attach real BPF programs (see Assert-CanTrace).

BeforeAll {
    . "$PSScriptRoot/TestSupport.ps1"
    Assert-CanTrace
    Import-BuiltModule
    Stop-AllSchedTrace

    # A sleeper the tests can recognise: a shell that waits, interruptibly, for a 50 ms sleep
    # child again and again, so the shell itself leaves the CPU in state S about twenty times a
    # second. $SECONDS bounds it to two minutes, should AfterAll never run.
    $script:sleeper = Start-Process -FilePath 'bash' -ArgumentList '-c "while [ $SECONDS -lt 120 ]; do sleep 0.05; done"' -PassThru
    Start-Sleep -Milliseconds 300
    if ($sleeper.HasExited) {
        throw "The sleeper (bash) exited at once with code $($sleeper.ExitCode)."
    }
    $script:sleeperName = (Get-Content -Raw -LiteralPath "/proc/$($sleeper.Id)/comm").Trim()
    $script:reasons = @('Sleeping', 'Uninterruptible', 'Preempted', 'Other')
}

AfterAll {
    if ($sleeper) {
        Stop-Process -Id $sleeper.Id -ErrorAction SilentlyContinue
    }
    Stop-AllSchedTrace
}

Describe 'Measure-OffCpuTime' {
    Context 'one process, filtered in the kernel' {
        BeforeAll {
            $script:rows = @(Measure-OffCpuTime -Id $sleeper.Id -Duration 1)
            $script:sleeping = $rows | Where-Object Reason -EQ 'Sleeping'
        }

        It 'writes one LatencyStatistics row per reason, in order' {
            $rows.Count | Should -Be 4
            $rows | ForEach-Object { $_ | Should -BeOfType ([SchedTrace.LatencyStatistics]) }
            $rows.Reason | Should -Be $reasons
            $rows.Measure | Sort-Object -Unique | Should -Be 'OffCpu'
            # Rows for the selection, not per process: the kernel filter did the selecting.
            @($rows | Where-Object { $null -ne $_.ProcessId -or $null -ne $_.Cpu }).Count | Should -Be 0
            $rows[0].PSObject.TypeNames[0] | Should -Be 'SchedTrace.LatencyStatistics'
        }

        It 'sees the sleeper leave the CPU asleep about twenty times, for about 50 ms each' {
            $sleeping.Count | Should -BeGreaterOrEqual 5
            # sleep 0.05 plus fork and exec: never shorter than 40 ms, and not seconds.
            $sleeping.P50Ns | Should -BeGreaterOrEqual 40e6
            $sleeping.P50Ns | Should -BeLessThan 500e6
            # Asleep for most of the window.
            $sleeping.TotalNs | Should -BeGreaterThan (0.5 * $sleeping.Duration.Ticks * 100)
        }

        It 'has consistent figures: min <= percentiles <= max, mean = total / count, TimeSpans from the ns' {
            $sleeping.MinNs | Should -BeLessOrEqual $sleeping.P50Ns
            $sleeping.P50Ns | Should -BeLessOrEqual $sleeping.P90Ns
            $sleeping.P90Ns | Should -BeLessOrEqual $sleeping.P99Ns
            $sleeping.P99Ns | Should -BeLessOrEqual $sleeping.P999Ns
            $sleeping.P999Ns | Should -BeLessOrEqual $sleeping.MaxNs
            [math]::Abs($sleeping.MeanNs * $sleeping.Count - $sleeping.TotalNs) | Should -BeLessOrEqual $sleeping.Count
            $sleeping.Total.Ticks | Should -Be ([long][math]::Floor($sleeping.TotalNs / 100))
        }

        It 'keeps the histogram in GetBuckets() and in the Histogram text, both summing to Count' {
            ($sleeping.GetBuckets() | Measure-Object -Property Count -Sum).Sum | Should -Be $sleeping.Count
            Get-HistogramCellCount -Histogram $sleeping.Histogram | Should -Be $sleeping.Count
        }

        It 'is sample 0, over a UTC window of the duration asked for, with the method' {
            $sleeping.Sample | Should -Be 0
            $sleeping.WindowStart.Kind | Should -Be 'Utc'
            $sleeping.Duration.TotalSeconds | Should -BeGreaterOrEqual 1
            $sleeping.Method | Should -BeLike '*sched_switch*'
        }

        It 'shows the histogram by default' {
            $text = $sleeping | Out-String

            $text | Should -BeLike '*Off-CPU time (Sleeping)*'
            $text | Should -Match 'range\s+count\s+distribution'
            $text | Should -BeLike '*|****************************************|*'
        }
    }

    Context '-PerProcess' {
        BeforeAll {
            $script:perProcess = @(Measure-OffCpuTime -Duration 1 -PerProcess)
        }

        It 'writes rows per process and reason, decorated for the per-process table' {
            $perProcess.Count | Should -BeGreaterThan 0
            foreach ($row in $perProcess) {
                $row.PSObject.TypeNames[0] | Should -Be 'SchedTrace.LatencyStatistics#PerProcess'
                $row.ProcessId | Should -Not -BeNullOrEmpty
                $row.Count | Should -BeGreaterThan 0
                $row.Reason | Should -BeIn $reasons
            }
        }

        It 'has the sleeper''s Sleeping row, by its name' {
            $row = $perProcess | Where-Object { $_.ProcessId -eq $sleeper.Id -and $_.Reason -eq 'Sleeping' }

            $row | Should -Not -BeNullOrEmpty
            $row.Name | Should -Be $sleeperName
            $row.P50Ns | Should -BeGreaterOrEqual 40e6
        }

        It 'puts the most off-CPU time first within each reason' {
            foreach ($group in $perProcess | Group-Object Reason) {
                $totals = @($group.Group.TotalNs)
                $totals | Should -Be @($totals | Sort-Object -Descending)
            }
        }

        It 'formats as the per-process table' {
            $text = $perProcess | Select-Object -First 3 | Format-Table | Out-String -Width 200

            # Measure shows each row's reason.
            $text | Should -Match 'ProcessId\s+Name\s+Measure\s+Count\s+P50\s+P99\s+Max'
            $text | Should -Match '\s(Sleeping|Uninterruptible|Preempted|Other)\s'
        }
    }

    Context '-PerCpu and -Cpu' {
        It 'writes rows per CPU and reason, for online CPUs, decorated for the per-CPU table' {
            $rows = @(Measure-OffCpuTime -Duration 0.5 -PerCpu)
            $online = @(Get-OnlineCpu)

            $rows.Count | Should -BeGreaterThan 0
            foreach ($row in $rows) {
                $row.PSObject.TypeNames[0] | Should -Be 'SchedTrace.LatencyStatistics#PerCpu'
                $row.Cpu | Should -BeIn $online
            }
        }

        It 'with -Cpu writes that CPU''s four rows only' {
            $rows = @(Measure-OffCpuTime -Duration 0.5 -PerCpu -Cpu 0)

            $rows.Count | Should -Be 4
            $rows.Cpu | Sort-Object -Unique | Should -Be 0
            $rows.Reason | Should -Be $reasons
        }

        It 'refuses a CPU the machine does not have' {
            { Measure-OffCpuTime -Duration 0.2 -Cpu 4095 } | Should -Throw -ErrorId 'InvalidCpu,SchedTrace.PowerShell.MeasureOffCpuTimeCommand'
        }

        It 'refuses -PerProcess with -PerCpu before attaching anything' {
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $failure = { Measure-OffCpuTime -Duration 5 -PerProcess -PerCpu } | Should -Throw -ErrorId 'PerProcessAndPerCpu,SchedTrace.PowerShell.MeasureOffCpuTimeCommand' -PassThru
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 2 -Because 'the query is refused before five seconds of measuring'
            $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $failure.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        }

        It 'refuses -PerCpu with -Name, whose rows cannot be split by CPU' {
            { Measure-OffCpuTime -Duration 0.2 -PerCpu -Name $sleeperName } | Should -Throw -ErrorId 'PerCpuWithProcessFilter,SchedTrace.PowerShell.MeasureOffCpuTimeCommand'
        }
    }

    Context '-Name and -Id' {
        It 'selects by name, with wildcards' {
            $rows = @(Measure-OffCpuTime -Duration 0.5 -Name ($sleeperName.Substring(0, 2) + '*'))

            $rows.Reason | Should -Be $reasons
            ($rows | Where-Object Reason -EQ 'Sleeping').Count | Should -BeGreaterThan 0
        }

        It 'with -PerProcess and several ids writes just those processes, by the alias PID too' {
            $rows = @(Measure-OffCpuTime -Duration 0.5 -PID $sleeper.Id, $PID -PerProcess)

            foreach ($row in $rows) {
                $row.ProcessId | Should -BeIn @($sleeper.Id, $PID)
            }
            $rows.ProcessId | Should -Contain $sleeper.Id
        }

        It 'reports a literal name that matched nothing as ProcessNameNotFound' {
            $null = Measure-OffCpuTime -Duration 0.3 -Name 'no-such-process' -ErrorAction SilentlyContinue -ErrorVariable missing

            $missing.Count | Should -Be 1
            $missing[0].FullyQualifiedErrorId | Should -Be 'ProcessNameNotFound,SchedTrace.PowerShell.MeasureOffCpuTimeCommand'
            $missing[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $missing[0].TargetObject | Should -Be 'no-such-process'
        }

        It 'says nothing when a wildcard matches nothing' {
            $null = Measure-OffCpuTime -Duration 0.3 -Name 'no-such-process*' -ErrorVariable missing

            $missing.Count | Should -Be 0
        }

        It 'reports an id that was not measured as ProcessIdNotFound, with empty rows' {
            # A pid above pid_max can never run.
            $unused = [int](Get-Content -Raw -LiteralPath '/proc/sys/kernel/pid_max') + 1
            $rows = @(Measure-OffCpuTime -Duration 0.3 -Id $unused -ErrorAction SilentlyContinue -ErrorVariable missing)

            $rows.Count | Should -Be 4
            ($rows | Measure-Object -Property Count -Sum).Sum | Should -Be 0
            $missing.Count | Should -Be 1
            $missing[0].FullyQualifiedErrorId | Should -Be 'ProcessIdNotFound,SchedTrace.PowerShell.MeasureOffCpuTimeCommand'
            $missing[0].TargetObject | Should -Be $unused
        }

        It 'rejects 0' {
            { Measure-OffCpuTime -Id 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,SchedTrace.PowerShell.MeasureOffCpuTimeCommand'
        }
    }

    Context '-Interval' {
        It 'returns samples 1..N in back-to-back windows' {
            $rows = @(Measure-OffCpuTime -Interval 0.3 -Count 2 -Id $sleeper.Id)

            $rows.Count | Should -Be 8
            $rows.Sample | Sort-Object -Unique | Should -Be @(1, 2)
            $first = $rows | Where-Object Sample -EQ 1 | Select-Object -First 1
            $second = $rows | Where-Object Sample -EQ 2 | Select-Object -First 1
            $second.WindowStart | Should -Be $first.WindowEnd
        }

        It 'refuses -Count without -Interval' {
            { Measure-OffCpuTime -Count 2 } | Should -Throw -ErrorId 'CountWithoutInterval,SchedTrace.PowerShell.MeasureOffCpuTimeCommand'
        }
    }

    Context '-Session' {
        AfterEach {
            Stop-AllSchedTrace
        }

        It 'reads an OffCpuTime session from its start, without waiting' {
            $session = Start-SchedTrace -Name 'pester-offcpu' -Feature OffCpuTime
            Start-Sleep -Milliseconds 500

            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $rows = @($session | Measure-OffCpuTime)
            $watch.Stop()

            $rows.Reason | Should -Be $reasons
            ($rows | Where-Object Reason -EQ 'Sleeping').Count | Should -BeGreaterThan 0
            $rows[0].WindowStart | Should -Be $session.StartTime
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 0.9 -Because 'a session is read at once, not over the one-second default duration'
        }

        It 'reads a -PerProcess session per process' {
            $session = Start-SchedTrace -Name 'pester-offcpu-pp' -Feature OffCpuTime -PerProcess
            Start-Sleep -Milliseconds 500

            $rows = @($session | Measure-OffCpuTime -Id $sleeper.Id -PerProcess)

            $rows.ProcessId | Sort-Object -Unique | Should -Be $sleeper.Id
            $session.LatencyDropped | Should -Be 0
        }

        It 'fails with SessionNotPerProcess when the session keeps no per-process rows' {
            $session = Start-SchedTrace -Name 'pester-offcpu-global' -Feature OffCpuTime

            { $session | Measure-OffCpuTime -PerProcess -ErrorAction Stop } | Should -Throw -ErrorId 'SessionNotPerProcess,SchedTrace.PowerShell.MeasureOffCpuTimeCommand'
            { $session | Measure-OffCpuTime -Name $sleeperName -ErrorAction Stop } | Should -Throw -ErrorId 'SessionNotPerProcess,SchedTrace.PowerShell.MeasureOffCpuTimeCommand'
        }

        It 'refuses -Cpu on a session''s per-process rows' {
            $session = Start-SchedTrace -Name 'pester-offcpu-cpu' -Feature OffCpuTime -PerProcess

            { $session | Measure-OffCpuTime -PerProcess -Cpu 0 -ErrorAction Stop } | Should -Throw -ErrorId 'CpuWithProcessRows,SchedTrace.PowerShell.MeasureOffCpuTimeCommand'
        }

        It 'fails with FeatureNotEnabled on a session without OffCpuTime' {
            $session = Start-SchedTrace -Name 'pester-offcpu-switches'

            { $session | Measure-OffCpuTime -ErrorAction Stop } | Should -Throw -ErrorId 'FeatureNotEnabled,SchedTrace.PowerShell.MeasureOffCpuTimeCommand'
        }

        It 'reads a stopped session''s final figures, from its start to its stop' {
            $session = Start-SchedTrace -Name 'pester-offcpu-stopped' -Feature OffCpuTime -ProcessId $sleeper.Id
            Start-Sleep -Milliseconds 300
            $session | Stop-SchedTrace

            $rows = @($session | Measure-OffCpuTime)
            Start-Sleep -Milliseconds 100
            $again = @($session | Measure-OffCpuTime)

            # The sleeper leaves the CPU asleep about twenty times a second.
            ($rows | Where-Object Reason -EQ 'Sleeping').Count | Should -BeGreaterThan 0
            $rows | ForEach-Object {
                $_.WindowEnd | Should -Be $session.StopTime
                $_.Duration | Should -Be $session.Elapsed
            }
            $again.Count | Should -Be $rows.Count
            for ($i = 0; $i -lt $rows.Count; $i++) {
                $again[$i].Count | Should -Be $rows[$i].Count -Because 'nothing is measured after the stop'
            }
            { $session | Measure-OffCpuTime -Interval 0.2 -Count 1 -ErrorAction Stop } | Should -Throw -ErrorId 'SessionStopped,SchedTrace.PowerShell.MeasureOffCpuTimeCommand'
        }
    }

    Context 'Export-Csv' {
        BeforeAll {
            $script:savedCulture = [System.Globalization.CultureInfo]::CurrentCulture
            [System.Globalization.CultureInfo]::CurrentCulture = [System.Globalization.CultureInfo]::InvariantCulture
        }

        AfterAll {
            [System.Globalization.CultureInfo]::CurrentCulture = $savedCulture
        }

        It 'keeps the figures and the Histogram column' {
            $rows = @(Measure-OffCpuTime -Duration 0.5 -Id $sleeper.Id) + @(Measure-OffCpuTime -Duration 0.5 -PerProcess | Select-Object -First 3)
            $path = Join-Path -Path $TestDrive -ChildPath 'offcpu.csv'

            $rows | Export-Csv -LiteralPath $path
            $back = @(Import-Csv -LiteralPath $path)

            $back.Count | Should -Be $rows.Count
            for ($i = 0; $i -lt $rows.Count; $i++) {
                $row = $rows[$i]
                $copy = $back[$i]
                $copy.Histogram | Should -Be $row.Histogram
                $copy.Histogram | Should -Not -BeLike '*System.*'
                Get-HistogramCellCount -Histogram $copy.Histogram | Should -Be $row.Count
                [long]$copy.Count | Should -Be $row.Count
                [long]$copy.TotalNs | Should -Be $row.TotalNs
                [long]$copy.MaxNs | Should -Be $row.MaxNs
                [double]::Parse($copy.P99Ns, [cultureinfo]::InvariantCulture) | Should -Be $row.P99Ns
                $copy.Reason | Should -Be $row.Reason
                $copy.Method | Should -Be $row.Method
                if ($null -eq $row.ProcessId) {
                    $copy.ProcessId | Should -BeNullOrEmpty
                }
                else {
                    [int]$copy.ProcessId | Should -Be $row.ProcessId
                }
            }
        }
    }
}

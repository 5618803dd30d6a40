#Requires -Version 7.4
# Needs root: these tests attach real BPF programs (see Assert-CanTrace).

BeforeAll {
    . "$PSScriptRoot/TestSupport.ps1"
    Assert-CanTrace
    Import-BuiltModule
    Stop-AllSchedTrace

    # Three busy loops pinned to CPU 0: they take turns on it, so each spends about two thirds
    # of its time runnable but waiting, in slices of milliseconds. taskset execs bash, so each
    # process's id is the loop's. $SECONDS bounds them to two minutes, should AfterAll never run.
    $script:spinners = @(1..3 | ForEach-Object {
            Start-Process -FilePath 'taskset' -ArgumentList '-c 0 bash -c "while [ $SECONDS -lt 120 ]; do :; done"' -PassThru
        })
    Start-Sleep -Milliseconds 300
    foreach ($spinner in $spinners) {
        if ($spinner.HasExited) {
            throw "A pinned busy loop (taskset bash) exited at once with code $($spinner.ExitCode)."
        }
    }
    $script:spinner = $spinners[0]
}

AfterAll {
    foreach ($process in $spinners) {
        Stop-Process -Id $process.Id -ErrorAction SilentlyContinue
    }
    Stop-AllSchedTrace
}

Describe 'Measure-RunQueueLatency' {
    Context 'one process, filtered in the kernel' {
        It 'writes one RunQueue row with the waits of a loop that shares its CPU' {
            $rows = @(Measure-RunQueueLatency -Id $spinner.Id -Duration 1)

            $rows.Count | Should -Be 1
            $row = $rows[0]
            $row | Should -BeOfType ([SchedTrace.LatencyStatistics])
            "$($row.Measure)" | Should -Be 'RunQueue'
            $row.Reason | Should -Be ''
            $row.Count | Should -BeGreaterThan 0
            # Waiting for two other loops' slices: far above the microseconds of a free CPU.
            $row.MeanNs | Should -BeGreaterThan 500000
            $row.Method | Should -BeLike '*sched_switch*'
            Get-HistogramCellCount -Histogram $row.Histogram | Should -Be $row.Count
        }

        It 'counts no more waiting than the kernel''s own run_delay over a wider window' {
            # schedstat's run_delay grows by the same waits, as the scheduler accounts them when
            # the task gets the CPU. The cmdlet's window lies inside [before, after]; one waiting
            # slice (a few ms) may straddle an edge, so allow 20 ms on top.
            $before = Get-TaskRunDelayNs -ProcessId $spinner.Id
            $row = Measure-RunQueueLatency -Id $spinner.Id -Duration 1
            $after = Get-TaskRunDelayNs -ProcessId $spinner.Id

            $row.TotalNs | Should -BeLessOrEqual ($after - $before + 20e6)
            # Three loops on one CPU: each waits about two thirds of the window.
            $row.TotalNs | Should -BeGreaterThan (0.3 * $row.Duration.Ticks * 100)
        }

        It 'reports an id that was not measured as ProcessIdNotFound' {
            $unused = [int](Get-Content -Raw -LiteralPath '/proc/sys/kernel/pid_max') + 1
            $rows = @(Measure-RunQueueLatency -Duration 0.3 -Id $unused -ErrorAction SilentlyContinue -ErrorVariable missing)

            $rows.Count | Should -Be 1
            $rows[0].Count | Should -Be 0
            $missing.Count | Should -Be 1
            $missing[0].FullyQualifiedErrorId | Should -Be 'ProcessIdNotFound,SchedTrace.PowerShell.MeasureRunQueueLatencyCommand'
            $missing[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }
    }

    Context 'the whole machine' {
        It 'writes one row, shown as the histogram' {
            $rows = @(Measure-RunQueueLatency -Duration 0.5)

            $rows.Count | Should -Be 1
            $rows[0].Count | Should -BeGreaterThan 0
            $rows[0].ProcessId | Should -BeNullOrEmpty
            $text = $rows[0] | Out-String
            $text | Should -BeLike '*Run-queue latency*'
            $text | Should -Match 'range\s+count\s+distribution'
        }

        It 'takes the duration by position' {
            $row = Measure-RunQueueLatency 0.3

            $row.Duration.TotalSeconds | Should -BeGreaterOrEqual 0.3
            $row.Duration.TotalSeconds | Should -BeLessThan 0.8
        }

        It 'formats as a table with every figure, in the Wide view' {
            $text = Measure-RunQueueLatency -Duration 0.3 | Format-Table -View Wide | Out-String -Width 200

            $text | Should -Match 'Measure\s+Reason\s+Count\s+Min\s+P50\s+P90\s+P99\s+P99\.9\s+Max\s+Mean'
        }
    }

    Context '-PerProcess' {
        BeforeAll {
            $script:perProcess = @(Measure-RunQueueLatency -Duration 1 -PerProcess)
        }

        It 'has a row for each pinned loop, decorated for the per-process table' {
            foreach ($process in $spinners) {
                $row = $perProcess | Where-Object ProcessId -EQ $process.Id
                $row | Should -Not -BeNullOrEmpty -Because "loop $($process.Id) waited for CPU 0"
                $row.Name | Should -Be 'bash'
                $row.PSObject.TypeNames[0] | Should -Be 'SchedTrace.LatencyStatistics#PerProcess'
            }
        }

        It 'puts the most waiting first, and sorts by the ns properties' {
            $totals = @($perProcess.TotalNs)
            $totals | Should -Be @($totals | Sort-Object -Descending)
            $worst = @($perProcess | Sort-Object P99Ns -Descending | Select-Object -First 10)
            $worst.Count | Should -BeLessOrEqual 10
            $worst[0].P99Ns | Should -Be (($perProcess | Measure-Object -Property P99Ns -Maximum).Maximum)
            # Sorting keeps the objects, so they keep their table view.
            $worst[0].PSObject.TypeNames[0] | Should -Be 'SchedTrace.LatencyStatistics#PerProcess'
        }

        It 'matches several ids in the per-process histograms, merged into one row' {
            $rows = @(Measure-RunQueueLatency -Duration 0.5 -Id $spinners[0].Id, $spinners[1].Id)

            $rows.Count | Should -Be 1
            $rows[0].ProcessId | Should -BeNullOrEmpty
            $rows[0].MeanNs | Should -BeGreaterThan 500000
        }
    }

    Context '-PerCpu and -Cpu' {
        It 'shows CPU 0, where the loops wait, with long latencies' {
            $rows = @(Measure-RunQueueLatency -Duration 0.5 -PerCpu -Cpu 0)

            $rows.Count | Should -Be 1
            $rows[0].Cpu | Should -Be 0
            $rows[0].PSObject.TypeNames[0] | Should -Be 'SchedTrace.LatencyStatistics#PerCpu'
            $rows[0].P99Ns | Should -BeGreaterThan 1e6
        }

        It 'splits one kernel-filtered process by CPU' {
            $rows = @(Measure-RunQueueLatency -Duration 0.5 -Id $spinner.Id -PerCpu)

            # Pinned to CPU 0: every wait ended there.
            ($rows | Where-Object Count -GT 0).Cpu | Should -Be 0
        }

        It 'refuses -PerProcess with -PerCpu' {
            { Measure-RunQueueLatency -PerProcess -PerCpu } | Should -Throw -ErrorId 'PerProcessAndPerCpu,SchedTrace.PowerShell.MeasureRunQueueLatencyCommand'
        }

        It 'splits several kernel-filtered processes by CPU' {
            # Several ids are a kernel hash set: the per-CPU histograms hold those processes alone.
            $rows = @(Measure-RunQueueLatency -Duration 0.5 -Id $spinners[0].Id, $spinners[1].Id -PerCpu)

            ($rows | Where-Object Count -GT 0).Cpu | Should -Be 0 -Because 'both are pinned to CPU 0'
        }

        It 'refuses -PerCpu with ids a running session does not filter in the kernel' {
            $session = Start-SchedTrace -Feature RunQueueLatency -PerProcess
            try {
                { $session | Measure-RunQueueLatency -PerCpu -Id $spinners[0].Id, $spinners[1].Id -ErrorAction Stop } | Should -Throw -ErrorId 'PerCpuWithProcessFilter,SchedTrace.PowerShell.MeasureRunQueueLatencyCommand'
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

        It 'reads a RunQueueLatency session from its start, without waiting' {
            $session = Start-SchedTrace -Name 'pester-runqlat' -Feature RunQueueLatency
            Start-Sleep -Milliseconds 500

            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $row = $session | Measure-RunQueueLatency
            $watch.Stop()

            $row.Count | Should -BeGreaterThan 0
            $row.WindowStart | Should -Be $session.StartTime
            $row.MinMaxExact | Should -BeTrue -Because 'a reading since the start subtracts nothing'
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 0.9
        }

        It 'reads the one process a session was started for, without per-process rows' {
            $session = Start-SchedTrace -Name 'pester-runqlat-pid' -Feature RunQueueLatency -Id $spinner.Id
            Start-Sleep -Milliseconds 300

            $row = $session | Measure-RunQueueLatency -Id $spinner.Id

            $row.Count | Should -BeGreaterThan 0
            { $session | Measure-RunQueueLatency -Id $spinners[1].Id -ErrorAction Stop } | Should -Throw -ErrorId 'SessionNotPerProcess,SchedTrace.PowerShell.MeasureRunQueueLatencyCommand'
        }

        It 'samples a -PerProcess session with -Interval' {
            $session = Start-SchedTrace -Name 'pester-runqlat-interval' -Feature RunQueueLatency -PerProcess

            $rows = @(Measure-RunQueueLatency -Session $session -Interval 0.3 -Count 2 -Id $spinner.Id -PerProcess)

            $rows.Sample | Should -Be @(1, 2)
            $rows.ProcessId | Sort-Object -Unique | Should -Be $spinner.Id
        }

        It 'fails with FeatureNotEnabled on a session without RunQueueLatency' {
            $session = Start-SchedTrace -Name 'pester-runqlat-offcpu' -Feature OffCpuTime

            { $session | Measure-RunQueueLatency -ErrorAction Stop } | Should -Throw -ErrorId 'FeatureNotEnabled,SchedTrace.PowerShell.MeasureRunQueueLatencyCommand'
        }

        It 'refuses a CPU the machine does not have' {
            $session = Start-SchedTrace -Name 'pester-runqlat-cpu' -Feature RunQueueLatency

            { $session | Measure-RunQueueLatency -Cpu 4095 -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidCpu,SchedTrace.PowerShell.MeasureRunQueueLatencyCommand'
        }
    }

    Context 'Export-Csv' {
        It 'keeps the Histogram column, so the buckets survive the round trip' {
            $row = Measure-RunQueueLatency -Duration 0.5
            $path = Join-Path -Path $TestDrive -ChildPath 'runqlat.csv'

            $row | Export-Csv -LiteralPath $path
            $copy = Import-Csv -LiteralPath $path

            $copy.Histogram | Should -Be $row.Histogram
            $copy.Histogram | Should -Match '^\d+-\d+:\d+(;\d+-\d+:\d+)*$'
            Get-HistogramCellCount -Histogram $copy.Histogram | Should -Be $row.Count
            # The cells are the buckets, in order.
            $cells = $copy.Histogram.Split(';')
            $buckets = $row.GetBuckets()
            $cells.Count | Should -Be $buckets.Count
            $cells[0] | Should -Be ('{0}-{1}:{2}' -f $buckets[0].LowerNs, $buckets[0].UpperNs, $buckets[0].Count)
        }
    }
}

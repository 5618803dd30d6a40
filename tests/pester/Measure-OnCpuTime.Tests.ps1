#Requires -Version 7.4
# Needs root: these tests attach real BPF programs (see Assert-CanTrace).

BeforeAll {
    . "$PSScriptRoot/TestSupport.ps1"
    Assert-CanTrace
    Import-BuiltModule
    Stop-AllSchedTrace

    # A shell that starts a 50 ms sleep child and waits for it, again and again: it runs for
    # moments and blocks about twenty times a second. $SECONDS bounds it to two minutes.
    $script:sleeper = Start-Process -FilePath 'bash' -ArgumentList '-c "while [ $SECONDS -lt 120 ]; do sleep 0.05; done"' -PassThru
    # Two spinners pinned to the last CPU, taking turns there: their slices end preempted.
    $script:cpu = @(Get-OnlineCpu)[-1]
    $script:spinners = @(1..2 | ForEach-Object {
            Start-Process -FilePath 'taskset' -ArgumentList "-c $cpu perl -e ""1 while time < $([DateTimeOffset]::UtcNow.ToUnixTimeSeconds() + 120)""" -PassThru
        })
    Start-Sleep -Milliseconds 300
    foreach ($process in @($sleeper) + $spinners) {
        if ($process.HasExited) {
            throw "A workload ($($process.Id)) exited at once with code $($process.ExitCode)."
        }
    }
    $script:sleeperName = (Get-Content -Raw -LiteralPath "/proc/$($sleeper.Id)/comm").Trim()
    $script:kinds = @('Blocked', 'Preempted')
}

AfterAll {
    foreach ($process in @($sleeper) + $spinners) {
        if ($process) {
            Stop-Process -Id $process.Id -ErrorAction SilentlyContinue
        }
    }
    Stop-AllSchedTrace
}

Describe 'Measure-OnCpuTime' {
    Context 'one process, filtered in the kernel' {
        BeforeAll {
            $script:rows = @(Measure-OnCpuTime -Id $sleeper.Id -Duration 1)
            $script:blocked = $rows | Where-Object Reason -EQ 'Blocked'
        }

        It 'writes one LatencyStatistics row per kind, in order' {
            $rows.Count | Should -Be 2
            $rows | ForEach-Object { $_ | Should -BeOfType ([SchedTrace.LatencyStatistics]) }
            $rows.Reason | Should -Be $kinds
            $rows.Measure | Sort-Object -Unique | Should -Be 'OnCpu'
            @($rows | Where-Object { $null -ne $_.ProcessId -or $null -ne $_.Cpu }).Count | Should -Be 0
            $rows[0].Method | Should -BeLike '*sched_switch-in -> sched_switch-out*'
        }

        It 'sees the sleeper run briefly and block about twenty times' {
            $blocked.Count | Should -BeGreaterOrEqual 5
            # A fork and a wait between 50 ms sleeps: a slice is a small part of a sleep.
            $blocked.P50Ns | Should -BeLessThan 10e6
            $blocked.TotalNs | Should -BeLessThan (0.5 * $blocked.Duration.Ticks * 100)
        }

        It 'has consistent figures: min <= percentiles <= max, mean = total / count' {
            $blocked.MinNs | Should -BeLessOrEqual $blocked.P50Ns
            $blocked.P50Ns | Should -BeLessOrEqual $blocked.P99Ns
            $blocked.P99Ns | Should -BeLessOrEqual $blocked.MaxNs
            [math]::Abs($blocked.MeanNs * $blocked.Count - $blocked.TotalNs) | Should -BeLessOrEqual $blocked.Count
            Get-HistogramCellCount -Histogram $blocked.Histogram | Should -Be $blocked.Count
        }

        It 'shows the histogram by default, within 80 columns' {
            $text = $blocked | Out-String -Width 80

            $text | Should -BeLike '*On-CPU slices (Blocked)*'
            $text | Should -Match 'range\s+count\s+distribution'
            $text -split "`n" | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 80 }
        }

        It 'formats as a table within 80 columns' {
            $text = $rows | Format-Table | Out-String -Width 80

            $text | Should -Match 'Measure\s+Count\s+P50\s+P90\s+P99\s+P99.9\s+Max\s+Mean'
            $text | Should -Match '\sBlocked\s'
            $text | Should -Match '\sPreempted\s'
        }
    }

    Context 'two spinners on one CPU, -PerProcess and -PerCpu' {
        It 'writes their slices per process, ended by preemption, under their name' {
            $rows = @(Measure-OnCpuTime -Duration 1 -Id $spinners.Id -PerProcess)

            foreach ($row in $rows) {
                $row.PSObject.TypeNames[0] | Should -Be 'SchedTrace.LatencyStatistics#PerProcess'
                $row.ProcessId | Should -BeIn $spinners.Id
                $row.Name | Should -Be 'perl'
            }
            $preempted = @($rows | Where-Object Reason -EQ 'Preempted')
            $preempted.ProcessId | Sort-Object | Should -Be ($spinners.Id | Sort-Object)
            # They share one CPU: together at most the window, and each gets turns.
            ($preempted | Measure-Object -Property TotalNs -Sum).Sum | Should -BeLessOrEqual ($preempted[0].Duration.Ticks * 100)
            $preempted | ForEach-Object { $_.Count | Should -BeGreaterThan 5 }
            @($rows | Where-Object Reason -EQ 'Blocked').Count | Should -Be 0 -Because 'a spinner never blocks'
        }

        It 'puts their preempted slices on their CPU' {
            $rows = @(Measure-OnCpuTime -Duration 0.5 -Id $spinners.Id -PerCpu)

            foreach ($row in $rows) {
                $row.PSObject.TypeNames[0] | Should -Be 'SchedTrace.LatencyStatistics#PerCpu'
            }
            ($rows | Where-Object Reason -EQ 'Preempted').Cpu | Should -Be $cpu
        }

        It 'with -Cpu writes that CPU''s two rows only' {
            $rows = @(Measure-OnCpuTime -Duration 0.5 -PerCpu -Cpu 0)

            $rows.Count | Should -Be 2
            $rows.Cpu | Sort-Object -Unique | Should -Be 0
            $rows.Reason | Should -Be $kinds
        }
    }

    Context 'refusals' {
        It 'refuses a CPU the machine does not have' {
            { Measure-OnCpuTime -Duration 0.2 -Cpu 4095 } | Should -Throw -ErrorId 'InvalidCpu,SchedTrace.PowerShell.MeasureOnCpuTimeCommand'
        }

        It 'refuses -PerProcess with -PerCpu before attaching anything' {
            $failure = { Measure-OnCpuTime -Duration 5 -PerProcess -PerCpu } | Should -Throw -ErrorId 'PerProcessAndPerCpu,SchedTrace.PowerShell.MeasureOnCpuTimeCommand' -PassThru
            $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
        }

        It 'reports a literal name that matched nothing as ProcessNameNotFound' {
            $null = Measure-OnCpuTime -Duration 0.3 -Name 'no-such-process' -ErrorAction SilentlyContinue -ErrorVariable missing

            $missing.Count | Should -Be 1
            $missing[0].FullyQualifiedErrorId | Should -Be 'ProcessNameNotFound,SchedTrace.PowerShell.MeasureOnCpuTimeCommand'
        }
    }

    Context '-Session' {
        AfterEach {
            Stop-AllSchedTrace
        }

        It 'reads an OnCpuTime session from its start, without waiting' {
            $session = Start-SchedTrace -Name 'pester-oncpu' -Feature OnCpuTime -PerProcess
            Start-Sleep -Milliseconds 500

            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $rows = @($session | Measure-OnCpuTime)
            $byName = @($session | Measure-OnCpuTime -Name $sleeperName -PerProcess)
            $watch.Stop()

            $rows.Reason | Should -Be $kinds
            $rows[0].WindowStart | Should -Be $session.StartTime
            $byName.ProcessId | Should -Contain $sleeper.Id
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 0.9 -Because 'a session is read at once'
        }

        It 'fails with FeatureNotEnabled on a session without OnCpuTime' {
            $session = Start-SchedTrace -Name 'pester-oncpu-offcpu' -Feature OffCpuTime

            { $session | Measure-OnCpuTime -ErrorAction Stop } | Should -Throw -ErrorId 'FeatureNotEnabled,SchedTrace.PowerShell.MeasureOnCpuTimeCommand'
        }
    }
}

#Requires -Version 7.4
# Needs root: these tests attach real BPF programs (see Assert-CanTrace).

BeforeAll {
    . "$PSScriptRoot/TestSupport.ps1"
    Assert-CanTrace
    Import-BuiltModule
    Stop-AllSchedTrace

    # Three spinners pinned to the last CPU, bounded to two minutes: always runnable there, so
    # every sample on that CPU finds at least two of them waiting behind the one that runs.
    $script:cpu = @(Get-OnlineCpu)[-1]
    $script:spinners = @(1..3 | ForEach-Object {
            Start-Process -FilePath 'taskset' -ArgumentList "-c $cpu perl -e ""1 while time < $([DateTimeOffset]::UtcNow.ToUnixTimeSeconds() + 120)""" -PassThru
        })
    Start-Sleep -Milliseconds 300
    foreach ($process in $spinners) {
        if ($process.HasExited) {
            throw "A spinner ($($process.Id)) exited at once with code $($process.ExitCode)."
        }
    }
}

AfterAll {
    foreach ($process in $spinners) {
        if ($process) {
            Stop-Process -Id $process.Id -ErrorAction SilentlyContinue
        }
    }
    Stop-AllSchedTrace
}

Describe 'Measure-RunQueueLength' {
    Context 'one reading' {
        BeforeAll {
            $script:rows = @(Measure-RunQueueLength -Duration 1)
            $script:pinned = $rows | Where-Object Cpu -EQ $cpu
        }

        It 'writes one RunQueueLength row per online CPU' {
            $rows | ForEach-Object { $_ | Should -BeOfType ([SchedTrace.RunQueueLength]) }
            $rows.Cpu | Should -Be @(Get-OnlineCpu)
            $rows.Sample | Sort-Object -Unique | Should -Be 0
        }

        It 'takes at most 99 samples a second on each CPU' {
            foreach ($row in $rows) {
                $row.Samples | Should -BeGreaterThan 0
                $row.Samples | Should -BeLessOrEqual ([math]::Floor(99 * $row.Duration.TotalSeconds) + 2)
            }
        }

        It 'finds at least two of the three spinners waiting in every sample on their CPU' {
            $counts = $pinned.GetHistogram()
            $counts[0] | Should -Be 0
            $counts[1] | Should -Be 0
            $pinned.OccupancyPercent | Should -Be 100
            $pinned.IdleSamples | Should -Be 0
            $pinned.MeanWaiting | Should -BeGreaterOrEqual 2
            $pinned.MaxWaiting | Should -BeGreaterOrEqual 2
        }

        It 'has a histogram that counts every sample, as numbers and as text' {
            foreach ($row in $rows) {
                ($row.GetHistogram() | Measure-Object -Sum).Sum | Should -Be $row.Samples
                $row.GetHistogram().Count | Should -Be ($row.MaxWaiting + 1)
                $cells = @($row.Histogram.Split(';') | ForEach-Object { [long]$_.Split(':')[1] })
                $cells | Should -Be @($row.GetHistogram())
            }
        }

        It 'shows a table within 80 columns' {
            $text = $rows | Out-String -Width 80

            $text | Should -Match 'Cpu\s+Samples\s+Idle%\s+Occupied%\s+Mean\s+Max\s+Histogram \(waiting:samples\)'
            $text -split "`n" | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 80 }
        }

        It 'keeps the histogram in a CSV file' {
            $path = Join-Path -Path $TestDrive -ChildPath 'runqlen.csv'
            $rows | Export-Csv -LiteralPath $path -NoTypeInformation
            $back = @(Import-Csv -LiteralPath $path)

            $back.Count | Should -Be $rows.Count
            $back[-1].Histogram | Should -Be $rows[-1].Histogram
            [long]$back[-1].Samples | Should -Be $rows[-1].Samples
            $back[-1].WindowStartUtc | Should -Be $rows[-1].WindowStartUtc
        }

        # Which CPU waits most is the machine's to say (other work queues on the CPU nothing is
        # pinned to, more than two deep at times); the figures must sort as numbers.
        It 'sorts by its figures, as numbers' {
            $rows | ForEach-Object { $_.MeanWaiting | Should -BeOfType ([double]) }
            $sorted = @($rows | Sort-Object MeanWaiting -Descending)
            $sorted.MeanWaiting | Should -Be @($rows.MeanWaiting | Sort-Object -Descending)
            $sorted.Count | Should -Be $rows.Count
        }
    }

    Context '-Total and -Interval' {
        It 'writes one machine-wide row with -Total, in its own view' {
            $total = @(Measure-RunQueueLength -Duration 0.5 -Total)

            $total.Count | Should -Be 1
            $total[0].Cpu | Should -BeNullOrEmpty
            $total[0].PSObject.TypeNames[0] | Should -Be 'SchedTrace.RunQueueLength#Total'
            $text = $total | Out-String -Width 80
            $text | Should -Match '^\s*Samples\s+Idle%' -Because 'a total has no Cpu column'
        }

        It 'writes numbered samples with -Interval, in the view with a Sample column' {
            $samples = @(Measure-RunQueueLength -Interval 0.3 -Count 2)

            $samples.Sample | Sort-Object -Unique | Should -Be @(1, 2)
            $samples | ForEach-Object { $_.PSObject.TypeNames[0] | Should -Be 'SchedTrace.RunQueueLength#Interval' }
            ($samples | Out-String -Width 80) | Should -Match 'Sample\s+Cpu\s+Samples'
            $first = @($samples | Where-Object Sample -EQ 1)[0]
            $second = @($samples | Where-Object Sample -EQ 2)[0]
            $second.WindowStart | Should -Be $first.WindowEnd
        }
    }

    Context '-Verbose' {
        It 'says it attached a perf event on every CPU, and no tracepoint' {
            $verbose = @(Measure-RunQueueLength -Duration 0.2 -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)

            $verbose[0] | Should -Be 'Started a session for this command only (RunQueueLength).'
            $verbose | Should -Contain 'Attached perf_event cpu-clock at 99 Hz on every CPU.'
            $verbose | Should -Contain 'Kernel filters: none (every task on every CPU).'
            $verbose | Where-Object { $_ -like '*tp_btf*' -or $_ -like '*libbpf*' } | Should -BeNullOrEmpty
        }
    }

    Context '-Session' {
        AfterEach {
            Stop-AllSchedTrace
        }

        It 'reads a RunQueueLength session from its start, without waiting' {
            $session = Start-SchedTrace -Name 'pester-runqlen' -Feature RunQueueLength
            Start-Sleep -Milliseconds 500

            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $rows = @($session | Measure-RunQueueLength)
            $watch.Stop()

            $rows.Cpu | Should -Be @(Get-OnlineCpu)
            $rows[0].WindowStart | Should -Be $session.StartTime
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 0.4 -Because 'a session is read at once'
        }

        It 'samples only the CPU of a session started with -Cpu' {
            $session = Start-SchedTrace -Name 'pester-runqlen-cpu' -Feature RunQueueLength -Cpu $cpu
            Start-Sleep -Milliseconds 300
            $rows = @($session | Measure-RunQueueLength)

            ($rows | Where-Object Cpu -EQ $cpu).Samples | Should -BeGreaterThan 0
            @($rows | Where-Object { $_.Cpu -ne $cpu -and $_.Samples -gt 0 }).Count | Should -Be 0
        }

        It 'fails with FeatureNotEnabled on a session without RunQueueLength' {
            $session = Start-SchedTrace -Name 'pester-runqlen-switches' -Feature ContextSwitches

            $failure = { $session | Measure-RunQueueLength -ErrorAction Stop } | Should -Throw -ErrorId 'FeatureNotEnabled,SchedTrace.PowerShell.MeasureRunQueueLengthCommand' -PassThru
            $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
        }
    }
}

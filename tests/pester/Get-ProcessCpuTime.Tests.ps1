#Requires -Version 7.4
# Needs root: these tests attach real BPF programs (see Assert-CanTrace).

BeforeAll {
    . "$PSScriptRoot/TestSupport.ps1"
    Assert-CanTrace
    Import-BuiltModule
    Stop-AllSchedTrace

    # A busy loop the tests can recognise: one process, one thread, never blocking. bash's
    # $SECONDS bounds it (to two minutes, should AfterAll never run) without starting another
    # process, so the loop is all this process does. Start-Process joins -ArgumentList with
    # spaces, so the script is quoted inside the one argument string.
    $script:spinner = Start-Process -FilePath 'bash' -ArgumentList '-c "while [ $SECONDS -lt 120 ]; do :; done"' -PassThru
    Start-Sleep -Milliseconds 300
    if ($spinner.HasExited) {
        throw "The busy loop (bash) exited at once with code $($spinner.ExitCode)."
    }
    $script:spinnerName = (Get-Content -Raw -LiteralPath "/proc/$($spinner.Id)/comm").Trim()
}

AfterAll {
    if ($spinner) {
        Stop-Process -Id $spinner.Id -ErrorAction SilentlyContinue
    }
    Stop-AllSchedTrace
}

Describe 'Get-ProcessCpuTime' {
    Context 'a single reading' {
        BeforeAll {
            $script:bracket = Measure-KernelRuntime -ProcessId $spinner.Id -Reading { Get-ProcessCpuTime -Duration 1 }
            $script:rows = $bracket.Output
            $script:spun = $rows | Where-Object ProcessId -EQ $spinner.Id
        }

        It 'returns ProcessCpuTime process rows, busiest first' {
            $rows.Count | Should -BeGreaterThan 0
            $rows | ForEach-Object { $_ | Should -BeOfType ([SchedTrace.ProcessCpuTime]) }
            @($rows | Where-Object { $null -ne $_.ThreadId }).Count | Should -Be 0
            $sorted = @($rows.CpuTimeNs | Sort-Object -Descending)
            $rows.CpuTimeNs | Should -Be $sorted
        }

        It 'counts the busy loop as the kernel does' {
            # How much CPU the loop gets depends on what else runs; the kernel's figure says.
            $spun | Should -Not -BeNullOrEmpty
            $spun.Name | Should -Be $spinnerName
            Assert-RuntimeMatchesKernel -Row $spun -Bracket $bracket
            # Never more than the one CPU a single thread can use (plus rounding of the window).
            $spun.CpuPercent | Should -BeLessOrEqual 101
            $spun.Threads | Should -Be 1
            $spun.Exited | Should -BeFalse
        }

        It 'is sample 0, over a one-second UTC window, with CpuPercent derived from it' {
            $spun.Sample | Should -Be 0
            $spun.WindowStart.Kind | Should -Be 'Utc'
            $spun.Duration.TotalSeconds | Should -BeGreaterOrEqual 1
            $spun.CpuTime.Ticks | Should -Be ([long][math]::Floor($spun.CpuTimeNs / 100))
            [math]::Abs($spun.CpuPercent - 100 * $spun.CpuTimeNs / ($spun.Duration.Ticks * 100)) | Should -BeLessThan 1e-9
            $spun.Switches | Should -Be ($spun.Voluntary + $spun.Involuntary)
        }
    }

    Context '-Id' {
        It 'with one id returns just that process' {
            $rows = @(Get-ProcessCpuTime -Duration 0.5 -Id $spinner.Id)

            $rows.Count | Should -Be 1
            $rows[0].ProcessId | Should -Be $spinner.Id
        }

        It 'counts what the kernel counted, filtered in the kernel' {
            $bracket = Measure-KernelRuntime -ProcessId $spinner.Id -Reading { Get-ProcessCpuTime -Duration 1 -Id $spinner.Id }

            $bracket.Output.Count | Should -Be 1
            Assert-RuntimeMatchesKernel -Row $bracket.Output[0] -Bracket $bracket
        }

        It 'with several ids returns only those processes, by the alias PID too' {
            $rows = @(Get-ProcessCpuTime -Duration 0.5 -PID $spinner.Id, $PID)

            ($rows.ProcessId | Sort-Object) | Should -Be (@($spinner.Id, $PID) | Sort-Object)
        }

        It 'reports an id that did not run as ProcessIdNotFound' {
            # A pid above pid_max can never run.
            $unused = [int](Get-Content -Raw -LiteralPath '/proc/sys/kernel/pid_max') + 1
            $rows = @(Get-ProcessCpuTime -Duration 0.3 -Id $spinner.Id, $unused -ErrorAction SilentlyContinue -ErrorVariable missing)

            $rows.ProcessId | Should -Be $spinner.Id
            $missing.Count | Should -Be 1
            $missing[0].FullyQualifiedErrorId | Should -Be 'ProcessIdNotFound,SchedTrace.PowerShell.GetProcessCpuTimeCommand'
            $missing[0].TargetObject | Should -Be $unused
        }

        It 'rejects 0' {
            { Get-ProcessCpuTime -Id 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,SchedTrace.PowerShell.GetProcessCpuTimeCommand'
        }
    }

    Context '-PerThread' {
        It 'writes one row per thread, with its ThreadId' {
            $rows = @(Get-ProcessCpuTime -Duration 0.5 -Id $spinner.Id -PerThread)

            $rows.Count | Should -Be 1
            # The loop's only thread is its main thread: tid = pid.
            $rows[0].ThreadId | Should -Be $spinner.Id
            $rows[0].ProcessId | Should -Be $spinner.Id
            $rows[0].Threads | Should -Be 1
        }

        It 'returns threads of this process that exist in /proc' {
            $rows = @(Get-ProcessCpuTime -Duration 0.5 -Id $PID -PerThread)
            $tasks = @(Get-ChildItem -LiteralPath "/proc/$PID/task" -Name | ForEach-Object { [int]$_ })

            $rows.Count | Should -BeGreaterThan 0
            foreach ($row in $rows) {
                $row.ProcessId | Should -Be $PID
                $row.ThreadId | Should -Not -BeNullOrEmpty
                # A thread may have exited since the window; then it says so.
                ($tasks -contains $row.ThreadId -or $row.Exited) | Should -BeTrue -Because "thread $($row.ThreadId)"
            }
        }
    }

    Context '-Name' {
        It 'returns the processes of that name' {
            $rows = @(Get-ProcessCpuTime -Duration 0.5 -Name $spinnerName)

            $rows.ProcessId | Should -Contain $spinner.Id
            $rows.Name | Sort-Object -Unique | Should -Be $spinnerName
        }

        It 'matches wildcards' {
            $rows = @(Get-ProcessCpuTime -Duration 0.5 -Name ($spinnerName.Substring(0, 2) + '*'))

            $rows.ProcessId | Should -Contain $spinner.Id
        }

        It 'matches a set and an escaped wildcard character as PowerShell reads them' {
            # [x] is one character of a set; `[ is a literal [, so the second name matches no comm.
            $set = "[$($spinnerName[0])]" + $spinnerName.Substring(1)
            $rows = @(Get-ProcessCpuTime -Duration 0.5 -Name $set, ($spinnerName + '`[*'))

            $rows.ProcessId | Should -Contain $spinner.Id
            $rows.Name | Sort-Object -Unique | Should -Be $spinnerName
        }

        It 'refuses a malformed pattern as InvalidNamePattern' {
            $failure = { Get-ProcessCpuTime -Duration 5 -Name 'a[' } | Should -Throw -ErrorId 'InvalidNamePattern,SchedTrace.PowerShell.GetProcessCpuTimeCommand' -PassThru

            $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $failure.TargetObject | Should -Be 'a['
            $failure.ErrorDetails.Message | Should -Be "'a[' is not a valid wildcard pattern: The specified wildcard character pattern is not valid: a["
            $failure.ErrorDetails.RecommendedAction | Should -Match 'backtick'
        }

        It 'reports a literal name that matched nothing as ProcessNameNotFound' {
            $rows = @(Get-ProcessCpuTime -Duration 0.3 -Name 'no-such-process' -ErrorAction SilentlyContinue -ErrorVariable missing)

            $rows | Should -BeNullOrEmpty
            $missing.Count | Should -Be 1
            $missing[0].FullyQualifiedErrorId | Should -Be 'ProcessNameNotFound,SchedTrace.PowerShell.GetProcessCpuTimeCommand'
            $missing[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $missing[0].TargetObject | Should -Be 'no-such-process'
        }

        It 'says nothing when a wildcard matches nothing' {
            $rows = @(Get-ProcessCpuTime -Duration 0.3 -Name 'no-such-process*' -ErrorVariable missing)

            $rows | Should -BeNullOrEmpty
            $missing.Count | Should -Be 0
        }

        It 'completes process names, not session names' {
            # This pwsh process is running, so its own comm must be offered; a session whose
            # name starts the same way must not be.
            $own = (Get-Content -Raw -LiteralPath "/proc/$PID/comm").Trim()
            $prefix = $own.Substring(0, 2)
            $session = Start-SchedTrace -Name "$prefix-pester-session"
            try {
                $typed = "Get-ProcessCpuTime -Name $prefix"
                $completions = (TabExpansion2 -inputScript $typed -cursorColumn $typed.Length).CompletionMatches
            }
            finally {
                $session | Stop-SchedTrace
            }

            $completions.ListItemText | Should -Contain $own
            $completions.ListItemText | Should -Not -Contain $session.Name
            foreach ($name in $completions.ListItemText) {
                $name | Should -BeLike "$prefix*"
            }
        }

        It 'completes thread names with -PerThread' {
            # A thread whose comm is not the process's: offered only when rows are per thread.
            $threadNames = @(Get-ChildItem -LiteralPath "/proc/$PID/task" -Name | ForEach-Object { (Get-Content -Raw -LiteralPath "/proc/$PID/task/$_/comm").Trim() })
            $own = (Get-Content -Raw -LiteralPath "/proc/$PID/comm").Trim()
            $thread = $threadNames | Where-Object { $_ -ne $own } | Select-Object -First 1
            $thread | Should -Not -BeNullOrEmpty -Because 'pwsh runs named .NET threads'
            # Two characters: enough to narrow the list, and free of the spaces thread names have.
            $start = $thread.Substring(0, [math]::Min(2, $thread.Length)).Trim()
            $withThreads = "Get-ProcessCpuTime -PerThread -Name $start"
            $withoutThreads = "Get-ProcessCpuTime -Name $start"

            (TabExpansion2 -inputScript $withThreads -cursorColumn $withThreads.Length).CompletionMatches.ListItemText | Should -Contain $thread
            (TabExpansion2 -inputScript $withoutThreads -cursorColumn $withoutThreads.Length).CompletionMatches.ListItemText | Should -Not -Contain $thread
        }
    }

    Context '-Top' {
        It 'returns at most N rows, busiest first' {
            $rows = @(Get-ProcessCpuTime -Duration 0.5 -Top 3)

            $rows.Count | Should -BeGreaterThan 0
            $rows.Count | Should -BeLessOrEqual 3
            $sorted = @($rows.CpuTimeNs | Sort-Object -Descending)
            $rows.CpuTimeNs | Should -Be $sorted
        }

        It 'keeps the N busiest, not the first N seen' {
            # Two readings of the same figures: a stopped session's final ones.
            $session = Start-SchedTrace -Feature CpuTime
            Start-Sleep -Milliseconds 500
            $session = $session | Stop-SchedTrace -PassThru
            $all = @($session | Get-ProcessCpuTime -PerThread -Id $PID, $spinner.Id)
            $top = @($session | Get-ProcessCpuTime -PerThread -Id $PID, $spinner.Id -Top 1)

            $all.Count | Should -BeGreaterThan 1
            $top.Count | Should -Be 1
            $top[0].CpuTimeNs | Should -Be ($all.CpuTimeNs | Measure-Object -Maximum).Maximum
            $top[0].ThreadId | Should -Be ($all | Sort-Object -Property CpuTimeNs -Descending | Select-Object -First 1).ThreadId
        }

        It 'rejects 0' {
            { Get-ProcessCpuTime -Top 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,SchedTrace.PowerShell.GetProcessCpuTimeCommand'
        }
    }

    Context '-Interval' {
        It 'returns samples 1..N in back-to-back windows' {
            $bracket = Measure-KernelRuntime -ProcessId $spinner.Id -Reading { Get-ProcessCpuTime -Interval 0.3 -Count 2 -Id $spinner.Id }
            $rows = $bracket.Output

            $rows.Sample | Should -Be @(1, 2)
            $rows[1].WindowStart | Should -Be $rows[0].WindowEnd
            # Back to back, the two windows are one window of the kernel's figure.
            $both = [pscustomobject]@{ CpuTimeNs = $rows[0].CpuTimeNs + $rows[1].CpuTimeNs; Duration = $rows[0].Duration + $rows[1].Duration }
            Assert-RuntimeMatchesKernel -Row $both -Bracket $bracket
        }

        It 'refuses -Count without -Interval' {
            { Get-ProcessCpuTime -Count 2 } | Should -Throw -ErrorId 'CountWithoutInterval,SchedTrace.PowerShell.GetProcessCpuTimeCommand'
        }

        It 'takes the duration by position' {
            $row = Get-ProcessCpuTime 0.3 -Id $spinner.Id

            $row.Duration.TotalSeconds | Should -BeGreaterOrEqual 0.3
            $row.Duration.TotalSeconds | Should -BeLessThan 0.8
        }
    }

    Context '-Session' {
        AfterEach {
            Stop-AllSchedTrace
        }

        It 'reads a CpuTime session from its start, without waiting' {
            $session = Start-SchedTrace -Name 'pester-cputime' -Feature CpuTime
            Start-Sleep -Milliseconds 500

            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $rows = @($session | Get-ProcessCpuTime)
            $watch.Stop()

            $spun = $rows | Where-Object ProcessId -EQ $spinner.Id
            $spun | Should -Not -BeNullOrEmpty
            # The loop ran through the half second since the session started.
            $spun.CpuTimeNs | Should -BeGreaterThan 0
            $spun.CpuPercent | Should -BeLessOrEqual 101
            $spun.Sample | Should -Be 0
            $spun.WindowStart | Should -Be $session.StartTime
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 0.9 -Because 'a session is read at once, not over the one-second default duration'
            $session.TaskTableCapacity | Should -BeGreaterThan 0
            $session.DroppedTasks | Should -Be 0
        }

        It 'keeps a process that exited, on every later reading, a tick short at most until the kernel frees it' {
            $session = Start-SchedTrace -Name 'pester-cputime-exit' -Feature CpuTime
            # A short job that burns some CPU and exits while the session runs.
            $job = Start-Process -FilePath 'bash' -ArgumentList '-c "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"' -PassThru -Wait

            $first = $session | Get-ProcessCpuTime -Id $job.Id
            $second = $session | Get-ProcessCpuTime -Id $job.Id

            $first.Exited | Should -BeTrue
            $first.CpuTimeNs | Should -BeGreaterThan 0
            $second.Exited | Should -BeTrue
            # The exit tracepoint fires while the thread still runs its exit path, with the
            # figure the kernel last brought up to date (at a tick or a switch); the figure is
            # read again, final, when the kernel frees the task a grace period after reaping. A
            # reading in between can be short by what ran since the last update: under a tick,
            # 10 ms at the longest (HZ 100).
            $second.CpuTimeNs | Should -BeGreaterOrEqual $first.CpuTimeNs
            ($second.CpuTimeNs - $first.CpuTimeNs) | Should -BeLessOrEqual 10000000
        }

        It 'tracks only the process given to Start-SchedTrace -Id' {
            $session = Start-SchedTrace -Name 'pester-cputime-pid' -Feature CpuTime -Id $spinner.Id
            Start-Sleep -Milliseconds 300

            $rows = @($session | Get-ProcessCpuTime)

            $rows.ProcessId | Should -Be @($spinner.Id)
        }

        It 'samples a session with -Interval' {
            $session = Start-SchedTrace -Name 'pester-cputime-interval' -Feature CpuTime

            $rows = @(Get-ProcessCpuTime -Session $session -Interval 0.2 -Count 2 -Id $spinner.Id)

            $rows.Sample | Should -Be @(1, 2)
        }

        It 'fails with FeatureNotEnabled on a session without CpuTime' {
            $session = Start-SchedTrace -Name 'pester-switches-only'

            { $session | Get-ProcessCpuTime -ErrorAction Stop } | Should -Throw -ErrorId 'FeatureNotEnabled,SchedTrace.PowerShell.GetProcessCpuTimeCommand'
        }

        It 'reads a stopped session''s final figures, from its start to its stop' {
            $session = Start-SchedTrace -Name 'pester-cputime-stopped' -Feature CpuTime
            Start-Sleep -Milliseconds 200
            $session | Stop-SchedTrace

            $row = $session | Get-ProcessCpuTime -Id $spinner.Id
            Start-Sleep -Milliseconds 100
            $again = $session | Get-ProcessCpuTime -Id $spinner.Id

            $row.CpuTimeNs | Should -BeGreaterThan 0 -Because 'the busy loop ran while the session did'
            # One thread runs on one CPU at a time; but the busy loop runs through both readings,
            # and the kernel brings a running thread's figure up to date only at each tick, so
            # the two readings can be a tick apart (10 ms at HZ 100, the longest tick).
            $row.CpuTimeNs | Should -BeLessOrEqual ($session.Elapsed.Ticks * 100 + 10000000)
            $row.WindowStart | Should -Be $session.StartTime
            $row.WindowEnd | Should -Be $session.StopTime
            $row.Duration | Should -Be $session.Elapsed
            $again.CpuTimeNs | Should -Be $row.CpuTimeNs -Because 'nothing is counted after the stop'
            { $session | Get-ProcessCpuTime -Interval 0.2 -Count 1 -ErrorAction Stop } | Should -Throw -ErrorId 'SessionStopped,SchedTrace.PowerShell.GetProcessCpuTimeCommand'
        }
    }

    Context 'the table view' {
        It 'reads like top: m:ss.fff CPU time, one-decimal CPU%, no ThreadId column on process rows' {
            $row = Get-ProcessCpuTime -Duration 0.5 -Id $spinner.Id
            $lines = @(($row | Format-Table | Out-String -Width 80) -split "`n" | Where-Object { $_.Trim() })

            $lines[0] | Should -Match '^ProcessId\s+Name\s+CpuTime\s+CPU%\s+Vol\s+Invol\s+Migr\s+Cpus$'
            $expected = '^\s+{0}\s+{1}\s+\d+:\d\d\.\d{{3}}\s+\d+[.,]\d\s+\d+\s+\d+\s+\d+\s+[\d,-]+$' -f $spinner.Id, [regex]::Escape($spinnerName)
            $lines[2] | Should -Match $expected
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

        It 'keeps every property' {
            # A process row ($null ThreadId), a thread row and an interval sample all go through.
            $rows = @(Get-ProcessCpuTime -Duration 0.3 -Id $spinner.Id) +
                @(Get-ProcessCpuTime -Duration 0.3 -Id $spinner.Id -PerThread) +
                @(Get-ProcessCpuTime -Interval 0.3 -Count 1 -Id $spinner.Id)
            $path = Join-Path -Path $TestDrive -ChildPath 'cputime.csv'

            $rows | Export-Csv -LiteralPath $path
            $back = @(Import-Csv -LiteralPath $path)

            $back.Count | Should -Be $rows.Count
            $properties = $rows[0].PSObject.Properties.Name
            ($back[0].PSObject.Properties.Name | Sort-Object) | Should -Be ($properties | Sort-Object)
            $invariant = [System.Globalization.CultureInfo]::InvariantCulture
            for ($i = 0; $i -lt $rows.Count; $i++) {
                $row = $rows[$i]
                $copy = $back[$i]
                foreach ($name in 'Sample', 'ProcessId', 'CpuCount', 'Priority', 'Threads') {
                    [int]$copy.$name | Should -Be $row.$name -Because $name
                }
                if ($null -eq $row.ThreadId) {
                    $copy.ThreadId | Should -BeNullOrEmpty
                }
                else {
                    [int]$copy.ThreadId | Should -Be $row.ThreadId
                }
                foreach ($name in 'CpuTimeNs', 'Switches', 'Voluntary', 'Involuntary', 'Migrations') {
                    [long]$copy.$name | Should -Be $row.$name -Because $name
                }
                foreach ($name in 'CpuPercent', 'AffinityScore') {
                    [double]::Parse($copy.$name, $invariant) | Should -Be $row.$name -Because $name
                }
                $copy.Name | Should -Be $row.Name
                $copy.Cpus | Should -Be $row.Cpus
                [bool]::Parse($copy.Exited) | Should -Be $row.Exited
                [timespan]::Parse($copy.CpuTime, $invariant) | Should -Be $row.CpuTime
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

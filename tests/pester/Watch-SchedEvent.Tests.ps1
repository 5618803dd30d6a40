#Requires -Version 7.4
# Needs root: these tests attach real BPF programs (see Assert-CanTrace).

BeforeAll {
    . "$PSScriptRoot/TestSupport.ps1"
    Assert-CanTrace
    Import-BuiltModule
    Stop-AllSchedTrace

    # Tests that stop at -Count also give -Duration: a filter that wrongly lets nothing through
    # must fail the test, not hang it.
    $script:Bound = 5

    function Start-PipePingPong {
        # Two sh processes passing lines over a pipe: the writer's echo wakes the reader, whose
        # read blocks again on the empty pipe, so the pair switches tens of thousands of times a
        # second. Bounded by its loop count should the test not stop it: a minute or two of work,
        # so that it outlasts every test of a context even when a slow reader makes one long.
        # Start-Process joins -ArgumentList with spaces: the script is quoted inside one string.
        $shell = Start-Process -FilePath 'sh' -ArgumentList '-c "i=0; while [ $i -lt 30000000 ]; do echo $i; i=$((i+1)); done | while read l; do :; done"' -PassThru
        Start-Sleep -Milliseconds 200
        if ($shell.HasExited) {
            throw "The pipe ping-pong (sh) exited at once with code $($shell.ExitCode)."
        }
        $shell
    }

    function Stop-PipePingPong {
        # The two sides of the pipe are children of the sh that Start-Process started: stop
        # them by their parent's id first, then the parent.
        param([Parameter(Mandatory)][System.Diagnostics.Process]$Shell)
        Get-Process | Where-Object { $_.Parent -and $_.Parent.Id -eq $Shell.Id } | Stop-Process -ErrorAction SilentlyContinue
        Stop-Process -Id $Shell.Id -ErrorAction SilentlyContinue
    }
}

AfterAll {
    Stop-AllSchedTrace
}

Describe 'Watch-SchedEvent' {
    Context '-Count' {
        BeforeAll {
            $script:before = [datetime]::UtcNow
            $script:events = @(Watch-SchedEvent -Count 20 -Duration $Bound)
            $script:after = [datetime]::UtcNow
        }

        It 'returns exactly 20 switch events by default' {
            $events.Count | Should -Be 20
            foreach ($e in $events) {
                $e | Should -BeOfType ([SchedTrace.SchedSwitchEvent])
                $e.Type | Should -Be 'Switch'
            }
        }

        It 'stamps each event in UTC, within the call' {
            foreach ($e in $events) {
                $e.Timestamp.Kind | Should -Be 'Utc'
                # The kernel clock is converted with an offset taken at session start: allow a
                # few milliseconds either side for that conversion.
                $e.Timestamp | Should -BeGreaterOrEqual $before.AddMilliseconds(-50)
                $e.Timestamp | Should -BeLessOrEqual $after.AddMilliseconds(50)
            }
        }

        It 'keeps each CPU''s events in the order they happened' {
            foreach ($cpu in $events | Group-Object -Property Cpu) {
                $ns = @($cpu.Group.TimestampNs)
                $ns | Should -Be @($ns | Sort-Object) -Because "events on CPU $($cpu.Name) are reserved in the buffer in the order they occur"
                $utc = @($cpu.Group.Timestamp)
                $utc | Should -Be @($utc | Sort-Object)
            }
        }

        It 'reports switches on CPUs that are online, with a task on each side' {
            $online = @(Get-OnlineCpu)
            foreach ($e in $events) {
                $e.Cpu | Should -BeIn $online
                # A CPU never switches from a task to itself (the idle task is thread 0).
                ($e.PrevThreadId -ne $e.NextThreadId) | Should -BeTrue
                $e.PrevState | Should -Not -BeNullOrEmpty
                $e.PrevRuntime.Ticks | Should -Be ([long][math]::Floor($e.PrevRuntimeNs / 100))
            }
        }

        It 'rejects a count of 0' {
            { Watch-SchedEvent -Count 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,SchedTrace.PowerShell.WatchSchedEventCommand'
        }
    }

    Context 'filters' {
        It '-Id $PID keeps only switches in which this process is on one side' {
            # This pwsh process switches while it watches: its pipeline thread sleeps between drains.
            $events = @(Watch-SchedEvent -Id $PID -Duration 0.5)

            $events.Count | Should -BeGreaterThan 0
            foreach ($e in $events) {
                ($e.PrevProcessId -eq $PID -or $e.NextProcessId -eq $PID) | Should -BeTrue -Because "switch $($e.PrevProcessId) -> $($e.NextProcessId) was let through"
            }
        }

        It 'takes -PID as an alias of -Id' {
            $events = @(Watch-SchedEvent -PID $PID -Count 3 -Duration $Bound)

            $events.Count | Should -Be 3
            foreach ($e in $events) {
                ($e.PrevProcessId -eq $PID -or $e.NextProcessId -eq $PID) | Should -BeTrue
            }
        }

        It '-Cpu keeps only events on that CPU' {
            $cpu = @(Get-OnlineCpu)[-1]
            $events = @(Watch-SchedEvent -Cpu $cpu -Count 10 -Duration $Bound)

            $events.Count | Should -Be 10
            $events.Cpu | Sort-Object -Unique | Should -Be $cpu
        }

        It '-Name with a wildcard matches either side of a switch, ignoring case' {
            $shell = Start-PipePingPong
            try {
                $events = @(Watch-SchedEvent -Name 'S*' -Count 10 -Duration $Bound)
            }
            finally {
                Stop-PipePingPong -Shell $shell
            }

            $events.Count | Should -Be 10
            foreach ($e in $events) {
                ($e.PrevName -like 's*' -or $e.NextName -like 's*') | Should -BeTrue
            }
        }
    }

    Context '-Type' {
        It 'returns SchedWakeupEvent objects for -Type Wakeup' {
            $events = @(Watch-SchedEvent -Type Wakeup -Count 10 -Duration $Bound)
            $online = @(Get-OnlineCpu)

            $events.Count | Should -Be 10
            foreach ($e in $events) {
                $e | Should -BeOfType ([SchedTrace.SchedWakeupEvent])
                $e.Type | Should -Be 'Wakeup'
                $e.ThreadId | Should -BeGreaterThan 0
                $e.Name | Should -Not -BeNullOrEmpty
                $e.TargetCpu | Should -BeIn $online
            }
        }

        It 'takes the type by position' {
            $events = @(Watch-SchedEvent Wakeup -Count 2 -Duration $Bound)

            $events.Count | Should -Be 2
            $events | ForEach-Object { $_ | Should -BeOfType ([SchedTrace.SchedWakeupEvent]) }
        }

        It 'rejects a type it does not have' {
            { Watch-SchedEvent -Type 'Nonsense' -Count 1 } | Should -Throw -ExceptionType ([System.Management.Automation.ParameterBindingException]) -ExpectedMessage '*Nonsense*'
        }
    }

    Context '-Duration' {
        It 'ends near one second for -Duration 1' {
            $elapsed = Measure-Command { $script:durationEvents = @(Watch-SchedEvent -Duration 1) }

            # At least the second asked for; at most that plus attaching, the last drain and a
            # margin for a loaded test machine.
            $elapsed.TotalSeconds | Should -BeGreaterOrEqual 1
            $elapsed.TotalSeconds | Should -BeLessThan 2.5
            $durationEvents.Count | Should -BeGreaterThan 0
            $span = ($durationEvents[-1].TimestampNs - $durationEvents[0].TimestampNs) / 1e9
            # From the session's attach to the last drain: the second, plus a little either side.
            $span | Should -BeLessThan 1.25
        }
    }

    Context '-Session' {
        BeforeEach {
            Stop-AllSchedTrace
        }

        It 'reads the events of a session started with -Feature Events, losing none with the default buffer' {
            $session = Start-SchedTrace -Name 'pester-watch-session' -Feature Events
            Start-Sleep -Milliseconds 50

            $events = @($session | Watch-SchedEvent -Count 20 -Duration $Bound -WarningVariable lost)

            $events.Count | Should -Be 20
            $events | ForEach-Object { $_ | Should -BeOfType ([SchedTrace.SchedSwitchEvent]) }
            # Events buffered since the session started come first, so they are not newer than now.
            $events[0].Timestamp | Should -BeGreaterOrEqual $session.StartTime.AddMilliseconds(-50)
            $session.State | Should -Be 'Running' -Because 'reading a session does not stop it'
            $session.LostEvents | Should -Be 0
            @($session.LostEventsPerCpu | Where-Object { $_ -ne 0 }).Count | Should -Be 0
            $session.LostEventsPerCpu.Count | Should -BeGreaterOrEqual @(Get-OnlineCpu).Count
            $lost | Should -BeNullOrEmpty
        }

        It 'streams only the session''s -EventType' {
            $session = Start-SchedTrace -Feature Events -EventType Wakeup

            $events = @($session | Watch-SchedEvent -Count 5 -Duration $Bound)

            $events.Count | Should -Be 5
            $events | ForEach-Object { $_ | Should -BeOfType ([SchedTrace.SchedWakeupEvent]) }
        }

        It 'matches -Name against a session''s events' {
            # The session streams every switch; the name is matched as they are read.
            $session = Start-SchedTrace -Feature Events
            $shell = Start-PipePingPong
            try {
                $events = @($session | Watch-SchedEvent -Name 'sh' -Count 10 -Duration $Bound)
            }
            finally {
                Stop-PipePingPong -Shell $shell
            }

            $events.Count | Should -Be 10
            foreach ($e in $events) {
                ($e.PrevName -eq 'sh' -or $e.NextName -eq 'sh') | Should -BeTrue
            }
        }

        It 'fails with FeatureNotEnabled on a session without Events' {
            $session = Start-SchedTrace -Feature ContextSwitches

            { $session | Watch-SchedEvent -Count 1 -ErrorAction Stop } | Should -Throw -ErrorId 'FeatureNotEnabled,SchedTrace.PowerShell.WatchSchedEventCommand'
        }

        It 'gives the events a stopped session''s buffer held, once, and ends at once' {
            $session = Start-SchedTrace -Feature Events
            Start-Sleep -Milliseconds 100
            $session | Stop-SchedTrace

            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $events = @($session | Watch-SchedEvent -Duration 5)
            $again = @($session | Watch-SchedEvent -Duration 5)
            $clock.Stop()

            $events.Count | Should -BeGreaterThan 0 -Because 'a machine switches within 100 ms'
            @($events | Where-Object Timestamp -GT $session.StopTime.AddMilliseconds(1)).Count | Should -Be 0
            $again.Count | Should -Be 0
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 2 -Because 'a stopped session has nothing more to wait for'
        }

        It 'does not take -Type with -Session' {
            # The session's types were fixed by Start-SchedTrace -EventType. -Type is a parameter of
            # the command as a whole, so it ends the command, piped or not; the session's own Id,
            # bound to -Id by property name, is not taken for a process to watch.
            $session = Start-SchedTrace -Feature Events

            { $session | Watch-SchedEvent -Type Wakeup -Count 1 } | Should -Throw -ErrorId 'ParameterNotForSession,SchedTrace.PowerShell.WatchSchedEventCommand'
            { Watch-SchedEvent -Session $session -Type Wakeup -Count 1 } | Should -Throw -ErrorId 'ParameterNotForSession,SchedTrace.PowerShell.WatchSchedEventCommand'
            $failure = { Watch-SchedEvent -Session $session -Type Wakeup -Cpu 0 -Count 1 } | Should -Throw -PassThru
            $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $failure.Exception.Message | Should -BeLike '-Type and -Cpu set up a new session*'
        }
    }

    Context 'lost events' {
        BeforeAll {
            $script:shell = Start-PipePingPong
        }

        AfterAll {
            Stop-PipePingPong -Shell $shell
        }

        It 'warns with the losses per CPU when a 4KB buffer meets a busy workload and a slow reader' {
            # A 4KB buffer holds a few dozen switch records. The reader writes each event to a
            # pipeline that takes 5 ms over it, so it drains a full buffer only every few hundred
            # milliseconds while the ping-pong switches thousands of times.
            $events = @(Watch-SchedEvent -Name 'sh' -BufferSize 4KB -Duration 0.5 -WarningVariable lost -WarningAction SilentlyContinue |
                    ForEach-Object { Start-Sleep -Milliseconds 5; $_ })

            $shell.HasExited | Should -BeFalse -Because 'the workload must outlast the watch'
            $events.Count | Should -BeGreaterThan 0
            $lost.Count | Should -Be 1
            $message = $lost[0].Message
            $message | Should -Match '^(\d+) events were lost because the ring buffer was full \(CPU \d+: \d+'
            [long]($message -replace '^(\d+) .*$', '$1') | Should -BeGreaterThan 0
            $message | Should -BeLike '*-BufferSize*'
        }

        It 'counts the losses on the session and reports only new ones on each read' {
            $session = Start-SchedTrace -Name 'pester-watch-lost' -Feature Events -BufferSize 4KB
            Start-Sleep -Milliseconds 300

            $null = $session | Watch-SchedEvent -Count 1 -Duration $Bound -WarningVariable first -WarningAction SilentlyContinue
            $lostAfterFirst = $session.LostEvents
            Start-Sleep -Milliseconds 300
            $null = $session | Watch-SchedEvent -Count 1 -Duration $Bound -WarningVariable second -WarningAction SilentlyContinue
            $lostAfterSecond = $session.LostEvents

            $shell.HasExited | Should -BeFalse -Because 'the workload must outlast the watches'
            $lostAfterFirst | Should -BeGreaterThan 0 -Because '300 ms of the ping-pong overflows a 4KB buffer nobody reads'
            ($session.LostEventsPerCpu | Measure-Object -Sum).Sum | Should -Be $lostAfterSecond
            $first.Count | Should -Be 1
            $first[0].Message | Should -BeLike "$lostAfterFirst events were lost*"
            # The second warning counts what was lost since the first read; the session, everything.
            $lostAfterSecond | Should -BeGreaterThan $lostAfterFirst
            $second.Count | Should -Be 1
            $second[0].Message | Should -BeLike "$($lostAfterSecond - $lostAfterFirst) events were lost*"
            $session.State | Should -Be 'Running'
        }
    }

    Context 'output' {
        It 'exports to CSV with the nanosecond figures' {
            $events = @(Watch-SchedEvent -Count 5 -Duration $Bound)
            $path = Join-Path -Path $TestDrive -ChildPath 'events.csv'

            $events | Export-Csv -Path $path -NoTypeInformation
            $rows = @(Import-Csv -Path $path)

            $rows.Count | Should -Be 5
            $rows[0].PSObject.Properties.Name | Should -Contain 'TimestampNs'
            $rows[0].PSObject.Properties.Name | Should -Contain 'PrevRuntimeNs'
            for ($i = 0; $i -lt 5; $i++) {
                [ulong]$rows[$i].TimestampNs | Should -Be $events[$i].TimestampNs
                [int]$rows[$i].PrevThreadId | Should -Be $events[$i].PrevThreadId
            }
        }

        It 'shows switches as the CLI does: UTC time of day in microseconds, the task, its state and run time, an arrow' {
            $events = @(Watch-SchedEvent -Count 5 -Duration $Bound)

            $text = $events | Format-Table | Out-String -Width 80
            $lines = @($text -split "`n" | ForEach-Object { $_.TrimEnd() } | Where-Object { $_ })

            $lines[0] | Should -Match '^Timestamp \(UTC\) Cpu Event\s+Task\s+Detail$'
            foreach ($e in $events) {
                $time = $e.Timestamp.ToString('HH:mm:ss.ffffff', [cultureinfo]::InvariantCulture)
                $row = $lines | Where-Object { $_.StartsWith($time) }
                $row | Should -Match " Switch +$([regex]::Escape($e.FormatTask())) +$([regex]::Escape($e.PrevState))( |$)" -Because "the switch at $time was written"
                # The detail may go on over two lines, broken before its arrow.
                $text | Should -Match "-> $([regex]::Escape("$($e.NextName)[$($e.NextThreadId)]"))"
            }
            foreach ($line in $lines) {
                $line.Length | Should -BeLessOrEqual 79
            }
        }

        It 'shows wakeups with their target CPU' {
            $text = Watch-SchedEvent -Type Wakeup -Count 3 -Duration $Bound | Format-Table | Out-String -Width 80

            $text | Should -Match 'Timestamp \(UTC\) Cpu Event\s+Task\s+Detail'
            $text | Should -Match '\d\d:\d\d:\d\d\.\d{6}\s+\d+ Wakeup .+\[\d+\]\s+-> CPU \d+'
        }
    }

    Context 'tab completion' {
        It 'completes -Name with thread names, which events carry' {
            # A thread of this process whose comm is not the process's: Get-ProcessCpuTime would
            # not offer it without -PerThread, Watch-SchedEvent must.
            $threadNames = @(Get-ChildItem -LiteralPath "/proc/$PID/task" -Name | ForEach-Object { (Get-Content -Raw -LiteralPath "/proc/$PID/task/$_/comm").Trim() })
            $processNames = @(Get-ChildItem -LiteralPath '/proc' -Directory | Where-Object { $_.Name -match '^\d+$' } | ForEach-Object {
                    Get-Content -Raw -LiteralPath "/proc/$($_.Name)/comm" -ErrorAction SilentlyContinue
                } | ForEach-Object { $_.Trim() })
            $thread = $threadNames | Where-Object { $_ -notin $processNames } | Select-Object -First 1
            $thread | Should -Not -BeNullOrEmpty -Because 'pwsh runs named .NET threads (.NET SigHandler, ...)'
            $start = $thread.Substring(0, [math]::Min(2, $thread.Length)).Trim()
            $typed = "Watch-SchedEvent -Name $start"
            $qualified = "SchedTrace\Watch-SchedEvent -Name $start"

            (TabExpansion2 -inputScript $typed -cursorColumn $typed.Length).CompletionMatches.ListItemText | Should -Contain $thread
            (TabExpansion2 -inputScript $qualified -cursorColumn $qualified.Length).CompletionMatches.ListItemText | Should -Contain $thread
        }
    }
}

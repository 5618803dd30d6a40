#Requires -Version 7.4
# Needs root: these tests attach real BPF programs (see Assert-CanTrace), in an interactive pwsh
# in tmux where Ctrl+C is typed as a user types it, and in hosts that have no console.

BeforeAll {
    . "$PSScriptRoot/TestSupport.ps1"
    Assert-CanTrace
    Import-BuiltModule
    Stop-AllSchedTrace

    $script:Folder = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath ('st-ctrlc-' + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $script:Folder | Out-Null

    function Wait-PaneLine {
        # Waits for a line that is exactly $Line: output, not the echo of the command that
        # prints it (which starts with the prompt).
        param([Parameter(Mandatory)]$Tmux, [Parameter(Mandatory)][string]$Line, [double]$Seconds = 30)
        $pattern = '(?m)^' + [regex]::Escape($Line) + '\s*$'
        Wait-Until -Condition { (Get-TmuxPane -Tmux $Tmux) -match $pattern } -Timeout ([timespan]::FromSeconds($Seconds)) -What "'$Line' in the terminal"
    }

    function Wait-PaneText {
        param([Parameter(Mandatory)]$Tmux, [Parameter(Mandatory)][string]$Text, [double]$Seconds = 30)
        Wait-Until -Condition { (Get-TmuxPane -Tmux $Tmux).Contains($Text) } -Timeout ([timespan]::FromSeconds($Seconds)) -What "'$Text' in the terminal"
    }

    function Assert-NoErrorShown {
        # No exception reached the terminal, and $Error is empty in the tmux pwsh (the command
        # line printed its count last): nothing was written as an error, not even a warning's worth.
        param([Parameter(Mandatory)][string]$Pane)
        $Pane | Should -Not -Match 'Exception|OperationStopped'
        $Pane | Should -Match '(?m)^errors 0\s*$'
    }

    function Invoke-ChildPwsh {
        # A child pwsh whose stdin is a pipe, as in CI or under a service: no console to read
        # Ctrl+C from. Returns its output; fails if it does not end within a minute.
        param([Parameter(Mandatory)][string]$Command)
        $start = [System.Diagnostics.ProcessStartInfo]::new((Join-Path -Path $PSHOME -ChildPath 'pwsh'))
        foreach ($argument in '-NoProfile', '-NonInteractive', '-Command', "Import-Module -Name '$ModuleManifest' -ErrorAction Stop; $Command") {
            $start.ArgumentList.Add($argument)
        }
        $start.RedirectStandardInput = $true
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $child = [System.Diagnostics.Process]::Start($start)
        try {
            $output = $child.StandardOutput.ReadToEndAsync()
            $errors = $child.StandardError.ReadToEndAsync()
            if (-not $child.WaitForExit(60000)) {
                throw 'The child pwsh did not end within 60 s: a collection without -Duration ran on where Ctrl+C cannot end it.'
            }
            $child.WaitForExit()
            [pscustomobject]@{ Output = $output.Result; Errors = $errors.Result; ExitCode = $child.ExitCode }
        }
        finally {
            if (-not $child.HasExited) {
                $child.Kill()
            }
            $child.Dispose()
        }
    }
}

AfterAll {
    Stop-AllSchedTrace
    Remove-Item -LiteralPath $script:Folder -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Ctrl+C in an interactive pwsh keeps what was gathered' {
    BeforeAll {
        $script:Tmux = Start-TmuxPwsh
        Send-TmuxLine -Tmux $Tmux -Line "`$dir = '$Folder'"
    }

    AfterAll {
        Stop-TmuxPwsh -Tmux $script:Tmux
    }

    BeforeEach {
        Clear-TmuxPane -Tmux $Tmux
        Send-TmuxLine -Tmux $Tmux -Line '$Error.Clear()'
    }

    It 'ends Watch-SchedEvent | Export-SchedTimeline: both files within 1 s, with the events seen, and nothing left attached' {
        $trace = Join-Path -Path $Folder -ChildPath 'watch.json'
        $svg = Join-Path -Path $Folder -ChildPath 'watch.svg'
        $first = Join-Path -Path $Folder -ChildPath 'watch.first'
        # The marker file says the watch is in its loop (an event reached the pipeline), so the
        # Ctrl+C below is typed while it collects.
        Send-TmuxLine -Tmux $Tmux -Line "Watch-SchedEvent | ForEach-Object -Begin { `$n = 0 } -Process { if (`$n++ -eq 0) { `$null = New-Item -ItemType File -Path '$first' }; `$_ } | Export-SchedTimeline -Path '$trace' -SvgPath '$svg'; 'pipeline ' + 'completed'; 'errors ' + `$Error.Count"
        $null = Wait-Until -Condition { Test-Path -LiteralPath $first } -Timeout ([timespan]::FromSeconds(30)) -What 'the first event'
        $held = @(Get-BpfObjectHeld -ProcessId $Tmux.ProcessId)
        $held | Where-Object { $_ -like 'link:*' } | Should -Not -BeNullOrEmpty -Because 'the watch holds its attached programs'
        Start-Sleep -Milliseconds 1000

        Send-TmuxKey -Tmux $Tmux -Key 'C-c'
        $stopped = Wait-PaneLine -Tmux $Tmux -Line 'pipeline completed' -Seconds 10

        $stopped | Should -BeLessThan ([timespan]::FromSeconds(1))
        $pane = Get-TmuxPane -Tmux $Tmux
        Assert-NoErrorShown -Pane $pane
        $slices = @((Get-Content -LiteralPath $trace -Raw | ConvertFrom-Json).traceEvents | Where-Object ph -EQ 'X')
        $slices.Count | Should -BeGreaterThan 0
        [xml]$drawing = Get-Content -LiteralPath $svg -Raw
        $drawing.DocumentElement.LocalName | Should -Be 'svg'
        @(Get-BpfObjectHeld -ProcessId $Tmux.ProcessId) | Should -BeNullOrEmpty -Because 'the watch detached everything when it ended'
    }

    It 'lets Measure-ScheduleTime without -Duration collect until Ctrl+C, then write its reading and histogram; Ctrl+C then stops commands again' {
        $reading = Join-Path -Path $Folder -ChildPath 'schedule.json'
        Send-TmuxLine -Tmux $Tmux -Line "`$r = Measure-ScheduleTime; `$r | Select-Object Measure, Reason, Count, MinNs, MeanNs, MaxNs, @{ n = 'Seconds'; e = { `$_.Duration.TotalSeconds } } | ConvertTo-Json -EnumsAsStrings | Set-Content -LiteralPath '$reading'; `$r; 'reading ' + 'written'; 'errors ' + `$Error.Count"
        # Progress is written from inside the collection, where Ctrl+C is read as a key.
        $null = Wait-PaneText -Tmux $Tmux -Text 'Press Ctrl+C to stop and write the reading'
        Start-Sleep -Milliseconds 1000
        Send-TmuxKey -Tmux $Tmux -Key 'C-c'
        $null = Wait-PaneLine -Tmux $Tmux -Line 'reading written' -Seconds 10

        $rows = @(Get-Content -LiteralPath $reading -Raw | ConvertFrom-Json)
        $all = $rows | Where-Object { $_.Measure -eq 'ScheduleCall' } | Select-Object -First 1
        $all.Count | Should -BeGreaterThan 0
        $all.MinNs | Should -BeGreaterThan 0
        $all.MaxNs | Should -BeGreaterOrEqual $all.MinNs
        $all.MeanNs | Should -BeGreaterOrEqual $all.MinNs
        $all.Seconds | Should -BeGreaterOrEqual 1
        $pane = Get-TmuxPane -Tmux $Tmux
        Assert-NoErrorShown -Pane $pane
        # The default view: the figures (counts with thousands separators) and a histogram of bars.
        $pane | Should -Match ('\b' + [regex]::Escape(([long]$all.Count).ToString('N0', [cultureinfo]::InvariantCulture)) + '\b')
        $pane | Should -Match '(?m)\|\*+ *\|\s*$'
        $pane | Should -Match '\bmin\b.*\bmean\b.*\bmax\b'

        # The terminal has its Ctrl+C back: it stops a sleep at once.
        Send-TmuxLine -Tmux $Tmux -Line "'sleep ' + 'began'; Start-Sleep -Seconds 30; 'sleep ' + 'ended'"
        $null = Wait-PaneLine -Tmux $Tmux -Line 'sleep began'
        Send-TmuxKey -Tmux $Tmux -Key 'C-c'
        Send-TmuxLine -Tmux $Tmux -Line "'prompt ' + 'back'"
        $null = Wait-PaneLine -Tmux $Tmux -Line 'prompt back' -Seconds 5
        Get-TmuxPane -Tmux $Tmux | Should -Not -Match '(?m)^sleep ended'
    }

    It 'stops a -Duration 30 reading after about 2 s and writes it, with its true window' {
        $reading = Join-Path -Path $Folder -ChildPath 'switches.json'
        Send-TmuxLine -Tmux $Tmux -Line "`$c = Get-ContextSwitchCount -Duration 30 -Total; `$c | Select-Object Switches, @{ n = 'Seconds'; e = { `$_.Duration.TotalSeconds } }, @{ n = 'Window'; e = { (`$_.WindowEnd - `$_.WindowStart).TotalSeconds } } | ConvertTo-Json | Set-Content -LiteralPath '$reading'; 'reading ' + 'written'; 'errors ' + `$Error.Count"
        $null = Wait-PaneText -Tmux $Tmux -Text 'Counting context switches'
        Start-Sleep -Milliseconds 2000
        Send-TmuxKey -Tmux $Tmux -Key 'C-c'
        $null = Wait-PaneLine -Tmux $Tmux -Line 'reading written' -Seconds 10

        $row = Get-Content -LiteralPath $reading -Raw | ConvertFrom-Json
        # At least the 2 s waited after the progress showed (which is after the window began);
        # at most that plus the progress's first drawing and one poll of the keyboard.
        $row.Seconds | Should -BeGreaterOrEqual 2
        $row.Seconds | Should -BeLessThan 3
        $row.Window | Should -BeGreaterOrEqual ($row.Seconds - 0.001)
        $row.Window | Should -BeLessOrEqual ($row.Seconds + 0.001)
        $row.Switches | Should -BeGreaterThan 0
        Assert-NoErrorShown -Pane (Get-TmuxPane -Tmux $Tmux)
    }

    It 'ends -Interval sampling without -Count after the samples written, and Export-Csv completes its file' {
        $csv = Join-Path -Path $Folder -ChildPath 'samples.csv'
        $first = Join-Path -Path $Folder -ChildPath 'samples.first'
        Send-TmuxLine -Tmux $Tmux -Line "Get-ContextSwitchCount -Interval 0.4 -Total | ForEach-Object { `$null = New-Item -ItemType File -Path '$first' -Force; `$_ } | Export-Csv -LiteralPath '$csv'; 'csv ' + 'written'; 'errors ' + `$Error.Count"
        $null = Wait-Until -Condition { Test-Path -LiteralPath $first } -Timeout ([timespan]::FromSeconds(30)) -What 'the first sample'
        Start-Sleep -Milliseconds 1000
        Send-TmuxKey -Tmux $Tmux -Key 'C-c'
        $null = Wait-PaneLine -Tmux $Tmux -Line 'csv written' -Seconds 10

        $samples = @(Import-Csv -LiteralPath $csv)
        $samples.Count | Should -BeGreaterOrEqual 2
        # Whole samples only, numbered from 1 without a gap: the one cut short is not written.
        ($samples.Sample -join ',') | Should -Be ((1..$samples.Count) -join ',')
        Assert-NoErrorShown -Pane (Get-TmuxPane -Tmux $Tmux)
    }

    It 'refuses a collection until Ctrl+C in a thread job that streams to this console: DurationRequired' {
        Send-TmuxLine -Tmux $Tmux -Line "Start-ThreadJob -StreamingHost `$Host { Import-Module -Name '$ModuleManifest'; try { Measure-ScheduleTime } catch { 'id ' + `$_.FullyQualifiedErrorId } } | Receive-Job -Wait -AutoRemoveJob; 'job ' + 'ended'"
        $null = Wait-PaneLine -Tmux $Tmux -Line 'job ended'
        Get-TmuxPane -Tmux $Tmux | Should -Match '(?m)^id DurationRequired,SchedTrace.PowerShell.MeasureScheduleTimeCommand\s*$'
    }

    Context 'Watch-PriorityInversion -Summary without -Duration' {
        BeforeAll {
            $source = Join-Path -Path $RepoRoot -ChildPath 'tests/SchedTrace.Tests/Support/Native/inversion_workload.c'
            $script:Workload = Join-Path -Path $Folder -ChildPath 'inversion-workload'
            & 'gcc' '-O2' '-Wall' '-Wextra' '-Werror' '-pthread' '-o' "$script:Workload" "$source"
            if ($LASTEXITCODE -ne 0) {
                throw "gcc could not build $source"
            }
        }

        It 'collects until Ctrl+C and writes the summary of what it saw' {
            $summary = Join-Path -Path $Folder -ChildPath 'summary.json'
            Send-TmuxLine -Tmux $Tmux -Line "`$s = @(Watch-PriorityInversion -Kind Lock -Threshold 0.05 -Name 'inv-*' -Summary); ConvertTo-Json -InputObject @(`$s | Select-Object ThreadId, OwnerThreadId, RanThreadId, Count) | Set-Content -LiteralPath '$summary'; 'summary ' + 'written'; 'errors ' + `$Error.Count"
            $null = Wait-PaneText -Tmux $Tmux -Text 'Press Ctrl+C to stop and write the reading'
            # The kernel tests' lock scenario: low holds a mutex, high waits for it, medium spins.
            $lines = & $Workload 'lock' @(Get-OnlineCpu)[-1] 0 300
            $LASTEXITCODE | Should -Be 0
            $tids = @(($lines | Where-Object { $_.StartsWith('tids ') }) -split ' ' | Select-Object -Skip 1 | ForEach-Object { [int]$_ })
            # An alert reaches the watch within a drain (10 ms) of the inversion's end.
            Start-Sleep -Milliseconds 500
            Send-TmuxKey -Tmux $Tmux -Key 'C-c'
            $null = Wait-PaneLine -Tmux $Tmux -Line 'summary written' -Seconds 10

            $rows = @(Get-Content -LiteralPath $summary -Raw | ConvertFrom-Json)
            $row = @($rows | Where-Object { $_.ThreadId -eq $tids[2] -and $_.RanThreadId -eq $tids[1] })
            $row.Count | Should -Be 1
            $row[0].OwnerThreadId | Should -Be $tids[0]
            $row[0].Count | Should -Be 1
            Assert-NoErrorShown -Pane (Get-TmuxPane -Tmux $Tmux)
        }
    }
}

Describe 'Where no console can read Ctrl+C' {
    It '<Command> without -Duration refuses at once with DurationRequired, saying what to do' -ForEach @(
        @{ Command = 'Measure-ScheduleTime'; Type = 'MeasureScheduleTimeCommand'; Advice = 'Start-SchedTrace -Feature ScheduleTime' }
        @{ Command = 'Measure-RunQueueLatency'; Type = 'MeasureRunQueueLatencyCommand'; Advice = 'Start-SchedTrace -Feature RunQueueLatency' }
        @{ Command = 'Measure-OffCpuTime'; Type = 'MeasureOffCpuTimeCommand'; Advice = 'Start-SchedTrace -Feature OffCpuTime' }
        @{ Command = 'Measure-OnCpuTime'; Type = 'MeasureOnCpuTimeCommand'; Advice = 'Start-SchedTrace -Feature OnCpuTime' }
        @{ Command = 'Watch-PriorityInversion -Summary'; Type = 'WatchPriorityInversionCommand'; Advice = 'leave out -Summary' }
    ) {
        $result = Invoke-ChildPwsh -Command "try { $Command; 'no error' } catch { `$_.FullyQualifiedErrorId; `$_.CategoryInfo.Category; `$_.ErrorDetails.RecommendedAction }"
        $lines = @($result.Output -split "`n" | ForEach-Object { $_.TrimEnd() } | Where-Object { $_ })
        $lines[0] | Should -Be "DurationRequired,SchedTrace.PowerShell.$Type"
        $lines[1] | Should -Be 'InvalidArgument'
        $lines[2] | Should -Match '-Duration'
        $lines[2] | Should -Match ([regex]::Escape($Advice))
    }

    It 'still takes a -Duration reading there, and keeps Get-ContextSwitchCount at its one-second default' {
        $result = Invoke-ChildPwsh -Command "(Measure-ScheduleTime -Duration 0.3 | Select-Object -First 1).Duration.TotalSeconds; (Get-ContextSwitchCount -Total).Duration.TotalSeconds"
        $seconds = @($result.Output -split "`n" | Where-Object { $_.Trim() } | ForEach-Object { [double]$_ })
        $seconds[0] | Should -BeGreaterOrEqual 0.3
        $seconds[0] | Should -BeLessThan 1
        $seconds[1] | Should -BeGreaterOrEqual 1
        $seconds[1] | Should -BeLessThan 2
    }

    It 'Export-SchedTimeline writes its files when the pipeline is stopped from another thread' {
        $trace = Join-Path -Path $Folder -ChildPath 'stopped.json'
        $svg = Join-Path -Path $Folder -ChildPath 'stopped.svg'
        $shell = [powershell]::Create()
        try {
            $null = $shell.AddScript("Import-Module -Name '$ModuleManifest'; Watch-SchedEvent | Export-SchedTimeline -Path '$trace' -SvgPath '$svg'")
            $running = $shell.BeginInvoke()
            $null = Wait-Until -Condition { @(Get-BpfObjectHeld -ProcessId $PID | Where-Object { $_ -like 'link:*' }).Count -gt 0 } -Timeout ([timespan]::FromSeconds(30)) -What 'the watch to attach'
            Start-Sleep -Milliseconds 500
            # What Stop-Job and a remote session's stop do: StopProcessing, then the pipeline stops.
            $shell.Stop()
            $shell.InvocationStateInfo.State | Should -Be 'Stopped'
            $running.IsCompleted | Should -BeTrue
        }
        finally {
            $shell.Dispose()
        }
        $slices = @((Get-Content -LiteralPath $trace -Raw | ConvertFrom-Json).traceEvents | Where-Object ph -EQ 'X')
        $slices.Count | Should -BeGreaterThan 0
        ([xml](Get-Content -LiteralPath $svg -Raw)).DocumentElement.LocalName | Should -Be 'svg'
    }

    It 'Stop-Job of Watch-SchedEvent | Export-SchedTimeline leaves both files, complete' {
        $trace = Join-Path -Path $Folder -ChildPath 'job.json'
        $svg = Join-Path -Path $Folder -ChildPath 'job.svg'
        $first = Join-Path -Path $Folder -ChildPath 'job.first'
        $job = Start-Job -ScriptBlock {
            param($Manifest, $Trace, $Svg, $First)
            Import-Module -Name $Manifest
            Watch-SchedEvent | ForEach-Object -Begin { $n = 0 } -Process { if ($n++ -eq 0) { $null = New-Item -ItemType File -Path $First }; $_ } | Export-SchedTimeline -Path $Trace -SvgPath $Svg
        } -ArgumentList $ModuleManifest, $trace, $svg, $first
        try {
            $null = Wait-Until -Condition { Test-Path -LiteralPath $first } -Timeout ([timespan]::FromSeconds(60)) -What 'the job''s first event'
            Start-Sleep -Milliseconds 500
            $job | Stop-Job
            $job.State | Should -Be 'Stopped'
        }
        finally {
            $job | Remove-Job -Force
        }
        $slices = @((Get-Content -LiteralPath $trace -Raw | ConvertFrom-Json).traceEvents | Where-Object ph -EQ 'X')
        $slices.Count | Should -BeGreaterThan 0
        ([xml](Get-Content -LiteralPath $svg -Raw)).DocumentElement.LocalName | Should -Be 'svg'
    }
}

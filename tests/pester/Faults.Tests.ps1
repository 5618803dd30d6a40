#Requires -Version 7.4
# Needs root: these tests attach real BPF programs (see Assert-CanTrace). Each fault happens in a
# child pwsh, so that this one is neither killed nor starved of file descriptors.

BeforeAll {
    . "$PSScriptRoot/TestSupport.ps1"
    Assert-CanTrace
    Import-BuiltModule

    function New-ChildPwsh {
        # A pwsh child running $Command with its stdin and stdout redirected, optionally under
        # prlimit. The dotnet-tool pwsh runs as dotnet with pwsh.dll; a native pwsh is its own file.
        param([Parameter(Mandatory)][string]$Command, [string[]]$Prlimit = @())
        $runtime = [Environment]::ProcessPath
        $arguments = [System.Collections.Generic.List[string]]::new()
        if ([System.IO.Path]::GetFileNameWithoutExtension($runtime) -eq 'dotnet') {
            $arguments.Add((Join-Path -Path $PSHOME -ChildPath 'pwsh.dll'))
        }
        $arguments.AddRange([string[]]@('-NoProfile', '-NonInteractive', '-Command', $Command))
        $file = $runtime
        if ($Prlimit) {
            $arguments.InsertRange(0, [string[]]($Prlimit + '--' + $runtime))
            $file = 'prlimit'
        }
        $start = [System.Diagnostics.ProcessStartInfo]::new($file)
        foreach ($argument in $arguments) {
            $start.ArgumentList.Add($argument)
        }
        $start.RedirectStandardInput = $true
        $start.RedirectStandardOutput = $true
        [System.Diagnostics.Process]::Start($start)
    }

    function Read-ChildLine {
        # The child's next line of output, or a failure naming what was awaited.
        param([Parameter(Mandatory)]$Child, [Parameter(Mandatory)][string]$What)
        $line = $Child.StandardOutput.ReadLineAsync()
        if (-not $line.Wait([timespan]::FromSeconds(60))) {
            throw "The child pwsh did not print $What within 60 s."
        }
        $line.Result
    }

    function Get-BpftoolId {
        # Every program, map and link the kernel holds, as bpftool lists them ('prog:12'): an
        # oracle outside SchedTrace (scripts/install-deps.sh installs bpftool).
        foreach ($kind in 'prog', 'map', 'link') {
            $listing = & bpftool $kind show -j
            if ($LASTEXITCODE -ne 0) {
                throw "bpftool $kind show failed ($LASTEXITCODE)."
            }
            foreach ($entry in @($listing | ConvertFrom-Json)) {
                "${kind}:$($entry.id)"
            }
        }
    }
}

Describe 'a pwsh killed with SIGKILL' {
    It 'leaves none of the programs, maps and links of its sessions in the kernel' {
        # Three sessions of different kinds: counters and a task iterator, a ring buffer, task
        # storage and histograms. 'ready' is printed once all three are attached.
        $command = @"
Import-Module -Name '$script:ModuleManifest' -ErrorAction Stop
`$null = Start-SchedTrace -Name 'killed-counts' -Feature ContextSwitches, CpuTime
`$null = Start-SchedTrace -Name 'killed-events' -Feature Events -BufferSize 64KB
`$null = Start-SchedTrace -Name 'killed-latency' -Feature RunQueueLatency, OffCpuTime -PerProcess
'ready'
`$null = [Console]::In.ReadLine()
"@
        $child = New-ChildPwsh -Command $command
        try {
            Read-ChildLine -Child $child -What "'ready'" | Should -Be 'ready'
            $held = @(Get-BpfObjectHeld -ProcessId $child.Id)
            @($held | Where-Object { $_ -like 'link:*' }).Count | Should -BeGreaterOrEqual 5 -Because 'three sessions attach at least five hooks'
            @($held | Where-Object { $_ -like 'map:*' }).Count | Should -BeGreaterOrEqual 30
            # bpftool sees them while the pwsh lives, so not seeing them afterwards means something.
            $listed = @(Get-BpftoolId)
            @($held | Where-Object { $_ -notin $listed }) | Should -BeNullOrEmpty
        }
        finally {
            $child.Kill()   # SIGKILL: no handler, no finalizer, no Stop-SchedTrace runs
            $child.WaitForExit()
        }
        $child.ExitCode | Should -Be (128 + 9)

        # A link and its program go with the last fd, but the kernel frees the program after an
        # RCU grace period and a map after its last program, from a workqueue: no event marks
        # that for a process to wait on, so the listing is read until they are gone.
        $null = Wait-Until -Condition { $listed = @(Get-BpftoolId); @($held | Where-Object { $_ -in $listed }).Count -eq 0 } -Timeout ([timespan]::FromSeconds(10)) -What 'the kernel to free what the killed pwsh held'
    }
}

Describe 'a pwsh that runs out of file descriptors' {
    It 'gets a LimitsExceeded error naming RLIMIT_NOFILE from the Start-SchedTrace that did not fit, which holds nothing, while the open sessions still read' {
        # pwsh with the module holds about 155 files and a session about 35: at 300 a few fit.
        # The failure can leave no file free, and what follows it (listing the fds, the JSON,
        # pwsh's own error stream) needs a few: a reserve is held while sessions fill the limit.
        $command = @"
Import-Module -Name '$script:ModuleManifest' -ErrorAction Stop
. '$PSScriptRoot/TestSupport.ps1'
`$sessions = @()
`$failure = `$null
`$reserve = @(1..16 | ForEach-Object { [System.IO.File]::OpenRead('/dev/null') })
for (`$i = 1; `$i -le 40 -and -not `$failure; `$i++) {
    `$before = @(Get-BpfObjectHeld -ProcessId `$PID)
    try { `$sessions += Start-SchedTrace -Name "limit-`$i" -ErrorAction Stop } catch { `$failure = `$_ }
}
`$reserve | ForEach-Object { `$_.Dispose() }
`$after = @(Get-BpfObjectHeld -ProcessId `$PID)
[pscustomobject]@{
    Opened = `$sessions.Count
    ErrorId = `$failure.FullyQualifiedErrorId
    Category = [string]`$failure.CategoryInfo.Category
    Message = `$failure.Exception.Message
    Action = `$failure.ErrorDetails.RecommendedAction
    HeldBefore = `$before
    HeldAfter = `$after
    Readings = @(`$sessions | ForEach-Object { Get-ContextSwitchCount -Session `$_ -Total }).Count
} | ConvertTo-Json -Compress
"@
        $child = New-ChildPwsh -Command $command -Prlimit '--nofile=300:300'
        try {
            $result = Read-ChildLine -Child $child -What 'its result' | ConvertFrom-Json
        }
        finally {
            if (-not $child.HasExited) { $child.Kill() }
            $child.WaitForExit()
        }

        $result.Opened | Should -BeGreaterThan 0 -Because 'a few sessions fit in 300 files'
        $result.Opened | Should -BeLessThan 40 -Because 'forty sessions need about a thousand files'
        $result.ErrorId | Should -Be 'TooManyOpenFiles,SchedTrace.PowerShell.StartSchedTraceCommand'
        $result.Category | Should -Be 'LimitsExceeded'
        $result.Message | Should -Match 'may open 300 \(RLIMIT_NOFILE\)'
        $result.Action | Should -BeLike '*Stop-SchedTrace*'
        $result.Action | Should -BeLike '*ulimit -n*'
        # Nothing of the failed attempt stays open, and every session before it still reads.
        @(Compare-Object -ReferenceObject @($result.HeldBefore) -DifferenceObject @($result.HeldAfter)) | Should -BeNullOrEmpty
        $result.Readings | Should -Be $result.Opened
    }
}

Describe 'a task table that fills' {
    BeforeAll {
        # Support/Native/exited_threads.c starts and joins threads one after another on request.
        $source = Join-Path -Path $script:RepoRoot -ChildPath 'tests/SchedTrace.Tests/Support/Native/exited_threads.c'
        $script:binaryDirectory = (New-Item -ItemType Directory -Path (Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath "schedtrace-exited-$PID")).FullName
        $script:exitedThreads = Join-Path -Path $binaryDirectory -ChildPath 'exited_threads'
        & gcc -O2 -Wall -Wextra -Werror -pthread -o $exitedThreads $source
        if ($LASTEXITCODE -ne 0) {
            throw "gcc could not build $source."
        }
    }

    AfterAll {
        Stop-AllSchedTrace
        Remove-Item -LiteralPath $binaryDirectory -Recurse -Force -ErrorAction Ignore
    }

    It 'counts the threads left out in DroppedTasks, and each Get-ProcessCpuTime of the session warns with that count' {
        $session = Start-SchedTrace -Name 'pester-full-table' -Feature CpuTime
        # Every thread that exits stays in the table until a reading sees it freed: a table's
        # worth and more between the start and the first reading cannot fit.
        $spawned = $session.TaskTableCapacity + 4096
        $child = [System.Diagnostics.Process]::Start([System.Diagnostics.ProcessStartInfo]@{ FileName = $exitedThreads; RedirectStandardInput = $true; RedirectStandardOutput = $true })
        try {
            Read-ChildLine -Child $child -What "'ready'" | Should -Be 'ready'
            $child.StandardInput.WriteLine($spawned)
            Read-ChildLine -Child $child -What "'done $spawned'" | Should -Be "done $spawned"
        }
        finally {
            $child.StandardInput.Close()
            $child.WaitForExit()
        }

        $rows = @($session | Get-ProcessCpuTime -WarningVariable first -WarningAction SilentlyContinue)
        $rows.Count | Should -BeGreaterThan 0
        $session.DroppedTasks | Should -BeGreaterOrEqual 4096 -Because "$spawned threads exited into a table of $($session.TaskTableCapacity)"
        $first.Count | Should -Be 1
        $first[0].Message | Should -Be "$($session.DroppedTasks) thread(s) did not fit in the task table ($($session.TaskTableCapacity) entries); their CPU time is missing."
        (Get-SchedTrace -Name 'pester-full-table').DroppedTasks | Should -Be $session.DroppedTasks
        # A session's figures run from its start, so every later reading lacks those threads too
        # and says so again.
        $null = $session | Get-ProcessCpuTime -WarningVariable second -WarningAction SilentlyContinue
        $second.Count | Should -Be 1
        $second[0].Message | Should -BeLike "$($session.DroppedTasks) thread(s) did not fit in the task table*"
    }
}

#Requires -Version 7.4
# Needs root: these tests attach real BPF programs and run SCHED_FIFO threads (see Assert-CanTrace).
# Every view is rendered from real readings of the kernel, with workloads of the test's own where
# a view needs rows: three busy loops pinned to CPU 0 (run-queue waits, per-process rows), a
# process that moves itself between CPUs (migrations) and a lock inversion (inversion_workload.c).

BeforeAll {
    . "$PSScriptRoot/TestSupport.ps1"
    Assert-CanTrace
    Import-BuiltModule
    Stop-AllSchedTrace

    # Pin the culture so that writing and parsing numbers agree wherever this runs.
    $script:savedCulture = [System.Globalization.CultureInfo]::CurrentCulture
    [System.Globalization.CultureInfo]::CurrentCulture = [System.Globalization.CultureInfo]::InvariantCulture
    $script:Invariant = [System.Globalization.CultureInfo]::InvariantCulture

    # An 80-column console shows 79 of them: PowerShell's console host keeps the last one free,
    # and cuts a row of 80 to 79 with an ellipsis. Out-String -Width 80 allows 80, so the
    # limit is checked here and not left to the renderer.
    $script:Columns80 = 79
    $script:Columns120 = 119

    function Get-TableLayout {
        # The columns of the table view PowerShell picks for an object, from the module's own
        # format data: the first of the object's type names with a table view (of that name).
        param([Parameter(Mandatory)][object]$InputObject, [string]$View)
        foreach ($typeName in $InputObject.PSObject.TypeNames) {
            $data = Get-FormatData -TypeName $typeName -PowerShellVersion $PSVersionTable.PSVersion
            foreach ($definition in @($data.FormatViewDefinition)) {
                if ($definition.Control -is [System.Management.Automation.TableControl] -and (-not $View -or $definition.Name -eq $View)) {
                    return $definition.Control.Headers
                }
            }
        }
        throw "No table view$(if ($View) { " named $View" }) for $($InputObject.PSObject.TypeNames[0])."
    }

    function Get-Word {
        # The words of a rendering, without the dashes under the header (their length follows
        # the column widths, which differ between the two renderings compared).
        param([AllowEmptyString()][string]$Text)
        @($Text -split '\s+' | Where-Object { $_ -and $_ -notmatch '^-+$' })
    }

    function Assert-Table {
        # Renders a table view and checks what a terminal user sees: no line past the limit,
        # one header and one line of dashes (one table, headers not wrapped), the labels whole
        # and in order, no word cut (the words are those of the same view sized to its content,
        # where nothing needs breaking), no ellipsis, and no column empty on every row.
        param(
            [Parameter(Mandatory)][object[]]$InputObject,
            [Parameter(Mandatory)][string[]]$Label,
            [string]$View,
            [int]$Width = 80,
            [int]$Limit = $Columns80,
            [switch]$FormatTable,
            [switch]$AllowEmptyColumn
        )
        $text = if ($View) {
            $InputObject | Format-Table -View $View | Out-String -Width $Width
        }
        elseif ($FormatTable) {
            $InputObject | Format-Table | Out-String -Width $Width
        }
        else {
            $InputObject | Out-String -Width $Width
        }
        $reference = if ($View) {
            $InputObject | Format-Table -View $View -AutoSize | Out-String -Width 10000
        }
        else {
            $InputObject | Format-Table -AutoSize | Out-String -Width 10000
        }
        $lines = @($text -split '\r?\n' | ForEach-Object { $_.TrimEnd() })
        $shown = "`n$text"

        foreach ($line in $lines) {
            $line.Length | Should -BeLessOrEqual $Limit -Because "a line of the table is $($line.Length) columns:$shown"
        }
        $text | Should -Not -BeLike "*$([char]0x2026)*" -Because "nothing is cut off:$shown"
        $dashes = @(0..($lines.Count - 1) | Where-Object { $lines[$_] -match '^\s*-+( +-+)*$' })
        $dashes.Count | Should -Be 1 -Because "one table with one header:$shown"
        $header = $lines[$dashes[0] - 1]
        @($lines | Where-Object { $_ -eq $header }).Count | Should -Be 1 -Because "the header is printed once:$shown"
        # A header that wrapped leaves part of a label on the line above.
        $lines[0..($dashes[0] - 2)] | Where-Object { $_ } | Should -BeNullOrEmpty -Because "the header is one line:$shown"

        $headers = @(Get-TableLayout -InputObject $InputObject[0] -View $View)
        @($headers.Label) | Should -Be $Label -Because "the columns, in order:$shown"
        $body = @($lines | Select-Object -Skip ($dashes[0] + 1) | Where-Object { $_ })
        $body.Count | Should -BeGreaterThan 0
        $start = 0
        foreach ($column in $headers) {
            $header.PadRight($start + $column.Width).Substring($start, $column.Width).Trim() | Should -BeExactly $column.Label -Because "the label is whole, over its column:$shown"
            if (-not $AllowEmptyColumn) {
                $filled = @($body | Where-Object { $_.PadRight($start + $column.Width).Substring($start, $column.Width).Trim() })
                $filled.Count | Should -BeGreaterThan 0 -Because "column $($column.Label) has a value on some row:$shown"
            }
            $start += $column.Width + 1
        }
        (Get-Word $text | Sort-Object) | Should -Be (Get-Word $reference | Sort-Object) -Because "no word is cut:$shown"
    }

    function Assert-Histogram {
        # The default view of latency rows: every line within the limit, and the words of the
        # histograms as they are (nothing cut or wrapped by PowerShell).
        param([Parameter(Mandatory)][object[]]$InputObject)
        $text = $InputObject | Out-String -Width 80
        $shown = "`n$text"
        foreach ($line in $text -split '\r?\n') {
            $line.TrimEnd().Length | Should -BeLessOrEqual $Columns80 -Because "a line of the histogram is $($line.TrimEnd().Length) columns:$shown"
        }
        # On one line per title, its parts are joined by dots that a break leaves out.
        $whole = ($InputObject | ForEach-Object { $_.FormatHistogram(40, 100000) }) -join "`n"
        (Get-Word $text | Where-Object { $_ -ne '·' }) | Should -Be (Get-Word $whole | Where-Object { $_ -ne '·' }) -Because "the histograms' words, in order, none cut:$shown"
        $text | Should -Match 'range\s+count\s+distribution'
    }

    function Compare-Csv {
        # One CSV row against the object it came from: every property is there and keeps its
        # figure exactly. A DateTime's own cell has whole seconds and no zone: its *Utc column
        # holds the instant, to the tick, in UTC. Writes what differs.
        param([Parameter(Mandatory)][object]$Original, [Parameter(Mandatory)][object]$Copy)
        $properties = @($Original.PSObject.Properties | Where-Object MemberType -EQ 'Property')
        $missing = @($properties.Name | Where-Object { $_ -notin $Copy.PSObject.Properties.Name })
        if ($missing) {
            "columns missing: $($missing -join ', ')"
        }
        foreach ($property in $properties) {
            $name = $property.Name
            $value = $property.Value
            $cell = $Copy.$name
            $same = if ($null -eq $value) {
                $cell -ceq ''
            }
            elseif ($value -is [datetime]) {
                $text = $Copy."${name}Utc"
                $back = [datetime]::Parse($text, $Invariant, [System.Globalization.DateTimeStyles]::RoundtripKind)
                $value.Kind -eq 'Utc' -and $text -match 'Z$' -and $back.Ticks -eq $value.Ticks -and $back.Kind -eq 'Utc'
            }
            elseif ($value -is [timespan]) {
                [timespan]::Parse($cell, $Invariant).Ticks -eq $value.Ticks
            }
            elseif ($value -is [double] -or $value -is [single]) {
                [double]::Parse($cell, $Invariant) -eq $value
            }
            elseif ($value -is [enum] -or $value -is [bool] -or $value -is [string]) {
                $cell -ceq "$value"
            }
            elseif ($value -is [System.ValueType]) {
                [decimal]::Parse($cell, $Invariant) -eq [decimal]$value
            }
            elseif ($value.GetType().Name -like 'TextList*') {
                $cell -ceq $value.ToString() -and $cell -notlike '*System.*'
            }
            else {
                $false
            }
            if (-not $same) {
                "$($Original.GetType().Name).$name ($($value.GetType().Name)) is '$value', its CSV cell '$cell'"
            }
        }
    }

    function Compare-Json {
        # What ConvertFrom-Json gives back against the object: every figure, at any depth.
        # ConvertTo-Json writes enums as numbers, TimeSpans as objects with their ticks and
        # DateTimes as ISO text, which ConvertFrom-Json reads back as DateTimes (the *Utc text
        # too). Writes what differs.
        param([AllowNull()][object]$Original, [AllowNull()][object]$Copy, [string]$Path)
        if ($null -eq $Original) {
            if ($null -ne $Copy) { "$Path is null, its copy '$Copy'" }
        }
        elseif ($Original -is [datetime]) {
            if (-not ($Copy -is [datetime] -and $Copy.Ticks -eq $Original.Ticks -and $Copy.Kind -eq 'Utc')) { "$Path is $($Original.ToString('O')), its copy '$Copy'" }
        }
        elseif ($Original -is [string]) {
            $back = if ($Copy -is [datetime]) { $Copy.ToString('O', $Invariant) } else { $Copy }
            if ($back -cne $Original) { "$Path is '$Original', its copy '$back'" }
        }
        elseif ($Original -is [timespan]) {
            if ($Copy.Ticks -ne $Original.Ticks) { "$Path is $Original, its copy's ticks $($Copy.Ticks)" }
        }
        elseif ($Original -is [enum]) {
            if ([long]$Copy -ne [long]$Original) { "$Path is $Original, its copy $Copy" }
        }
        elseif ($Original -is [System.ValueType]) {
            if ($Copy -ne $Original) { "$Path is $Original, its copy $Copy" }
        }
        elseif ($Original -is [System.Collections.IEnumerable]) {
            $items = @($Original)
            $copies = @($Copy)
            if ($copies.Count -ne $items.Count) {
                "$Path has $($items.Count) items, its copy $($copies.Count)"
            }
            else {
                for ($i = 0; $i -lt $items.Count; $i++) {
                    Compare-Json -Original $items[$i] -Copy $copies[$i] -Path "$Path[$i]"
                }
            }
        }
        else {
            foreach ($property in $Original.PSObject.Properties | Where-Object MemberType -EQ 'Property') {
                Compare-Json -Original $property.Value -Copy $Copy.($property.Name) -Path "$Path.$($property.Name)"
            }
        }
    }

    function Assert-Export {
        # Export-Csv/Import-Csv and ConvertTo-Json/ConvertFrom-Json of records of one type keep
        # everything, ConvertTo-Json at its default depth without a warning; "$record" is a
        # readable line, not the type's name.
        param([Parameter(Mandatory)][object[]]$InputObject)
        $path = Join-Path -Path $TestDrive -ChildPath "export-$([guid]::NewGuid()).csv"
        $InputObject | Export-Csv -LiteralPath $path
        $back = @(Import-Csv -LiteralPath $path)
        $back.Count | Should -Be $InputObject.Count
        $problems = @(for ($i = 0; $i -lt $InputObject.Count; $i++) {
                Compare-Csv -Original $InputObject[$i] -Copy $back[$i]
            })
        $problems | Should -BeNullOrEmpty -Because 'Export-Csv and Import-Csv keep every figure'
        # All rows at once, as `... | ConvertTo-Json` gets them: the array is one level more.
        $null = $InputObject | ConvertTo-Json -WarningVariable depthWarnings -WarningAction SilentlyContinue
        $depthWarnings | Should -BeNullOrEmpty -Because 'ConvertTo-Json at its default depth keeps an array of records whole'
        foreach ($record in $InputObject) {
            $recordType = $record.GetType()
            $json = $record | ConvertTo-Json -WarningVariable depthWarnings -WarningAction SilentlyContinue
            $depthWarnings | Should -BeNullOrEmpty -Because 'ConvertTo-Json at its default depth keeps the whole record'
            $copy = $json | ConvertFrom-Json
            $problems = @(Compare-Json -Original $record -Copy $copy -Path $recordType.Name)
            $problems | Should -BeNullOrEmpty -Because 'ConvertTo-Json and ConvertFrom-Json keep every figure'
            $line = "$record"
            $line | Should -Not -BeNullOrEmpty
            $line | Should -Not -Match '[\r\n]'
            $line | Should -Not -Be $recordType.FullName
        }
    }

    # ---- workloads
    $script:spinners = @(1..3 | ForEach-Object {
            # Three busy loops taking turns on CPU 0; $SECONDS bounds them should AfterAll never run.
            Start-Process -FilePath 'taskset' -ArgumentList '-c 0 bash -c "while [ $SECONDS -lt 120 ]; do :; done"' -PassThru
        })
    Start-Sleep -Milliseconds 300
    foreach ($spinner in $spinners) {
        if ($spinner.HasExited) {
            throw "A pinned busy loop (taskset bash) exited at once with code $($spinner.ExitCode)."
        }
    }
    $script:spinnerIds = @($spinners.Id)

    $source = Join-Path -Path $RepoRoot -ChildPath 'tests/SchedTrace.Tests/Support/Native/inversion_workload.c'
    $script:InversionWorkload = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath "schedtrace-views-inversion-$PID"
    & 'gcc' '-O2' '-Wall' '-Wextra' '-Werror' '-pthread' '-o' "$script:InversionWorkload" "$source"
    if ($LASTEXITCODE -ne 0) {
        throw "gcc could not build $source"
    }
    # Its SCHED_FIFO threads on the last CPU, away from the busy loops on CPU 0.
    $script:WorkCpu = @(Get-OnlineCpu)[-1]
    function Invoke-LockInversion {
        $null = & $script:InversionWorkload 'lock' $script:WorkCpu 0 300
        if ($LASTEXITCODE -ne 0) {
            throw "inversion_workload lock exited with $LASTEXITCODE"
        }
    }

    # ---- readings of the real kernel, shared by the view and export tests
    $script:Data = @{}
    $Data.Sessions = @(
        Start-SchedTrace -Name 'views-counts'
        Start-SchedTrace -Name 'views-several' -Feature 'ContextSwitches', 'CpuTime', 'Events', 'RunQueueLatency'
    )
    # A running session's Elapsed moves between two renderings; a stopped one's does not.
    $Data.StoppedSessions = @(
        Start-SchedTrace -Name 'views-stop1' -Feature 'ContextSwitches', 'CpuTime'
        Start-SchedTrace -Name 'views-stop2' -Feature 'Events', 'RunQueueLatency', 'OffCpuTime', 'ScheduleTime'
    )
    $Data.StoppedSessions | Stop-SchedTrace
    $Data.Switches = @(Get-ContextSwitchCount -Duration 0.3)
    $Data.SwitchesTotal = @(Get-ContextSwitchCount -Duration 0.3 -Total)
    $Data.SwitchesInterval = @(Get-ContextSwitchCount -Interval 0.2 -Count 2)
    $Data.SwitchesTotalInterval = @(Get-ContextSwitchCount -Interval 0.2 -Count 2 -Total)
    $Data.CpuTime = @(Get-ProcessCpuTime -Duration 0.5 -Top 5)
    $Data.CpuTimePerThread = @(Get-ProcessCpuTime -Duration 0.5 -Top 5 -PerThread)
    $Data.CpuTimeInterval = @(Get-ProcessCpuTime -Interval 0.3 -Count 2 -Top 3)
    $Data.CpuTimePerThreadInterval = @(Get-ProcessCpuTime -Interval 0.3 -Count 2 -Top 3 -PerThread)

    # A mixed stream of the three event types, in time order, with a process that moves itself
    # from CPU to CPU to make migrations: its taskset children change its affinity while it waits.
    $mover = Start-Process -FilePath 'bash' -ArgumentList '-c "for i in $(seq 200); do taskset -pc 0 $$ >/dev/null; taskset -pc 1 $$ >/dev/null; done"' -PassThru
    try {
        $events = @(Watch-SchedEvent -Type 'Switch', 'Wakeup', 'Migrate' -Duration 0.5)
    }
    finally {
        Stop-Process -Id $mover.Id -ErrorAction SilentlyContinue
    }
    $Data.Events = @('Switch', 'Wakeup', 'Migrate' | ForEach-Object {
            $type = $_
            $events | Where-Object { "$($_.Type)" -eq $type } | Select-Object -First 4
        }) | Sort-Object -Property TimestampNs
    foreach ($eventType in 'SchedSwitchEvent', 'SchedWakeupEvent', 'SchedMigrateEvent') {
        if (-not ($Data.Events | Where-Object { $_.GetType().Name -eq $eventType })) {
            throw "Watch-SchedEvent gave no $eventType in 0.5 s."
        }
    }

    $Data.RunQueue = @(Measure-RunQueueLatency -Duration 0.5)
    $Data.OffCpu = @(Measure-OffCpuTime -Duration 0.5)
    $Data.ScheduleTime = @(Measure-ScheduleTime -Duration 0.3)
    $Data.RunQueueInterval = @(Measure-RunQueueLatency -Interval 0.3 -Count 2)
    $Data.PerProcess = @(Measure-RunQueueLatency -Duration 0.5 -PerProcess -Id $spinnerIds)
    $Data.PerProcessInterval = @(Measure-RunQueueLatency -Interval 0.3 -Count 2 -PerProcess -Id $spinnerIds)
    $Data.PerCpu = @(Measure-OffCpuTime -Duration 0.5 -PerCpu)
    $Data.PerCpuInterval = @(Measure-RunQueueLatency -Interval 0.3 -Count 2 -PerCpu)

    $inversions = Start-SchedTrace -Name 'views-inversions' -Feature PriorityInversion
    Invoke-LockInversion
    $Data.Inversions = @($inversions | Watch-PriorityInversion -Duration 0.3 -Threshold 0.05)
    Invoke-LockInversion
    $Data.InversionSummary = @($inversions | Watch-PriorityInversion -Duration 0.3 -Threshold 0.05 -Summary)
    $inversions | Stop-SchedTrace
    foreach ($set in 'Inversions', 'InversionSummary') {
        if (-not ($Data.$set | Where-Object { "$($_.Kind)" -eq 'Lock' })) {
            throw "The lock inversion of inversion_workload was not reported ($set)."
        }
    }
}

AfterAll {
    foreach ($process in $spinners) {
        Stop-Process -Id $process.Id -ErrorAction SilentlyContinue
    }
    Remove-Item -LiteralPath $InversionWorkload -ErrorAction SilentlyContinue
    Stop-AllSchedTrace
    [System.Globalization.CultureInfo]::CurrentCulture = $savedCulture
}

Describe 'Default views at 80 columns' {
    It 'sessions: Id, Name, State, Features, StartTime, Elapsed' {
        Assert-Table -InputObject $Data.StoppedSessions -Label 'Id', 'Name', 'State', 'Features', 'StartTime (UTC)', 'Elapsed'
        # Running ones too, rendered once (their Elapsed moves): within the limit, one header.
        $lines = @(Get-SchedTrace -Name 'views-*' | Out-String -Width 80) -split '\r?\n'
        $lines | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual $Columns80 }
        @($lines | Where-Object { $_ -match '^ Id Name\s+State\s+Features\s+StartTime \(UTC\)\s+Elapsed$' }).Count | Should -Be 1
    }

    It 'context switches per CPU, without a Sample column' {
        Assert-Table -InputObject $Data.Switches -Label 'Cpu', 'Switches', 'Voluntary', 'Involuntary', 'FromIdle', 'Switches/s', 'Duration(s)'
    }

    It 'context switches -Total, without a Cpu column' {
        Assert-Table -InputObject $Data.SwitchesTotal -Label 'Switches', 'Voluntary', 'Involuntary', 'FromIdle', 'Switches/s', 'Duration(s)'
    }

    It 'context switches -Interval, with the sample first' {
        Assert-Table -InputObject $Data.SwitchesInterval -Label 'Sample', 'Cpu', 'Switches', 'Voluntary', 'Involuntary', 'FromIdle', 'Switches/s', 'Duration(s)'
    }

    It 'context switches -Interval -Total' {
        Assert-Table -InputObject $Data.SwitchesTotalInterval -Label 'Sample', 'Switches', 'Voluntary', 'Involuntary', 'FromIdle', 'Switches/s', 'Duration(s)'
    }

    It 'CPU time per process, without a ThreadId column' {
        Assert-Table -InputObject $Data.CpuTime -Label 'ProcessId', 'Name', 'CpuTime', 'CPU%', 'Vol', 'Invol', 'Migr', 'Cpus'
    }

    It 'CPU time -PerThread, with the thread after the process' {
        Assert-Table -InputObject $Data.CpuTimePerThread -Label 'ProcessId', 'ThreadId', 'Name', 'CpuTime', 'CPU%', 'Vol', 'Invol', 'Migr', 'Cpus'
    }

    It 'CPU time -Interval' {
        Assert-Table -InputObject $Data.CpuTimeInterval -Label 'Sample', 'ProcessId', 'Name', 'CpuTime', 'CPU%', 'Vol', 'Invol', 'Migr'
    }

    It 'CPU time -Interval -PerThread' {
        Assert-Table -InputObject $Data.CpuTimePerThreadInterval -Label 'Sample', 'ProcessId', 'ThreadId', 'Name', 'CpuTime', 'CPU%', 'Vol', 'Invol', 'Migr'
    }

    It 'switches, wakeups and migrations in one table, as the CLI prints them' {
        Assert-Table -InputObject $Data.Events -Label 'Timestamp (UTC)', 'Cpu', 'Event', 'Task', 'Detail'
        $text = $Data.Events | Out-String -Width 80
        foreach ($e in $Data.Events) {
            # The CLI's task and detail texts; broken at spaces in the view, the same words.
            $line = ($text -split '\r?\n' | Where-Object { $_.StartsWith($e.Timestamp.ToString('HH:mm:ss.ffffff', $Invariant)) }) | Select-Object -First 1
            $line | Should -Not -BeNullOrEmpty
            $line | Should -Match " $($e.Type) "
            $text.Contains($e.FormatTask().Split(' ')[-1]) | Should -BeTrue -Because "$($e.FormatTask()) is in the table"
        }
    }

    It 'run-queue latency as the histogram, titles broken at spaces' {
        Assert-Histogram -InputObject $Data.RunQueue
    }

    It 'time in schedule() as histograms, with their long methods broken at spaces' {
        $Data.ScheduleTime.Count | Should -BeGreaterThan 1
        Assert-Histogram -InputObject $Data.ScheduleTime
    }

    It '-Interval samples of latency as histograms too, numbered' {
        Assert-Histogram -InputObject $Data.RunQueueInterval
        ($Data.RunQueueInterval | Out-String -Width 80) | Should -BeLike '*sample 2*'
    }

    It 'Format-Table of a reading: the measure or its reason, then the figures' {
        Assert-Table -InputObject $Data.RunQueue -FormatTable -Label 'Measure', 'Count', 'P50', 'P90', 'P99', 'P99.9', 'Max', 'Mean'
        Assert-Table -InputObject $Data.OffCpu -FormatTable -Label 'Measure', 'Count', 'P50', 'P90', 'P99', 'P99.9', 'Max', 'Mean'
        # The column shows each row's reason, where the measure has one.
        $text = $Data.OffCpu | Format-Table | Out-String -Width 80
        foreach ($reason in 'Sleeping', 'Uninterruptible', 'Preempted') {
            $text | Should -Match "(?m)^$reason\s"
        }
    }

    It 'Format-Table of -Interval samples, with the sample first' {
        Assert-Table -InputObject $Data.RunQueueInterval -FormatTable -Label 'Sample', 'Measure', 'Count', 'P50', 'P90', 'P99', 'Max', 'Mean'
    }

    It 'latency -PerProcess, a table by default, without a Reason column on run-queue rows' {
        Assert-Table -InputObject $Data.PerProcess -Label 'ProcessId', 'Name', 'Measure', 'Count', 'P50', 'P99', 'Max'
        # The three busy loops waited for CPU 0: a row each, by their own process ids.
        @($Data.PerProcess.ProcessId | Sort-Object) | Should -Be @($spinnerIds | Sort-Object)
    }

    It 'latency -PerProcess -Interval' {
        Assert-Table -InputObject $Data.PerProcessInterval -Label 'Sample', 'ProcessId', 'Name', 'Measure', 'Count', 'P50', 'P99'
    }

    It 'latency -PerCpu' {
        Assert-Table -InputObject $Data.PerCpu -Label 'Cpu', 'Measure', 'Count', 'P50', 'P90', 'P99', 'Max', 'Mean'
    }

    It 'latency -PerCpu -Interval' {
        Assert-Table -InputObject $Data.PerCpuInterval -Label 'Sample', 'Cpu', 'Measure', 'Count', 'P50', 'P90', 'P99', 'Max'
    }

    It 'priority inversions: the waiting task, its lock''s owner under it, who ran instead' {
        Assert-Table -InputObject $Data.Inversions -Label 'Time (UTC)', 'Kind', 'Cpu', 'Wait(ms)', 'Waiting', 'RanInstead'
        $text = $Data.Inversions | Out-String -Width 80
        $text | Should -BeLike '*owner inv-low*'
        $text | Should -BeLike '*inv-medium*'
    }

    It 'the inversion summary' {
        Assert-Table -InputObject $Data.InversionSummary -Label 'Kind', 'Waiting', 'RanInstead', 'Count', 'Total(ms)', 'Max(ms)'
    }

    It 'picks each variant''s view by the type name the cmdlet inserts first' {
        $Data.Switches[0].PSObject.TypeNames[0] | Should -Be 'SchedTrace.ContextSwitchCount'
        $Data.SwitchesTotal[0].PSObject.TypeNames[0] | Should -Be 'SchedTrace.ContextSwitchCount#Total'
        $Data.SwitchesInterval[0].PSObject.TypeNames[0] | Should -Be 'SchedTrace.ContextSwitchCount#Interval'
        $Data.SwitchesTotalInterval[0].PSObject.TypeNames[0] | Should -Be 'SchedTrace.ContextSwitchCount#TotalInterval'
        $Data.CpuTime[0].PSObject.TypeNames[0] | Should -Be 'SchedTrace.ProcessCpuTime'
        $Data.CpuTimePerThread[0].PSObject.TypeNames[0] | Should -Be 'SchedTrace.ProcessCpuTime#PerThread'
        $Data.CpuTimeInterval[0].PSObject.TypeNames[0] | Should -Be 'SchedTrace.ProcessCpuTime#Interval'
        $Data.CpuTimePerThreadInterval[0].PSObject.TypeNames[0] | Should -Be 'SchedTrace.ProcessCpuTime#PerThreadInterval'
        $Data.RunQueue[0].PSObject.TypeNames[0] | Should -Be 'SchedTrace.LatencyStatistics'
        $Data.RunQueueInterval[0].PSObject.TypeNames[0] | Should -Be 'SchedTrace.LatencyStatistics#Interval'
        $Data.PerProcessInterval[0].PSObject.TypeNames[0] | Should -Be 'SchedTrace.LatencyStatistics#PerProcessInterval'
        $Data.PerCpuInterval[0].PSObject.TypeNames[0] | Should -Be 'SchedTrace.LatencyStatistics#PerCpuInterval'
    }
}

Describe 'Wide views at 120 columns' {
    It '<Name>, with Format-Table -View Wide' -ForEach @(
        @{ Name = 'sessions'; Set = 'StoppedSessions'; Label = 'Id', 'Name', 'State', 'Features', 'Hook', 'StartTime (UTC)', 'Elapsed', 'LostEvents' }
        @{ Name = 'context switches'; Set = 'SwitchesTotalInterval'; Label = 'Sample', 'Cpu', 'Switches', 'Voluntary', 'Involuntary', 'FromIdle', 'Switches/s', 'Duration(s)', 'WindowStart (UTC)' }
        @{ Name = 'CPU time'; Set = 'CpuTimePerThread'; Label = 'Sample', 'ProcessId', 'ThreadId', 'Name', 'CpuTime', 'CPU%', 'Voluntary', 'Involuntary', 'Migrations', 'Cpus', 'Affinity', 'Exited' }
        @{ Name = 'events'; Set = 'Events'; Label = 'TimestampUtc', 'Cpu', 'Event', 'Task', 'Detail' }
        @{ Name = 'latency'; Set = 'OffCpu'; Label = 'Sample', 'ProcessId', 'Measure', 'Reason', 'Count', 'Min', 'P50', 'P90', 'P99', 'P99.9', 'Max', 'Mean' }
        @{ Name = 'latency per process'; Set = 'PerProcessInterval'; Label = 'Sample', 'ProcessId', 'Measure', 'Reason', 'Count', 'Min', 'P50', 'P90', 'P99', 'P99.9', 'Max', 'Mean' }
        @{ Name = 'priority inversions'; Set = 'Inversions'; Label = 'Timestamp (UTC)', 'Kind', 'Cpu', 'Wait(ms)', 'Waiting', 'Owner', 'RanInstead' }
        @{ Name = 'the inversion summary'; Set = 'InversionSummary'; Label = 'Kind', 'Waiting', 'Owner', 'RanInstead', 'Count', 'TotalWait(ms)', 'MaxWait(ms)' }
    ) {
        # Wide views show every variant's columns, so some are empty for some rows (ThreadId on
        # process rows): only the default views promise a value in every column.
        Assert-Table -InputObject $Data.$Set -View 'Wide' -Width 120 -Limit $Columns120 -Label $Label -AllowEmptyColumn
    }
}

Describe 'Export' {
    It '<Name> survive Export-Csv and ConvertTo-Json with every figure and instant' -ForEach @(
        @{ Name = 'context switches per CPU and -Total'; Sets = 'Switches', 'SwitchesTotal', 'SwitchesInterval'; Type = 'ContextSwitchCount' }
        @{ Name = 'CPU time of processes and threads'; Sets = 'CpuTime', 'CpuTimePerThread', 'CpuTimeInterval'; Type = 'ProcessCpuTime' }
        @{ Name = 'switch events'; Sets = 'Events'; Type = 'SchedSwitchEvent' }
        @{ Name = 'wakeup events'; Sets = 'Events'; Type = 'SchedWakeupEvent' }
        @{ Name = 'migration events'; Sets = 'Events'; Type = 'SchedMigrateEvent' }
        @{ Name = 'latency readings, per process and per CPU'; Sets = 'RunQueue', 'OffCpu', 'ScheduleTime', 'PerProcess', 'PerCpuInterval'; Type = 'LatencyStatistics' }
        @{ Name = 'priority inversions'; Sets = 'Inversions'; Type = 'PriorityInversion' }
        @{ Name = 'inversion summaries'; Sets = 'InversionSummary'; Type = 'PriorityInversionSummary' }
    ) {
        # One type per file: Export-Csv takes its columns from the first object.
        foreach ($set in $Sets) {
            $records = @($Data.$set | Where-Object { $_.GetType().Name -eq $Type })
            $records.Count | Should -BeGreaterThan 0
            Assert-Export -InputObject $records
        }
    }

    It 'sessions, running and stopped, survive them too' {
        $stopped = Start-SchedTrace -Name 'views-stopped' -Feature 'Events', 'PriorityInversion'
        $stopped | Stop-SchedTrace
        # A stopped session: its figures no longer move between the export and the comparison.
        Assert-Export -InputObject @($stopped)
        $stopped.StopTimeUtc | Should -Match 'Z$'
        $running = Get-SchedTrace -Name 'views-counts'
        $running.StopTimeUtc | Should -BeNullOrEmpty
        "$running" | Should -BeLike "views-counts (Id $($running.Id), Running, started *): ContextSwitches"
    }

    It 'keeps the buckets as text that parses back to them' {
        $row = $Data.RunQueue[0]
        $path = Join-Path -Path $TestDrive -ChildPath 'buckets.csv'
        $row | Export-Csv -LiteralPath $path
        $cells = (Import-Csv -LiteralPath $path).Histogram.Split(';')
        $buckets = $row.GetBuckets()

        $cells.Count | Should -Be $buckets.Count
        for ($i = 0; $i -lt $cells.Count; $i++) {
            $cells[$i] -match '^(\d+)-(\d+):(\d+)$' | Should -BeTrue -Because $cells[$i]
            [ulong]$Matches[1] | Should -Be $buckets[$i].LowerNs
            [ulong]$Matches[2] | Should -Be $buckets[$i].UpperNs
            [long]$Matches[3] | Should -Be $buckets[$i].Count
        }
    }

    It 'keeps the tasks that ran instead as text with every figure' {
        $alert = $Data.Inversions | Where-Object { "$($_.Kind)" -eq 'Lock' } | Select-Object -First 1
        $path = Join-Path -Path $TestDrive -ChildPath 'inversions.csv'
        $alert | Export-Csv -LiteralPath $path
        $items = (Import-Csv -LiteralPath $path).RanInstead -split '; '

        $runners = $alert.GetRanInstead()
        $items.Count | Should -Be $runners.Count
        for ($i = 0; $i -lt $items.Count; $i++) {
            $ran = $runners[$i]
            $items[$i] -match '^(?<name>.+)\[(?<tid>\d+)\] pid (?<pid>\d+) (?<policy>\S+) (?<priority>-?\d+) (?<ns>\d+)ns$' | Should -BeTrue -Because $items[$i]
            $Matches.name | Should -Be $ran.Name
            [int]$Matches.tid | Should -Be $ran.ThreadId
            [int]$Matches.pid | Should -Be $ran.ProcessId
            [int]$Matches.priority | Should -Be $ran.Priority
            [ulong]$Matches.ns | Should -Be $ran.RunTimeNs
        }
    }
}

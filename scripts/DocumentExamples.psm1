# The examples in the help and the README, run for real: scripts/Update-DocumentExamples.ps1
# writes what each prints into its output block, and tests/pester/Help.Tests.ps1 runs them again
# and holds the blocks to what the module prints today.
#
# An example is a ```powershell block followed by an ```output block, or a "$ command" line of a
# ```console block followed by the lines it printed. Examples without output show no output and
# are not run. Figures differ from run to run, so a printed block is compared by its shape: the
# blocks it is made of, each table's columns and the kind of value in each, each list's property
# names, and each text line with its numbers taken out (see Compare-DocumentExampleOutput).

Set-StrictMode -Version Latest

$script:RepoRoot = (Resolve-Path -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath '..')).Path

# The width an example is rendered at: the terminal the default views are made for.
$script:Width = 80

function Get-DocumentExample {
    <#
    .SYNOPSIS
    The runnable examples of a markdown file: each with its code, its output and where that
    output lies in the file (0-based line numbers, first and last line of the output).
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param([Parameter(Mandatory)][string] $Path)

    $lines = [System.IO.File]::ReadAllLines($Path)
    $title = ''
    $i = 0
    while ($i -lt $lines.Count) {
        $line = $lines[$i]
        if ($line -match '^#{2,3} (.+)$') {
            $title = $Matches[1]
        }
        if ($line -eq '```powershell') {
            $codeStart = $i + 1
            $codeEnd = Find-FenceEnd -Lines $lines -Start $codeStart
            $next = $codeEnd + 1
            while ($next -lt $lines.Count -and $lines[$next] -eq '') { $next++ }
            if ($next -lt $lines.Count -and $lines[$next] -eq '```output') {
                $outputEnd = Find-FenceEnd -Lines $lines -Start ($next + 1)
                [pscustomobject]@{
                    Path        = $Path
                    Title       = $title
                    Language    = 'powershell'
                    Code        = $lines[$codeStart..($codeEnd - 1)] -join "`n"
                    Output      = if ($outputEnd -gt $next + 1) { $lines[($next + 1)..($outputEnd - 1)] -join "`n" } else { '' }
                    OutputFirst = $next + 1
                    OutputLast  = $outputEnd - 1
                }
                $i = $outputEnd + 1
                continue
            }
            $i = $codeEnd + 1
            continue
        }
        if ($line -eq '```console') {
            $end = Find-FenceEnd -Lines $lines -Start ($i + 1)
            $j = $i + 1
            while ($j -lt $end) {
                if ($lines[$j] -notmatch '^\$ (.+)$') { $j++; continue }
                $command = $Matches[1]
                $first = $j + 1
                $last = $first
                while ($last -lt $end -and $lines[$last] -notmatch '^\$ ') { $last++ }
                if ($last -gt $first) {
                    [pscustomobject]@{
                        Path        = $Path
                        Title       = $title
                        Language    = 'console'
                        Code        = $command
                        Output      = $lines[$first..($last - 1)] -join "`n"
                        OutputFirst = $first
                        OutputLast  = $last - 1
                    }
                }
                $j = $last
            }
            $i = $end + 1
            continue
        }
        $i++
    }
}

function Find-FenceEnd {
    param([string[]] $Lines, [int] $Start)
    for ($k = $Start; $k -lt $Lines.Count; $k++) {
        if ($Lines[$k] -eq '```') { return $k }
    }
    throw "A code block that starts before line $Start has no closing fence."
}

function Invoke-DocumentExample {
    <#
    .SYNOPSIS
    Runs one example as a user would and returns what it printed: PowerShell code in a fresh
    pwsh with the built module imported, rendered at 80 columns (verbose and warning lines as
    the console writes them); a console line in bash, with sudo left out (the caller is root)
    and schedtrace meaning the built CLI. It runs in an empty folder, where files it writes go.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)] $Example,
        [Parameter(Mandatory)][string] $ModuleManifest,
        [Parameter(Mandatory)][string] $Cli
    )

    $folder = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath ("schedtrace-example-" + [guid]::NewGuid().ToString('n'))
    New-Item -ItemType Directory -Path $folder | Out-Null
    try {
        if ($Example.Language -eq 'powershell') {
            $script = Join-Path -Path $folder -ChildPath '.example.ps1'
            $runner = @'
param([string] $Manifest, [string] $Code, [int] $Width)
$ProgressPreference = 'SilentlyContinue'
Import-Module -Name $Manifest -ErrorAction Stop
$example = [scriptblock]::Create($Code)
& $example *>&1 | ForEach-Object {
    if ($_ -is [System.Management.Automation.VerboseRecord]) { "VERBOSE: $($_.Message)" }
    elseif ($_ -is [System.Management.Automation.WarningRecord]) { "WARNING: $($_.Message)" }
    elseif ($_ -is [System.Management.Automation.InformationRecord]) { "$($_.MessageData)" }
    else { $_ }
} | Out-String -Width $Width
'@
            Set-Content -LiteralPath $script -Value $runner
            $pwsh = Join-Path -Path $script:RepoRoot -ChildPath 'scripts/pwsh'
            Push-Location -LiteralPath $folder
            try {
                $text = & $pwsh -NoProfile -NonInteractive -File $script -Manifest $ModuleManifest -Code $Example.Code -Width $script:Width 2>&1 | Out-String
            }
            finally {
                Pop-Location
            }
        }
        else {
            $bin = Join-Path -Path $folder -ChildPath '.bin'
            New-Item -ItemType Directory -Path $bin | Out-Null
            New-Item -ItemType SymbolicLink -Path (Join-Path -Path $bin -ChildPath 'schedtrace') -Target $Cli | Out-Null
            $command = $Example.Code -replace '^sudo ', ''
            Push-Location -LiteralPath $folder
            try {
                $text = & bash -c "PATH='$bin':`"`$PATH`"; $command" 2>&1 | Out-String
            }
            finally {
                Pop-Location
            }
        }
        return (Format-ExampleText -Text $text)
    }
    finally {
        Remove-Item -LiteralPath $folder -Recurse -Force
    }
}

function Format-ExampleText {
    # What an output block holds: no trailing spaces, no blank lines around it.
    param([AllowEmptyString()][string] $Text)
    $lines = @($Text -split "`r?`n" | ForEach-Object { $_.TrimEnd() })
    $first = 0
    while ($first -lt $lines.Count -and $lines[$first] -eq '') { $first++ }
    $last = $lines.Count - 1
    while ($last -ge $first -and $lines[$last] -eq '') { $last-- }
    if ($last -lt $first) { return '' }
    return ($lines[$first..$last] -join "`n")
}

# A value's kind, for comparing tables and lists whose figures differ from run to run.
function Get-ValueKind {
    param([AllowEmptyString()][string] $Value)
    $v = $Value.Trim()
    switch -Regex ($v) {
        '^$' { return 'empty' }
        '^[-+]?[\d,]*\.?\d+%?$' { return 'number' }
        '^[\d.,]+ ?(ns|µs|us|ms|s|m|h)$' { return 'duration' }
        '^(\d+\.)?\d+:\d\d(:\d\d)?(\.\d+)?$' { return 'clock' }
        '^\d{4}-\d\d-\d\d[T ]' { return 'instant' }
        '^\d\d/\d\d/\d{4} ' { return 'instant' }
        '^(True|False)$' { return 'boolean' }
        default { return 'text' }
    }
}

# A text line with what varies between runs taken out: instants, durations, numbers, bars.
function Get-LineTemplate {
    param([AllowEmptyString()][string] $Line)
    $t = $Line
    $t = $t -replace '\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?Z?', '<instant>'
    $t = $t -replace '\d\d:\d\d:\d\d\.\d+', '<clock>'
    $t = $t -replace '\|[* ]*\|', '|<bar>|'
    $t = $t -replace '(?<![\w.])[\d.,]+ ?(ns|µs|us|ms|s)\b', '<duration>'
    $t = $t -replace '(?<![\w])[-+]?\d[\d,]*(\.\d+)?', '#'
    # "no events" is how the views write a count of zero.
    $t = $t -replace '\bno (events|samples|calls)\b', '# $1'
    $t = $t -replace '# (event|sample|call)\b', '# $1s'
    $t = $t -replace '\[#\]', '[#]'
    return (($t -replace '\s+', ' ').Trim())
}

function Split-OutputBlock {
    # Blocks are separated by blank lines; each is a table (a header over a line of dashes),
    # a list (every line "Name : value" or its continuation) or text.
    param([AllowEmptyString()][string] $Text)
    $blocks = [System.Collections.Generic.List[object]]::new()
    $current = [System.Collections.Generic.List[string]]::new()
    foreach ($line in @($Text -split "`n") + '') {
        if ($line.Trim() -eq '') {
            if ($current.Count -gt 0) {
                $blocks.Add((New-OutputBlock -Lines $current.ToArray()))
                $current.Clear()
            }
            continue
        }
        $current.Add($line)
    }
    return , $blocks.ToArray()
}

function New-OutputBlock {
    param([string[]] $Lines)
    if ($Lines.Count -ge 2 -and $Lines[1] -match '^[\s-]*-[\s-]*$') {
        # A column runs from the start of its dashes to the start of the next column's, which
        # holds both left-aligned text and right-aligned figures.
        $spans = @([regex]::Matches($Lines[1], '-+') | ForEach-Object { $_.Index })
        $cellsOf = {
            param([string] $Row)
            , @(for ($c = 0; $c -lt $spans.Count; $c++) {
                    $start = $spans[$c]
                    $end = if ($c + 1 -lt $spans.Count) { $spans[$c + 1] } else { [Math]::Max($Row.Length, $start) }
                    if ($start -ge $Row.Length) { '' } else { $Row.Substring($start, [Math]::Min($end, $Row.Length) - $start).Trim() }
                })
        }
        $columns = & $cellsOf $Lines[0]
        $rows = [System.Collections.Generic.List[object]]::new()
        foreach ($line in $Lines | Select-Object -Skip 2) { $rows.Add((& $cellsOf $line)) }
        return [pscustomobject]@{ Kind = 'table'; Key = ($Lines[0].Trim() -replace '\s+', ' '); Columns = $columns; Rows = $rows; Lines = $Lines }
    }
    if (@($Lines | Where-Object { $_ -match '^\S[^:]*?\s+: ' -or $_ -match '^\s+\S' -or $_ -match '^\S[^:]*?\s+:$' }).Count -eq $Lines.Count -and $Lines[0] -match '^\S[^:]*?\s+:( |$)') {
        $pairs = @($Lines | Where-Object { $_ -match '^\S' } | ForEach-Object {
                $name, $value = $_ -split '\s+:\s?', 2
                [pscustomobject]@{ Name = $name.Trim(); Value = [string]$value }
            })
        return [pscustomobject]@{ Kind = 'list'; Key = (($pairs.Name) -join ', '); Pairs = $pairs; Lines = $Lines }
    }
    $templates = @($Lines | ForEach-Object { Get-LineTemplate -Line $_ })
    return [pscustomobject]@{ Kind = 'text'; Key = $templates[0]; Templates = $templates; Lines = $Lines }
}

function Compare-DocumentExampleOutput {
    <#
    .SYNOPSIS
    What differs in shape between an example's documented output and what it printed now; no
    output means they agree. The blocks must come in the same order and of the same kind: a
    table with the same columns, a list with the same names, text whose first line reads the same
    but for its figures. Within them, a table column or list value that holds figures of one kind
    (numbers, durations, clock times, instants) must hold that kind in both; text lines after the
    first must read the same but for figures (bucket rows compared as a set, both ways), unless
    one side held no data (a reading with no events has no statistics or buckets). A documented
    table with rows must have rows now.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)][AllowEmptyString()][string] $Documented,
        [Parameter(Mandatory)][AllowEmptyString()][string] $Actual
    )

    $doc = Split-OutputBlock -Text $Documented
    $now = Split-OutputBlock -Text $Actual
    $docKeys = @($doc | ForEach-Object { "$($_.Kind): $($_.Key)" })
    $nowKeys = @($now | ForEach-Object { "$($_.Kind): $($_.Key)" })
    if (($docKeys -join "`n") -cne ($nowKeys -join "`n")) {
        "the blocks differ:`n  documented:`n    $($docKeys -join "`n    ")`n  printed now:`n    $($nowKeys -join "`n    ")"
        return
    }
    for ($b = 0; $b -lt $doc.Count; $b++) {
        $d = $doc[$b]
        $n = $now[$b]
        switch ($d.Kind) {
            'table' {
                if ($d.Rows.Count -gt 0 -and $n.Rows.Count -eq 0) {
                    "table '$($d.Key)' has rows in the documentation but printed none"
                }
                for ($c = 0; $c -lt $d.Columns.Count; $c++) {
                    $docKinds = @($d.Rows | ForEach-Object { Get-ValueKind -Value $_[$c] } | Where-Object { $_ -notin 'empty', 'text' } | Sort-Object -Unique)
                    $nowKinds = @($n.Rows | ForEach-Object { Get-ValueKind -Value $_[$c] } | Where-Object { $_ -notin 'empty', 'text' } | Sort-Object -Unique)
                    if ($docKinds.Count -gt 0 -and $nowKinds.Count -gt 0 -and -not ($docKinds | Where-Object { $_ -in $nowKinds })) {
                        "column $($d.Columns[$c]) of table '$($d.Key)' holds $($docKinds -join '/') in the documentation but $($nowKinds -join '/') now"
                    }
                }
            }
            'list' {
                for ($p = 0; $p -lt $d.Pairs.Count; $p++) {
                    $docKind = Get-ValueKind -Value $d.Pairs[$p].Value
                    $nowKind = Get-ValueKind -Value $n.Pairs[$p].Value
                    if ($docKind -notin 'empty', 'text' -and $nowKind -notin 'empty', 'text' -and $docKind -ne $nowKind) {
                        "$($d.Pairs[$p].Name) holds a $docKind in the documentation but a $nowKind now"
                    }
                }
            }
            'text' {
                # Bucket rows (with a bar) vary in number, so they are compared as a set; the
                # other lines are joined first, because where a long line wraps depends on the
                # widths of its figures. A block with no buckets on one side held no data there.
                $docBars = @($d.Templates | Select-Object -Skip 1 | Where-Object { $_ -like '*|<bar>|*' } | Sort-Object -Unique)
                $nowBars = @($n.Templates | Select-Object -Skip 1 | Where-Object { $_ -like '*|<bar>|*' } | Sort-Object -Unique)
                if (($docBars.Count -eq 0) -eq ($nowBars.Count -eq 0)) {
                    $docText = (@($d.Templates | Select-Object -Skip 1 | Where-Object { $_ -notlike '*|<bar>|*' }) -join ' ')
                    $nowText = (@($n.Templates | Select-Object -Skip 1 | Where-Object { $_ -notlike '*|<bar>|*' }) -join ' ')
                    if ($docText -cne $nowText) {
                        "the text under '$($d.Key)' reads differently:`n  documented:  $docText`n  printed now: $nowText"
                    }
                    foreach ($t in $docBars | Where-Object { $_ -cnotin $nowBars }) { "documented row not printed now: $t" }
                    foreach ($t in $nowBars | Where-Object { $_ -cnotin $docBars }) { "printed row not in the documentation: $t" }
                }
            }
        }
    }
}

function Set-DocumentExampleOutput {
    <#
    .SYNOPSIS
    Writes what examples printed into their output blocks (one file, examples of that file).
    #>
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [Parameter(Mandatory)][string] $Path,
        [Parameter(Mandatory)][object[]] $Captured
    )
    $lines = [System.Collections.Generic.List[string]]::new([System.IO.File]::ReadAllLines($Path))
    # From the last example up, so the line numbers of the earlier ones still hold.
    foreach ($c in $Captured | Sort-Object -Property { $_.Example.OutputFirst } -Descending) {
        $count = $c.Example.OutputLast - $c.Example.OutputFirst + 1
        if ($count -gt 0) { $lines.RemoveRange($c.Example.OutputFirst, $count) }
        $new = if ($c.Text -eq '') { @() } else { @($c.Text -split "`n") }
        $lines.InsertRange($c.Example.OutputFirst, [string[]]$new)
    }
    if ($PSCmdlet.ShouldProcess($Path, 'Write the examples'' output')) {
        [System.IO.File]::WriteAllText($Path, (($lines -join "`n") + "`n"))
    }
}

Export-ModuleMember -Function Get-DocumentExample, Invoke-DocumentExample, Compare-DocumentExampleOutput, Set-DocumentExampleOutput

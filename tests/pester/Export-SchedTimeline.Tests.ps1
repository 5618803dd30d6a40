#Requires -Version 7.4
# Needs root: the events come from real BPF programs (see Assert-CanTrace).

BeforeAll {
    . "$PSScriptRoot/TestSupport.ps1"
    Assert-CanTrace
    Import-BuiltModule
    $script:Events = Watch-SchedEvent -Type @('Switch', 'Wakeup') -Duration 1 -Count 2000
}

Describe 'Export-SchedTimeline' {
    BeforeEach {
        $script:Folder = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath ("st-timeline-" + [guid]::NewGuid())
        New-Item -ItemType Directory -Path $script:Folder | Out-Null
        $script:TracePath = Join-Path -Path $script:Folder -ChildPath 'trace.json'
        $script:SvgPath = Join-Path -Path $script:Folder -ChildPath 'trace.svg'
    }

    AfterEach {
        Remove-Item -LiteralPath $script:Folder -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'writes a Perfetto trace with a track per CPU and slices that do not overlap' {
        $script:Events | Export-SchedTimeline -Path $script:TracePath

        $trace = Get-Content -LiteralPath $script:TracePath -Raw | ConvertFrom-Json
        $tracks = $trace.traceEvents | Where-Object { $_.ph -eq 'M' -and $_.name -eq 'thread_name' }
        $cpus = $script:Events | Select-Object -ExpandProperty Cpu -Unique
        @($tracks).Count | Should -BeGreaterOrEqual @($cpus).Count
        $slices = $trace.traceEvents | Where-Object { $_.ph -eq 'X' }
        @($slices).Count | Should -BeGreaterThan 0
        foreach ($track in ($slices | Group-Object tid)) {
            $ordered = $track.Group | Sort-Object { [double]$_.ts }
            for ($i = 1; $i -lt $ordered.Count; $i++) {
                [double]$ordered[$i].ts | Should -BeGreaterOrEqual ([double]$ordered[$i - 1].ts + [double]$ordered[$i - 1].dur - 0.001)
            }
        }
    }

    It 'writes a self-contained SVG' {
        $script:Events | Export-SchedTimeline -SvgPath $script:SvgPath

        [xml]$svg = Get-Content -LiteralPath $script:SvgPath -Raw
        $svg.DocumentElement.LocalName | Should -Be 'svg'
        $svg.DocumentElement.NamespaceURI | Should -Be 'http://www.w3.org/2000/svg'
        (Get-Content -LiteralPath $script:SvgPath -Raw) | Should -Not -Match '<script|href='
    }

    It 'refuses to overwrite without -Force, and returns the files with -PassThru' {
        Set-Content -LiteralPath $script:TracePath -Value 'keep'
        { $script:Events | Export-SchedTimeline -Path $script:TracePath -ErrorAction Stop } |
            Should -Throw -ErrorId 'TimelineFileExists,SchedTrace.PowerShell.ExportSchedTimelineCommand'
        Get-Content -LiteralPath $script:TracePath | Should -Be 'keep'

        $files = $script:Events | Export-SchedTimeline -Path $script:TracePath -SvgPath $script:SvgPath -Force -PassThru
        $files | ForEach-Object { $_ | Should -BeOfType ([System.IO.FileInfo]) }
        @($files).Count | Should -Be 2
    }

    It 'needs at least one output path' {
        { $script:Events | Export-SchedTimeline -ErrorAction Stop } |
            Should -Throw -ErrorId 'TimelineNoOutput,SchedTrace.PowerShell.ExportSchedTimelineCommand'
    }
}

#Requires -Version 7.4
# Needs root: every example with printed output in docs/help and the README runs for real against
# the kernel (scripts/DocumentExamples.psm1 finds, runs and compares them). Figures differ from
# run to run, so a documented block is held to the shape of what the example prints now: the same
# blocks in the same order, the same table columns and list names, values of the same kind, and
# text lines that read the same but for their figures.

BeforeDiscovery {
    $repo = (Resolve-Path -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath '../..')).Path
    Import-Module -Name (Join-Path -Path $repo -ChildPath 'scripts/DocumentExamples.psm1') -Force
    $documents = @(Get-ChildItem -Path (Join-Path -Path $repo -ChildPath 'docs/help/*.md')) + @(Get-Item -LiteralPath (Join-Path -Path $repo -ChildPath 'README.md'))
    $examples = foreach ($document in $documents) {
        foreach ($example in Get-DocumentExample -Path $document.FullName) {
            @{ Name = ("{0}, {1}: {2}" -f $document.Name, $example.Title, $example.Code.Split("`n")[0]); Example = $example }
        }
    }
    $helpFiles = @(Get-ChildItem -Path (Join-Path -Path $repo -ChildPath 'docs/help/*.md') | ForEach-Object { @{ Name = $_.BaseName; Path = $_.FullName } })
}

BeforeAll {
    . "$PSScriptRoot/TestSupport.ps1"
    Assert-CanTrace
    Import-Module -Name (Join-Path -Path $script:RepoRoot -ChildPath 'scripts/DocumentExamples.psm1') -Force
    if (-not (Test-Path -LiteralPath $script:Cli)) {
        throw "The schedtrace CLI $script:Cli is not built: run make build first."
    }
}

Describe 'The examples of the help and the README' {
    It 'shows what the module prints today: <Name>' -ForEach $examples {
        $printed = Invoke-DocumentExample -Example $Example -ModuleManifest $script:ModuleManifest -Cli $script:Cli
        $problems = @(Compare-DocumentExampleOutput -Documented $Example.Output -Actual $printed)
        $problems | Should -BeNullOrEmpty -Because ("the output block at line {0} of {1} must have the shape of what the example prints; it printed:`n{2}`nRun scripts/Update-DocumentExamples.ps1 -Path {1} to capture it again" -f ($Example.OutputFirst + 1), $Example.Path, $printed)
    }

    It 'shows the output of at least one example of <Name>' -ForEach $helpFiles {
        @(Get-DocumentExample -Path $Path | Where-Object Output -NE '').Count | Should -BeGreaterThan 0
    }
}

Describe 'Comparing output by its shape' {
    # The comparison itself must be able to fail: these are the drifts it exists to catch.
    BeforeAll {
        $documented = @'
Cpu Switches Voluntary
--- -------- ---------
  0     1037       619
  1     1403       863
'@ -replace "`r", ''
    }

    It 'accepts the same table with other figures and widths' {
        $printed = "Cpu   Switches Voluntary`n---   -------- ---------`n  0     999999      1`n  1          3      2"
        Compare-DocumentExampleOutput -Documented $documented -Actual $printed | Should -BeNullOrEmpty
    }

    It 'refuses a renamed, added or dropped column' {
        Compare-DocumentExampleOutput -Documented $documented -Actual "Cpu Switches Voluntary FromIdle`n--- -------- --------- --------`n  0 1 2 3" | Should -Not -BeNullOrEmpty
        Compare-DocumentExampleOutput -Documented $documented -Actual "Cpu Switches`n--- --------`n  0 1" | Should -Not -BeNullOrEmpty
        Compare-DocumentExampleOutput -Documented $documented -Actual "Cpu Switches/s Voluntary`n--- ---------- ---------`n  0 1 2" | Should -Not -BeNullOrEmpty
    }

    It 'refuses a figure written in another form' {
        $printed = "Cpu Switches Voluntary`n--- -------- ---------`n  0  1.2 ms       619"
        Compare-DocumentExampleOutput -Documented $documented -Actual $printed | Should -Match 'column Switches'
    }

    It 'refuses a table that printed no rows' {
        Compare-DocumentExampleOutput -Documented $documented -Actual "Cpu Switches Voluntary`n--- -------- ---------" | Should -Match 'printed none'
    }

    It 'refuses a list with other names' {
        Compare-DocumentExampleOutput -Documented "Name  : a`nState : Running" -Actual "Name   : a`nStatus : Running" | Should -Not -BeNullOrEmpty
    }

    It 'holds text lines to their wording, not their figures' {
        $histogram = "Run-queue latency · 14,376 events in 5.0 s`nmin 631 ns  mean 472.0 µs`n   512-1024 ns    751 |****    |"
        Compare-DocumentExampleOutput -Documented $histogram -Actual "Run-queue latency · 3 events in 1.2 ms`nmin 1.2 µs  mean 2.0 s`n  1.02-2.05 µs  1,547 |**      |" | Should -BeNullOrEmpty
        Compare-DocumentExampleOutput -Documented $histogram -Actual "Run-queue latency · 1 event in 1.2 ms`nmin 1.2 µs  mean 2.0 s`n  1.02-2.05 µs      1 |**      |" | Should -BeNullOrEmpty
        Compare-DocumentExampleOutput -Documented $histogram -Actual "Run-queue latency · 3 events in 1.2 ms`nminimum 1.2 µs  mean 2.0 s`n  1.02-2.05 µs  1,547 |**      |" | Should -Not -BeNullOrEmpty
        Compare-DocumentExampleOutput -Documented $histogram -Actual "Run-queue latency · 3 events in 1.2 ms`nmin 1.2 µs  mean 2.0 s`n  1.02-2.05 µs  1,547 |**      |`np99 4 ms" | Should -Not -BeNullOrEmpty
    }

    It 'refuses blocks in another order or number' {
        Compare-DocumentExampleOutput -Documented "$documented`n`nmin 1 ns" -Actual $documented | Should -Match 'blocks differ'
    }
}

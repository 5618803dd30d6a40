#Requires -Version 7.4
<#
.SYNOPSIS
Builds the SchedTrace module; with -Test, also runs the xunit and Pester tests.

.DESCRIPTION
The build itself lays the module out in out/SchedTrace/<version>/ (MSBuild target LayoutModule,
version from Directory.Build.props), so this script only drives dotnet and reports where the
module is. -Test runs dotnet test, then Pester in a fresh pwsh -NoProfile so that the built
module loads into a clean session, and ends with one line, "N passed, N failed", for both
suites. The kernel tests load BPF programs and need root. Exits non-zero when the build or any
test fails, or when a test was skipped in CI (CI=true), where nothing may skip.

Pester 5 comes from .tools/packages, where `make deps` (scripts/install-deps.sh) installs it,
or else from the modules installed for this pwsh.

.PARAMETER Configuration
The dotnet build configuration. Release by default.

.PARAMETER Test
After building, run dotnet test and the Pester tests in tests/pester.

.PARAMETER NoBuild
Test what is already built (make test builds first).

.EXAMPLE
./build.ps1

.EXAMPLE
sudo pwsh ./build.ps1 -Test -Configuration Debug
#>
[CmdletBinding()]
param(
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    [switch] $Test,

    [switch] $NoBuild
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$solution = Join-Path -Path $PSScriptRoot -ChildPath 'SchedTrace.slnx'
[xml]$buildProps = Get-Content -Raw -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath 'Directory.Build.props')
$version = @($buildProps.Project.PropertyGroup.Version | Where-Object { $_ })[0].Trim()
$moduleFolder = Join-Path -Path $PSScriptRoot -ChildPath "out/SchedTrace/$version"

function Find-Pester {
    # The Pester the project installed first, so every machine runs the same one.
    $projectCopies = @(Get-ChildItem -Path (Join-Path -Path $PSScriptRoot -ChildPath '.tools/packages/pester/*/tools/Pester.psd1') -ErrorAction Ignore |
            Where-Object { $_.Directory.Parent.Name -match '^5\.' } |
            Sort-Object -Property { [version]$_.Directory.Parent.Name } -Descending)
    if ($projectCopies.Count -gt 0) {
        return $projectCopies[0].FullName
    }
    $installed = Get-Module -ListAvailable -Name 'Pester' | Where-Object { $_.Version.Major -eq 5 } | Sort-Object -Property Version -Descending | Select-Object -First 1
    if ($installed) {
        return $installed.Path
    }
    return $null
}

if ($Test) {
    # Said before anything runs, and not as a test failure: a missing tool is not a broken test.
    $pester = Find-Pester
    if (-not $pester) {
        Write-Error -Message 'Pester 5 is not installed, so the Pester tests cannot run. Run `sudo make deps` (it installs Pester 5.7.1 into .tools/packages), or Install-Module -Name Pester -MinimumVersion 5.0.' -ErrorAction Continue
        exit 2
    }
}

if (-not $NoBuild) {
    dotnet build $solution --configuration $Configuration
    if ($LASTEXITCODE -ne 0) {
        Write-Error -Message "dotnet build failed (exit code $LASTEXITCODE)." -ErrorAction Continue
        exit 1
    }
}
Write-Information -MessageData "Module: $moduleFolder" -InformationAction Continue

if (-not $Test) {
    exit 0
}

$inCi = $env:CI -eq 'true'
$results = Join-Path -Path $PSScriptRoot -ChildPath 'TestResults'
$null = New-Item -ItemType Directory -Path $results -Force
$trx = Join-Path -Path $results -ChildPath 'xunit.trx'
$pesterCounts = Join-Path -Path $results -ChildPath 'pester.json'
Remove-Item -LiteralPath $trx, $pesterCounts -ErrorAction Ignore

# Both suites run even when the first fails, so one run reports everything that is broken.
$problems = [System.Collections.Generic.List[string]]::new()
$passed = 0
$failed = 0

dotnet test $solution --configuration $Configuration --no-build --logger "trx;LogFileName=$trx"
$xunitExit = $LASTEXITCODE
if (Test-Path -LiteralPath $trx) {
    $counters = ([xml](Get-Content -Raw -LiteralPath $trx)).TestRun.ResultSummary.Counters
    $passed += [int]$counters.passed
    $failed += [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
    $skipped = [int]$counters.total - [int]$counters.executed
    if ($skipped -gt 0 -and $inCi) {
        $failed += $skipped
        $problems.Add("xunit skipped $skipped test(s), which CI does not allow")
    }
}
else {
    $failed++
    $problems.Add("dotnet test wrote no results (exit code $xunitExit)")
}
if ($xunitExit -ne 0 -and $failed -eq 0) {
    $failed++
    $problems.Add("dotnet test failed (exit code $xunitExit) with no failed test")
}

# A child process: no profile, no module already loaded from an earlier build. It writes its
# counts to a file, so a crash of the child is told apart from failed tests.
$runPester = {
    param([string] $PesterManifest, [string] $TestPath, [string] $CountsPath)
    $ErrorActionPreference = 'Stop'
    Import-Module -Name $PesterManifest
    $configuration = New-PesterConfiguration
    $configuration.Run.Path = $TestPath
    $configuration.Run.PassThru = $true
    $configuration.Output.Verbosity = 'Normal'
    $run = Invoke-Pester -Configuration $configuration
    [ordered]@{
        Passed           = $run.PassedCount
        Failed           = $run.FailedCount
        Skipped          = $run.SkippedCount
        NotRun           = $run.NotRunCount
        FailedBlocks     = $run.FailedBlocksCount
        FailedContainers = $run.FailedContainersCount
    } | ConvertTo-Json | Set-Content -LiteralPath $CountsPath
}
# The same PowerShell that runs this script, not whichever pwsh is first on PATH.
$pwsh = Join-Path -Path $PSHOME -ChildPath 'pwsh'
& $pwsh -NoProfile -NonInteractive -Command $runPester -args $pester, (Join-Path -Path $PSScriptRoot -ChildPath 'tests/pester'), $pesterCounts
$pesterExit = $LASTEXITCODE
if (Test-Path -LiteralPath $pesterCounts) {
    $counts = Get-Content -Raw -LiteralPath $pesterCounts | ConvertFrom-Json
    $passed += $counts.Passed
    $failed += $counts.Failed
    # A block whose BeforeAll failed, or a file that failed to load, fails no test by itself.
    $broken = $counts.FailedBlocks + $counts.FailedContainers
    if ($broken -gt 0) {
        $failed += $broken
        $problems.Add("Pester: $($counts.FailedBlocks) block(s) and $($counts.FailedContainers) file(s) failed outside a test")
    }
    $skipped = $counts.Skipped + $counts.NotRun
    if ($skipped -gt 0 -and $inCi) {
        $failed += $skipped
        $problems.Add("Pester skipped or did not run $skipped test(s), which CI does not allow")
    }
}
else {
    $failed++
    $problems.Add("Pester wrote no results (exit code $pesterExit)")
}

foreach ($problem in $problems) {
    Write-Warning -Message $problem
}
"$passed passed, $failed failed"
exit ($failed -gt 0 ? 1 : 0)

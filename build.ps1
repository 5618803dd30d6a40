#Requires -Version 7.4
<#
.SYNOPSIS
Builds the SchedTrace module; with -Test, also runs the xunit and Pester tests.

.DESCRIPTION
The build itself lays the module out in out/SchedTrace/<version>/ (MSBuild target LayoutModule,
version from Directory.Build.props), so this script only drives dotnet and reports where the
module is. -Test runs dotnet test, then Pester in a fresh pwsh -NoProfile so that the built
module loads into a clean session. The kernel tests load BPF programs and need root.
Exits non-zero when the build or any test fails.

.PARAMETER Configuration
The dotnet build configuration. Release by default.

.PARAMETER Test
After building, run dotnet test and the Pester tests in tests/pester.

.EXAMPLE
./build.ps1

.EXAMPLE
sudo pwsh ./build.ps1 -Test -Configuration Debug
#>
[CmdletBinding()]
param(
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    [switch] $Test
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$solution = Join-Path -Path $PSScriptRoot -ChildPath 'SchedTrace.slnx'
[xml]$buildProps = Get-Content -Raw -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath 'Directory.Build.props')
$version = @($buildProps.Project.PropertyGroup.Version | Where-Object { $_ })[0].Trim()
$moduleFolder = Join-Path -Path $PSScriptRoot -ChildPath "out/SchedTrace/$version"

dotnet build $solution --configuration $Configuration
if ($LASTEXITCODE -ne 0) {
    Write-Error -Message "dotnet build failed (exit code $LASTEXITCODE)." -ErrorAction Continue
    exit 1
}
Write-Information -MessageData "Module: $moduleFolder" -InformationAction Continue

if (-not $Test) {
    exit 0
}

# Run both suites even when the first fails, so one run reports everything that is broken.
$failed = [System.Collections.Generic.List[string]]::new()

dotnet test $solution --configuration $Configuration --no-build
if ($LASTEXITCODE -ne 0) {
    $failed.Add("dotnet test (exit code $LASTEXITCODE)")
}

# A child process: no profile, no module already loaded from an earlier build, and an exit
# code (Run.Exit: the number of failed tests) that says whether Pester passed.
$runPester = {
    param([string] $TestPath)
    $ErrorActionPreference = 'Stop'
    Import-Module -Name 'Pester' -MinimumVersion '5.0.0'
    $configuration = New-PesterConfiguration
    $configuration.Run.Path = $TestPath
    $configuration.Run.Exit = $true
    $configuration.Output.Verbosity = 'Detailed'
    Invoke-Pester -Configuration $configuration
}
# The same PowerShell that runs this script, not whichever pwsh is first on PATH.
$pwsh = Join-Path -Path $PSHOME -ChildPath 'pwsh'
& $pwsh -NoProfile -NonInteractive -Command $runPester -args (Join-Path -Path $PSScriptRoot -ChildPath 'tests/pester')
if ($LASTEXITCODE -ne 0) {
    $failed.Add("Pester (exit code $LASTEXITCODE)")
}

if ($failed.Count -gt 0) {
    Write-Error -Message "Failed: $($failed -join '; ')." -ErrorAction Continue
    exit 1
}
Write-Information -MessageData 'All tests passed.' -InformationAction Continue

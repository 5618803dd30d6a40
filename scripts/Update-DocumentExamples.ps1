#Requires -Version 7.4
<#
.SYNOPSIS
Runs the examples of the help and the README and writes what each printed into its output block.

.DESCRIPTION
An example is a ```powershell block followed by an ```output block, or a "$ command" line of a
```console block followed by its output (scripts/DocumentExamples.psm1 says how they are found
and run). Each runs for real, as root, against the built module and CLI, at 80 columns, and its
output replaces the block's. tests/pester/Help.Tests.ps1 runs them again and fails when a block
no longer has the shape of what the module prints. Build first (make build).

.PARAMETER Path
The markdown files; by default every file in docs/help and the README.

.PARAMETER Title
Only the examples whose heading matches this wildcard.

.EXAMPLE
sudo scripts/pwsh scripts/Update-DocumentExamples.ps1 -Path docs/help/Get-ProcessCpuTime.md
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [string[]] $Path,
    [string] $Title = '*'
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$repo = (Resolve-Path -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath '..')).Path
. (Join-Path -Path $repo -ChildPath 'tests/pester/TestSupport.ps1')
Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'DocumentExamples.psm1') -Force
if (-not $Path) {
    $Path = @(Get-ChildItem -Path (Join-Path -Path $repo -ChildPath 'docs/help/*.md')).FullName + (Join-Path -Path $repo -ChildPath 'README.md')
}
foreach ($file in $Path) {
    $examples = @(Get-DocumentExample -Path (Resolve-Path -LiteralPath $file).Path | Where-Object Title -Like $Title)
    $captured = foreach ($example in $examples) {
        Write-Host "${file}: $($example.Title): $($example.Code.Split("`n")[0])"
        [pscustomobject]@{ Example = $example; Text = (Invoke-DocumentExample -Example $example -ModuleManifest $script:ModuleManifest -Cli $script:Cli) }
    }
    if ($captured) {
        Set-DocumentExampleOutput -Path (Resolve-Path -LiteralPath $file).Path -Captured $captured
    }
}

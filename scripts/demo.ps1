#Requires -Version 7.4
<#
.SYNOPSIS
The main job, as a user runs it: import the built module and take a real reading through its
own views: context switches per CPU, then the busiest processes. Needs root (BPF).
#>
[CmdletBinding()]
param(
    [double] $Seconds = 2
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$repo = Split-Path -Path $PSScriptRoot -Parent
[xml]$buildProps = Get-Content -Raw -LiteralPath (Join-Path -Path $repo -ChildPath 'Directory.Build.props')
$version = @($buildProps.Project.PropertyGroup.Version | Where-Object { $_ })[0].Trim()
Import-Module -Name (Join-Path -Path $repo -ChildPath "out/SchedTrace/$version/SchedTrace.psd1")

Write-Host "PS> Get-ContextSwitchCount -Duration $Seconds"
Get-ContextSwitchCount -Duration $Seconds | Out-Host

Write-Host "PS> Get-ProcessCpuTime -Duration $Seconds -Top 5"
Get-ProcessCpuTime -Duration $Seconds -Top 5 | Out-Host

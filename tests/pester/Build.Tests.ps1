#Requires -Version 7.4
# build.ps1 itself: the test driver that `make test` runs. Needs no privileges.

BeforeAll {
    . "$PSScriptRoot/TestSupport.ps1"
}

Describe 'build.ps1' {
    It 'says plainly that Pester is missing, before running anything, and exits 2' {
        # A copy of the script beside a project with no .tools/, run by a pwsh that sees no
        # installed modules: there is no Pester for it to find.
        $root = Join-Path -Path $TestDrive -ChildPath 'project'
        $null = New-Item -ItemType Directory -Path $root
        Copy-Item -LiteralPath (Join-Path -Path $RepoRoot -ChildPath 'build.ps1'), (Join-Path -Path $RepoRoot -ChildPath 'Directory.Build.props') -Destination $root
        $pwsh = Join-Path -Path $PSHOME -ChildPath 'pwsh'
        $command = "`$env:PSModulePath = '$TestDrive/no-modules'; & '$root/build.ps1' -Test -NoBuild; exit `$LASTEXITCODE"

        $output = & $pwsh -NoProfile -NonInteractive -Command $command 2>&1 | Out-String
        $exitCode = $LASTEXITCODE

        $exitCode | Should -Be 2
        $output | Should -BeLike '*Pester 5 is not installed*make deps*'
        # Nothing ran: no test counts, no dotnet output.
        $output | Should -Not -BeLike '*passed,*failed*'
        Test-Path -LiteralPath (Join-Path -Path $root -ChildPath 'TestResults') | Should -BeFalse
    }

    It 'finds the Pester that make deps installed into .tools/packages' {
        $manifest = @(Get-ChildItem -Path (Join-Path -Path $RepoRoot -ChildPath '.tools/packages/pester/*/tools/Pester.psd1'))

        $manifest.Count | Should -BeGreaterThan 0
        (Test-ModuleManifest -Path $manifest[0].FullName).Version.Major | Should -Be 5
    }
}

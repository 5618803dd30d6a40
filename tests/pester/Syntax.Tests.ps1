#Requires -Version 7.4
# Every PowerShell file in the repository, parsed by PowerShell's own parser. Needs no privileges.

BeforeDiscovery {
    # Files git tracks or would track (untracked but not ignored): a new script is checked before
    # it is committed, while .tools/, bin/, obj/ and out/ stay out.
    $repo = (Resolve-Path -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath '../..')).Path
    $script:PowerShellFiles = @(git -C $repo ls-files --cached --others --exclude-standard -- '*.ps1' '*.psm1' '*.psd1' |
            ForEach-Object { Join-Path -Path $repo -ChildPath $_ } |
            Where-Object { Test-Path -LiteralPath $_ } |
            Sort-Object -Unique)
}

Describe 'PowerShell files' {
    It 'include the manifest and the test driver' {
        $names = $PowerShellFiles | ForEach-Object { Split-Path -Path $_ -Leaf }

        $names | Should -Contain 'SchedTrace.psd1'
        $names | Should -Contain 'build.ps1'
    }

    It '<_> parses' -ForEach $PowerShellFiles {
        $tokens = $null
        $errors = $null
        $null = [System.Management.Automation.Language.Parser]::ParseFile($_, [ref]$tokens, [ref]$errors)

        $errors | ForEach-Object { "$($_.Extent.StartLineNumber):$($_.Extent.StartColumnNumber) $($_.Message)" } | Should -BeNullOrEmpty
    }

    It 'the parser rejects a broken script, so the check above can fail' {
        $broken = Join-Path -Path $TestDrive -ChildPath 'broken.ps1'
        Set-Content -LiteralPath $broken -Value "Get-ChildItem | ForEach-Object {`n    `$_.Name`n"
        $tokens = $null
        $errors = $null
        $null = [System.Management.Automation.Language.Parser]::ParseFile($broken, [ref]$tokens, [ref]$errors)

        $errors.Count | Should -BeGreaterThan 0
    }
}

#Requires -Version 7.4
# The help's text checked against the code: each parameter's "Default value" is the code's own
# default or, where the code has none, the words its help file states (and HelpGen refuses words
# that contradict the code); about_SchedTrace describes every cmdlet, feature and error id the
# code has, and its examples use only commands and parameters that exist. Needs no privileges.

BeforeDiscovery {
    . "$PSScriptRoot/TestSupport.ps1"
}

BeforeAll {
    . "$PSScriptRoot/TestSupport.ps1"
    Import-BuiltModule

    $script:AboutSource = Join-Path -Path $RepoRoot -ChildPath 'src/SchedTrace.PowerShell/en-US/about_SchedTrace.help.txt'
    $script:AboutLines = @(Get-Content -LiteralPath $AboutSource)
    $script:HelpDocs = Join-Path -Path $RepoRoot -ChildPath 'docs/help'

    function Get-AboutSection {
        # The lines of one section of about_SchedTrace: a top-level heading (SEE ALSO) runs to
        # the next one; a two-space subsection (  ERRORS) to the next heading of either kind.
        param([Parameter(Mandatory)][string]$Heading)
        $start = [array]::IndexOf($AboutLines, $Heading)
        if ($start -lt 0) { throw "about_SchedTrace has no '$Heading' heading" }
        $pattern = if ($Heading.StartsWith('  ')) { '^(  )?\S' } else { '^\S' }
        $end = $start + 1
        while ($end -lt $AboutLines.Count -and $AboutLines[$end] -notmatch $pattern) { $end++ }
        $AboutLines[($start + 1)..($end - 1)]
    }

    function Get-StatedDefault {
        # The "Default value: words" paragraph of each parameter's section in docs/help/<Cmdlet>.md.
        param([Parameter(Mandatory)][string]$CmdletName)
        $stated = @{}
        $section = $null
        $parameter = $null
        foreach ($line in Get-Content -LiteralPath (Join-Path -Path $HelpDocs -ChildPath "$CmdletName.md")) {
            if ($line -match '^## (.+)$') { $section = $Matches[1].Trim(); $parameter = $null; continue }
            if ($section -eq 'PARAMETERS' -and $line -match '^### -(\w+)') { $parameter = $Matches[1]; continue }
            if ($parameter -and $line -match '^Default value:\s*(.+)$') { $stated[$parameter] = $Matches[1].Trim() }
        }
        $stated
    }

    function Format-CodeDefault {
        # The initial value of a cmdlet property, in the words SchedTrace.HelpGen writes
        # (CmdletReader.DefaultText): null, zero and empty are "None"; TimeSpans are seconds.
        param($Value, [type]$Type)
        if ($Type -eq [System.Management.Automation.SwitchParameter]) { return 'False' }
        if ($null -eq $Value) { return 'None' }
        if ($Value -is [timespan]) {
            if ($Value -eq [timespan]::Zero) { return 'None' }
            $seconds = $Value.TotalSeconds.ToString([cultureinfo]::InvariantCulture)
            return $(if ($Value -eq [timespan]::FromSeconds(1)) { "$seconds second" } else { "$seconds seconds" })
        }
        if ($Value -is [int] -and $Value -eq 0) { return 'None' }
        if ($Value -is [bool]) { return $(if ($Value) { 'True' } else { 'False' }) }
        if ($Value -is [array]) { return $(if ($Value.Count -eq 0) { 'None' } else { ($Value | ForEach-Object { [string]$_ }) -join ', ' }) }
        [System.Convert]::ToString($Value, [cultureinfo]::InvariantCulture)
    }

    function Get-HelpGenCommand {
        # How the build runs SchedTrace.HelpGen: the generator, the module assembly, and the
        # PowerShellStandard reference the module was compiled against (from its restore).
        $generator = 'Release', 'Debug' | ForEach-Object { Join-Path -Path $RepoRoot -ChildPath "tools/SchedTrace.HelpGen/bin/$_/net10.0/SchedTrace.HelpGen.dll" } | Where-Object { Test-Path -LiteralPath $_ } | Select-Object -First 1
        $assets = Get-Content -Raw -LiteralPath (Join-Path -Path $RepoRoot -ChildPath 'src/SchedTrace.PowerShell/obj/project.assets.json') | ConvertFrom-Json -AsHashtable
        $library = $assets.libraries.Keys | Where-Object { $_ -like 'PowerShellStandard.Library/*' } | Select-Object -First 1
        $reference = foreach ($folder in $assets.packageFolders.Keys) {
            Join-Path -Path $folder -ChildPath "$($assets.libraries[$library].path)/lib/netstandard2.0/System.Management.Automation.dll"
        }
        [pscustomobject]@{
            Generator = $generator
            Assembly  = Join-Path -Path (Split-Path -Path $ModuleManifest -Parent) -ChildPath 'SchedTrace.PowerShell.dll'
            Reference = $reference | Where-Object { Test-Path -LiteralPath $_ } | Select-Object -First 1
        }
    }

    function Invoke-HelpGen {
        # Runs the generator on a copy of docs/help changed by $Edit; returns its exit code and errors.
        param([Parameter(Mandatory)][scriptblock]$Edit)
        $helpGen = Get-HelpGenCommand
        $docs = Join-Path -Path $TestDrive -ChildPath ([guid]::NewGuid())
        New-Item -ItemType Directory -Path $docs | Out-Null
        Copy-Item -Path (Join-Path -Path $HelpDocs -ChildPath '*.md') -Destination $docs
        & $Edit $docs
        $out = Join-Path -Path $docs -ChildPath 'help.xml'
        $errors = & dotnet $helpGen.Generator --assembly $helpGen.Assembly --docs $docs --out $out --version $ModuleVersion --reference $helpGen.Reference 2>&1 | Out-String
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $errors; Written = Test-Path -LiteralPath $out }
    }

    function Get-SourceErrorId {
        # Every error id the code raises, found as the code defines them: the id argument of each
        # SchedTraceException (new SchedTraceException(kind, id, ...), or new(kind, id, ...)) and of
        # each ErrorRecord built with a literal ErrorCategory. An id passed through a helper's
        # parameter (Invalid(id, ...), NotFound(..., errorId, ...), $"Invalid{name}") is followed to
        # every call of that helper in its class; a const is read from its declaration. An argument
        # that none of this explains fails the call, so a new way of passing ids cannot hide one.
        param([Parameter(Mandatory)][string]$SourceRoot)
        Add-Type -AssemblyName Microsoft.CodeAnalysis.CSharp
        $cs = 'Microsoft.CodeAnalysis.CSharp.Syntax'
        $files = Get-ChildItem -LiteralPath $SourceRoot -Recurse -Filter '*.cs' | Where-Object { $_.FullName -notmatch '[\\/](bin|obj)[\\/]' }
        $roots = foreach ($file in $files) {
            [Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree]::ParseText((Get-Content -Raw -LiteralPath $file.FullName), $null, $file.FullName).GetRoot()
        }
        $nodes = @(foreach ($root in $roots) { $root.DescendantNodes() })
        $consts = @{}
        foreach ($field in $nodes.Where({ $_ -is [Microsoft.CodeAnalysis.CSharp.Syntax.FieldDeclarationSyntax] })) {
            if ($field.Modifiers.Text -contains 'const') {
                foreach ($variable in $field.Declaration.Variables) {
                    if ($variable.Initializer.Value -is [Microsoft.CodeAnalysis.CSharp.Syntax.LiteralExpressionSyntax]) {
                        $consts[$variable.Identifier.Text] = $variable.Initializer.Value.Token.ValueText
                    }
                }
            }
        }
        $invocations = $nodes.Where({ $_ -is [Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax] })
        function NameOf($expression) {
            if ($expression -is [Microsoft.CodeAnalysis.CSharp.Syntax.MemberAccessExpressionSyntax]) { return $expression.Name.Identifier.Text }
            if ($expression -is [Microsoft.CodeAnalysis.CSharp.Syntax.SimpleNameSyntax]) { return $expression.Identifier.Text }
            $null
        }
        function ClassOf($node) {
            $node.AncestorsAndSelf() | Where-Object { $_ -is [Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax] } | Select-Object -Last 1 | ForEach-Object { $_.Identifier.Text }
        }
        function Resolve($expression) {
            $e = $expression
            if ($e -is [Microsoft.CodeAnalysis.CSharp.Syntax.LiteralExpressionSyntax]) { return $e.Token.ValueText }
            if ($e -is [Microsoft.CodeAnalysis.CSharp.Syntax.InterpolatedStringExpressionSyntax]) {
                $texts = @('')
                foreach ($part in $e.Contents) {
                    $values = if ($part -is [Microsoft.CodeAnalysis.CSharp.Syntax.InterpolatedStringTextSyntax]) { @($part.TextToken.ValueText) } else { @(Resolve $part.Expression) }
                    $texts = @(foreach ($t in $texts) { foreach ($v in $values) { $t + $v } })
                }
                return $texts
            }
            $name = NameOf $e
            if ($e -is [Microsoft.CodeAnalysis.CSharp.Syntax.IdentifierNameSyntax]) {
                $method = $e.Ancestors() | Where-Object { $_ -is [Microsoft.CodeAnalysis.CSharp.Syntax.BaseMethodDeclarationSyntax] -or $_ -is [Microsoft.CodeAnalysis.CSharp.Syntax.LocalFunctionStatementSyntax] } | Select-Object -First 1
                $index = if ($method) { @($method.ParameterList.Parameters.Identifier.Text).IndexOf($name) } else { -1 }
                if ($index -ge 0) {
                    # A private helper is called from its own class; another from any class that
                    # does not declare a method of that name itself.
                    $class = ClassOf $method
                    $helper = $method.Identifier.Text
                    $declaring = @($nodes.Where({ $_ -is [Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax] -and $_.Identifier.Text -ceq $helper }) | ForEach-Object { ClassOf $_ })
                    $private = $method.Modifiers.Text -contains 'private' -or $method -is [Microsoft.CodeAnalysis.CSharp.Syntax.LocalFunctionStatementSyntax]
                    $calls = @($invocations.Where({
                        (NameOf $_.Expression) -ceq $helper -and $_.ArgumentList.Arguments.Count -gt $index -and
                        ((ClassOf $_) -ceq $class -or (-not $private -and (ClassOf $_) -cnotin $declaring))
                    }))
                    if ($calls.Count -eq 0) { throw "No call passes the id parameter '$name' of $class.$($method.Identifier.Text) at $($e.GetLocation().GetLineSpan())" }
                    return $calls | ForEach-Object { Resolve $_.ArgumentList.Arguments[$index].Expression }
                }
            }
            if ($name -and $consts.ContainsKey($name)) { return $consts[$name] }
            throw "Cannot tell which error id '$e' is, at $($e.GetLocation().GetLineSpan())"
        }
        $rewrapped = { param($e) (NameOf $e) -ceq 'ErrorId' }
        foreach ($creation in $nodes.Where({ $_ -is [Microsoft.CodeAnalysis.CSharp.Syntax.BaseObjectCreationExpressionSyntax] })) {
            $arguments = @($creation.ArgumentList.Arguments)
            if ($arguments.Count -lt 3) { continue }
            $first = $arguments[0].Expression
            $third = $arguments[2].Expression
            if ($first -is [Microsoft.CodeAnalysis.CSharp.Syntax.MemberAccessExpressionSyntax] -and $first.Expression.ToString() -ceq 'SchedTraceErrorKind') {
                foreach ($id in Resolve $arguments[1].Expression) {
                    [pscustomobject]@{ Id = $id; Kind = $first.Name.Identifier.Text; Category = $null; Site = $creation.GetLocation().GetLineSpan().ToString() }
                }
            }
            elseif (($creation -is [Microsoft.CodeAnalysis.CSharp.Syntax.ObjectCreationExpressionSyntax] -and $creation.Type.ToString() -ceq 'ErrorRecord') -or
                ($creation -is [Microsoft.CodeAnalysis.CSharp.Syntax.ImplicitObjectCreationExpressionSyntax] -and $third -is [Microsoft.CodeAnalysis.CSharp.Syntax.MemberAccessExpressionSyntax] -and $third.Expression.ToString() -ceq 'ErrorCategory')) {
                if (& $rewrapped $arguments[1].Expression) { continue }
                if (-not ($third -is [Microsoft.CodeAnalysis.CSharp.Syntax.MemberAccessExpressionSyntax] -and $third.Expression.ToString() -ceq 'ErrorCategory')) {
                    throw "An ErrorRecord whose category is not written out: $($creation.GetLocation().GetLineSpan())"
                }
                foreach ($id in Resolve $arguments[1].Expression) {
                    [pscustomobject]@{ Id = $id; Kind = $null; Category = $third.Name.Identifier.Text; Site = $creation.GetLocation().GetLineSpan().ToString() }
                }
            }
        }
    }

    function Get-ErrorCategory {
        # The ErrorCategory each source error id reaches PowerShell with: a SchedTraceException's
        # kind through SchedTraceCmdlet.CategoryFor (the module's own mapping, called), unless a
        # cmdlet's switch on the id picks another (Export-SchedTimeline's file errors).
        param([Parameter(Mandatory)][object[]]$SourceIds, [Parameter(Mandatory)][string]$SourceRoot)
        $assembly = (Get-Command -Name 'Get-SchedTrace').ImplementingType.Assembly
        $categoryFor = $assembly.GetType('SchedTrace.PowerShell.SchedTraceCmdlet').GetMethod('CategoryFor', [System.Reflection.BindingFlags]'NonPublic, Static')
        $overrides = @{}
        foreach ($file in Get-ChildItem -LiteralPath $SourceRoot -Recurse -Filter '*.cs' | Where-Object { $_.FullName -notmatch '[\\/](bin|obj)[\\/]' }) {
            $text = Get-Content -Raw -LiteralPath $file.FullName
            foreach ($arm in [regex]::Matches($text, '(?m)^\s*(?:\w+\.)?(\w+ErrorId) => ErrorCategory\.(\w+),')) {
                $constant = [regex]::Match((Get-ChildItem -LiteralPath $SourceRoot -Recurse -Filter '*.cs' | Get-Content -Raw) -join "`n", "const string $($arm.Groups[1].Value) = `"(\w+)`"")
                $overrides[$constant.Groups[1].Value] = $arm.Groups[2].Value
            }
        }
        foreach ($source in $SourceIds) {
            $category = if ($overrides.ContainsKey($source.Id)) { $overrides[$source.Id] }
                elseif ($source.Category) { $source.Category }
                else { [string]$categoryFor.Invoke($null, @([SchedTrace.SchedTraceErrorKind]$source.Kind)) }
            [pscustomobject]@{ Id = $source.Id; Category = $category; Site = $source.Site }
        }
    }

    function Get-AboutErrorEntry {
        # ERRORS lists "Id  Category. what to do", the id alone on its line when it is long.
        $lines = @(Get-AboutSection -Heading '  ERRORS')
        for ($i = 0; $i -lt $lines.Count; $i++) {
            if ($lines[$i] -match '^    (\w+) +(\w+)\. ') {
                [pscustomobject]@{ Id = $Matches[1]; Category = $Matches[2] }
            }
            elseif ($lines[$i] -match '^    (\w+)$') {
                $id = $Matches[1]
                if ($i + 1 -lt $lines.Count -and $lines[$i + 1] -match '^ {25}(\w+)\. ') {
                    [pscustomobject]@{ Id = $id; Category = $Matches[1] }
                }
            }
        }
    }
}

Describe 'Parameter defaults in the cmdlet help' {
    It '<_>: each default is the code''s, or where the code has none, "None" or the words its help file states' -ForEach $CmdletNames {
        $command = Get-Command -Name $_ -Module 'SchedTrace'
        $instance = [System.Activator]::CreateInstance($command.ImplementingType)
        $stated = Get-StatedDefault -CmdletName $_
        foreach ($parameter in (Get-Help -Name $_ -Full).parameters.parameter) {
            $property = $command.ImplementingType.GetProperty($parameter.name)
            # -WhatIf and -Confirm are PowerShell's, not properties of the cmdlet.
            $code = if ($property) { Format-CodeDefault -Value $property.GetValue($instance) -Type $property.PropertyType } else { 'False' }
            $expected = if ($stated.ContainsKey($parameter.name)) { $stated[$parameter.name] } else { $code }
            if ($stated.ContainsKey($parameter.name)) {
                $code | Should -Be 'None' -Because "$_ -$($parameter.name) states '$expected' in words, which is only allowed where the code has no default"
            }
            $parameter.defaultValue | Should -BeExactly $expected -Because "$_ -$($parameter.name)"
            # The stated words are the default, not description text.
            ($parameter.description.Text -join "`n") | Should -Not -Match 'Default value:' -Because "$_ -$($parameter.name)"
        }
    }

    It '<Cmdlet> -<Parameter> says "<Pattern>" for its default' -ForEach @(
        @{ Cmdlet = 'Measure-OffCpuTime'; Parameter = 'Duration'; Pattern = 'until Ctrl\+C' }
        @{ Cmdlet = 'Measure-RunQueueLatency'; Parameter = 'Duration'; Pattern = 'until Ctrl\+C' }
        @{ Cmdlet = 'Measure-ScheduleTime'; Parameter = 'Duration'; Pattern = 'until Ctrl\+C' }
        @{ Cmdlet = 'Measure-OnCpuTime'; Parameter = 'Duration'; Pattern = 'until Ctrl\+C' }
        @{ Cmdlet = 'Watch-PriorityInversion'; Parameter = 'Duration'; Pattern = 'until Ctrl\+C' }
        @{ Cmdlet = 'Watch-SchedEvent'; Parameter = 'Duration'; Pattern = 'until Ctrl\+C or -Count' }
        @{ Cmdlet = 'Watch-SchedEvent'; Parameter = 'Count'; Pattern = 'until Ctrl\+C or -Duration' }
        @{ Cmdlet = 'Watch-PriorityInversion'; Parameter = 'Kind'; Pattern = '^RunQueue, Lock\b' }
        @{ Cmdlet = 'Get-ProcessCpuTime'; Parameter = 'Top'; Pattern = '^every process' }
        @{ Cmdlet = 'Watch-SchedEvent'; Parameter = 'MinRuntime'; Pattern = '^every switch$' }
        @{ Cmdlet = 'Get-ContextSwitchCount'; Parameter = 'Count'; Pattern = 'until Ctrl\+C' }
        @{ Cmdlet = 'Get-ProcessCpuTime'; Parameter = 'Count'; Pattern = 'until Ctrl\+C' }
        @{ Cmdlet = 'Measure-OffCpuTime'; Parameter = 'Count'; Pattern = 'until Ctrl\+C' }
        @{ Cmdlet = 'Measure-RunQueueLatency'; Parameter = 'Count'; Pattern = 'until Ctrl\+C' }
        @{ Cmdlet = 'Measure-ScheduleTime'; Parameter = 'Count'; Pattern = 'until Ctrl\+C' }
        @{ Cmdlet = 'Measure-OnCpuTime'; Parameter = 'Count'; Pattern = 'until Ctrl\+C' }
        @{ Cmdlet = 'Get-ContextSwitchCount'; Parameter = 'Duration'; Pattern = '^1 second$' }
        @{ Cmdlet = 'Measure-RunQueueLength'; Parameter = 'Duration'; Pattern = '^1 second$' }
        @{ Cmdlet = 'Measure-RunQueueLength'; Parameter = 'Count'; Pattern = 'until Ctrl\+C' }
        @{ Cmdlet = 'Watch-PriorityInversion'; Parameter = 'Threshold'; Pattern = '^0\.01 seconds$' }
    ) {
        $help = (Get-Help -Name $Cmdlet -Full).parameters.parameter | Where-Object name -EQ $Parameter
        $help.defaultValue | Should -Match $Pattern
    }

    It 'the Get-Help text shows the stated default on the "Default value" line' {
        $text = Get-Help -Name 'Measure-ScheduleTime' -Parameter 'Duration' | Out-String -Width 200
        $text | Should -Match '(?m)^\s*Default value\s+until Ctrl\+C\s*$'
    }
}

Describe 'SchedTrace.HelpGen refuses a stated default that the code contradicts' {
    It 'builds the help from docs/help as they are' {
        $run = Invoke-HelpGen -Edit { param($docs) }
        $run.Output | Should -Not -Match 'error SCHEDHELP'
        $run.ExitCode | Should -Be 0
        $run.Written | Should -BeTrue
    }

    It 'refuses words where the code has a default of its own (<Case>)' -ForEach @(
        @{ Case = 'different'; Words = 'one second'; Message = "-Threshold states the default 'one second', but the code's default is '0.01 seconds'" }
        @{ Case = 'the same'; Words = '0.01 seconds'; Message = "-Threshold states the default the code already gives" }
    ) {
        $run = Invoke-HelpGen -Edit {
            param($docs)
            $path = Join-Path -Path $docs -ChildPath 'Watch-PriorityInversion.md'
            $text = (Get-Content -Raw -LiteralPath $path) -replace '(?m)^(### -Threshold\r?\n)', "`$1`nDefault value: $Words`n"
            Set-Content -LiteralPath $path -Value $text -NoNewline
        }.GetNewClosure()
        $run.ExitCode | Should -Be 1
        $run.Output | Should -Match ([regex]::Escape($Message))
        $run.Output | Should -Match 'Watch-PriorityInversion\.md\(\d+\): error SCHEDHELP'
        $run.Written | Should -BeFalse
    }

    It 'refuses stated words that are <Case>' -ForEach @(
        @{ Case = 'too long'; Words = 'until Ctrl+C, or until the pipeline is stopped by Select-Object'; Message = 'a stated default is at most 40 characters' }
        @{ Case = 'a sentence'; Words = 'Until Ctrl+C.'; Message = 'not a sentence' }
        @{ Case = '"None"'; Words = 'None'; Message = 'Default value: None' }
        @{ Case = 'inside a paragraph'; Words = "until Ctrl+C`nand then some"; Message = 'must be a paragraph of its own' }
    ) {
        $run = Invoke-HelpGen -Edit {
            param($docs)
            $path = Join-Path -Path $docs -ChildPath 'Measure-OffCpuTime.md'
            $text = (Get-Content -Raw -LiteralPath $path) -replace '(?m)^Default value: until Ctrl\+C$', "Default value: $Words"
            Set-Content -LiteralPath $path -Value $text -NoNewline
        }.GetNewClosure()
        $run.ExitCode | Should -Be 1
        $run.Output | Should -Match ([regex]::Escape($Message))
    }

    It 'refuses a "Default value:" paragraph outside a parameter''s section' {
        $run = Invoke-HelpGen -Edit {
            param($docs)
            $path = Join-Path -Path $docs -ChildPath 'Get-SchedTrace.md'
            $text = (Get-Content -Raw -LiteralPath $path) -replace '(?m)^(## NOTES\r?\n)', "`$1`nDefault value: every session`n"
            Set-Content -LiteralPath $path -Value $text -NoNewline
        }
        $run.ExitCode | Should -Be 1
        $run.Output | Should -Match "belongs in a parameter's section under PARAMETERS"
    }
}

Describe 'about_SchedTrace' {
    It 'fits 80 columns, in the about_ topic layout' {
        $wide = @(for ($i = 0; $i -lt $AboutLines.Count; $i++) { if ($AboutLines[$i].Length -gt 80) { "line $($i + 1): $($AboutLines[$i].Length) columns" } })
        $wide | Should -BeNullOrEmpty
        # Headings at column 0 or 2 in capitals; everything else indented by at least 4; no tabs.
        $misplaced = @(for ($i = 0; $i -lt $AboutLines.Count; $i++) {
            $line = $AboutLines[$i]
            if ($line.Length -gt 0 -and $line -notmatch '^(  )?[A-Z][A-Z0-9 +()._-]*$' -and $line -notmatch '^    ') { "line $($i + 1): $line" }
            if ($line.Contains("`t")) { "line $($i + 1) has a tab" }
        })
        $misplaced | Should -BeNullOrEmpty
        $AboutLines[0] | Should -Be 'TOPIC'
        $AboutLines[1] | Should -Be '    about_SchedTrace'
    }

    It 'describes every cmdlet in its list of cmdlets, and no other' {
        # The list under "The cmdlets:", up to the next heading: "Name  What it does".
        $description = @(Get-AboutSection -Heading 'LONG DESCRIPTION')
        $list = $description[([array]::IndexOf($description, '    The cmdlets:') + 1)..($description.Count - 1)]
        $list = $list[0..(@($list | ForEach-Object { $_ -match '^  \S' }).IndexOf($true) - 1)]
        $listed = @($list | Where-Object { $_ -match '^        ([A-Z][a-z]+-[A-Za-z]+) +[A-Z]' } | ForEach-Object { $Matches[1] })
        ($listed | Sort-Object) | Should -Be $CmdletNames
        (Get-Command -Module 'SchedTrace').Name | Sort-Object | Should -Be $CmdletNames
    }

    It 'names every cmdlet in SEE ALSO' {
        $seeAlso = @(Get-AboutSection -Heading 'SEE ALSO' | ForEach-Object { $_.Trim() })
        foreach ($name in $CmdletNames) {
            $seeAlso | Should -Contain $name
        }
    }

    It 'describes every feature of the Feature enum in FEATURES, and no other' {
        $described = @(Get-AboutSection -Heading '  FEATURES' | Where-Object { $_ -match '^    ([A-Z]\w+) {2,}\S' } | ForEach-Object { $Matches[1] })
        ($described | Sort-Object) | Should -Be ([enum]::GetNames([SchedTrace.SchedTraceFeature]) | Sort-Object)
        # Each says which cmdlet reads it.
        $section = (Get-AboutSection -Heading '  FEATURES') -join "`n"
        foreach ($feature in [enum]::GetNames([SchedTrace.SchedTraceFeature])) {
            $entry = [regex]::Match($section, "(?ms)^    $feature +(.+?)(?=^    \S|\z)").Groups[1].Value
            $entry | Should -Match 'Read by\s+(Get|Measure|Watch)-\w+' -Because "the $feature entry"
        }
    }

    It 'lists in ERRORS every error id the code raises, with its category, and no id the code lacks' {
        $sourceRoot = Join-Path -Path $RepoRoot -ChildPath 'src'
        $raised = @(Get-ErrorCategory -SourceIds @(Get-SourceErrorId -SourceRoot $sourceRoot) -SourceRoot $sourceRoot)
        # The extractor sees the ids by every way the code passes them; a handful it must find.
        $raised.Id | Should -Contain 'DurationRequired'
        $raised.Id | Should -Contain 'InvalidInterval'
        $raised.Id | Should -Contain 'ProcessIdNotFound'
        $raised.Id | Should -Contain 'TimelineFileExists'
        $listed = @(Get-AboutErrorEntry)
        $listed.Count | Should -BeGreaterThan 0

        $missing = @($raised | Where-Object { $_.Id -notin $listed.Id } | ForEach-Object { "$($_.Id) ($($_.Category), raised at $($_.Site))" } | Sort-Object -Unique)
        $missing | Should -BeNullOrEmpty -Because 'ERRORS lists every id the module raises'
        $unknown = @($listed | Where-Object { $_.Id -notin $raised.Id } | ForEach-Object Id)
        $unknown | Should -BeNullOrEmpty -Because 'ERRORS lists no id the code does not raise'
        ($listed.Id | Group-Object | Where-Object Count -GT 1).Name | Should -BeNullOrEmpty -Because 'each id is listed once'
        foreach ($entry in $listed) {
            $categories = @($raised | Where-Object Id -EQ $entry.Id | ForEach-Object Category | Sort-Object -Unique)
            $categories | Should -Be @($entry.Category) -Because "$($entry.Id) is raised with that category"
            [enum]::GetNames([System.Management.Automation.ErrorCategory]) | Should -Contain $entry.Category
        }
    }

    It 'has examples that parse and use only commands and parameters that exist' {
        # EXAMPLES holds prose lines at 4 columns and code at 8; blank lines end a block.
        $blocks = [System.Collections.Generic.List[string]]::new()
        $current = [System.Collections.Generic.List[string]]::new()
        foreach ($line in @(Get-AboutSection -Heading 'EXAMPLES') + '') {
            if ($line -match '^        ') { $current.Add($line.Substring(8)); continue }
            if ($current.Count -gt 0) { $blocks.Add($current -join "`n"); $current.Clear() }
        }
        $blocks.Count | Should -BeGreaterThan 10
        $used = [System.Collections.Generic.HashSet[string]]::new()
        foreach ($block in $blocks) {
            $tokens = $null
            $parseErrors = $null
            $ast = [System.Management.Automation.Language.Parser]::ParseInput($block, [ref]$tokens, [ref]$parseErrors)
            $parseErrors | Should -BeNullOrEmpty -Because "the example parses:`n$block"
            foreach ($commandAst in $ast.FindAll({ param($node) $node -is [System.Management.Automation.Language.CommandAst] }, $true)) {
                $name = $commandAst.GetCommandName()
                $name | Should -Not -BeNullOrEmpty -Because "each command in the example is named:`n$block"
                $command = Get-Command -Name $name -ErrorAction SilentlyContinue | Select-Object -First 1
                $command | Should -Not -BeNullOrEmpty -Because "$name exists (in:`n$block)"
                [void]$used.Add($command.Name)
                if ($command.CommandType -eq 'Application') { continue }
                $known = @($command.Parameters.Values | ForEach-Object { $_.Name; $_.Aliases })
                foreach ($parameter in $commandAst.CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] }) {
                    # Whole names or aliases only: an abbreviation could become ambiguous.
                    $known | Should -Contain $parameter.ParameterName -Because "$name has -$($parameter.ParameterName) (in:`n$block)"
                }
            }
        }
        # Every cmdlet of the module has an example here.
        foreach ($name in $CmdletNames) {
            $used | Should -Contain $name
        }
    }

    It 'is what Get-Help about_SchedTrace shows after Import-Module of the built module, in a fresh pwsh' {
        $built = Join-Path -Path (Split-Path -Path $ModuleManifest -Parent) -ChildPath 'en-US/about_SchedTrace.help.txt'
        (Get-Content -Raw -LiteralPath $built) | Should -BeExactly (Get-Content -Raw -LiteralPath $AboutSource)
        $pwsh = Join-Path -Path $RepoRoot -ChildPath 'scripts/pwsh'
        $shown = & $pwsh -NoProfile -NonInteractive -Command "Import-Module -Name '$ModuleManifest' -ErrorAction Stop; Get-Help -Name about_SchedTrace | Out-String -Width 200" 2>&1 | Out-String
        $LASTEXITCODE | Should -Be 0
        $shown | Should -Match 'about_SchedTrace'
        $shown | Should -Match ([regex]::Escape('PriorityInversion  Run-queue and lock inversions'))
        $shown | Should -Match ([regex]::Escape('TimelineWriteFailed  WriteError.'))
    }
}

#Requires -Version 7.4
# The manifest, exports and help need no privileges; the Describe blocks that render real
# objects or stop sessions on removal need root and check for it in their own BeforeAll.

BeforeAll {
    . "$PSScriptRoot/TestSupport.ps1"
    Import-BuiltModule
}

Describe 'SchedTrace module manifest' {
    It 'is a valid manifest carrying the version from Directory.Build.props' {
        $manifest = Test-ModuleManifest -Path $ModuleManifest -ErrorAction Stop

        $manifest.Version | Should -Be ([version]$ModuleVersion)
        $manifest.Name | Should -Be 'SchedTrace'
        # The cmdlets are built for net8.0, the runtime of pwsh 7.4.
        $manifest.PowerShellVersion | Should -Be ([version]'7.4')
        $manifest.CompatiblePSEditions | Should -Be @('Core')
    }

    It 'imports from the built layout' {
        $module = Get-Module -Name 'SchedTrace'

        $module.ModuleBase | Should -Be (Split-Path -Path $ModuleManifest -Parent)
        $module.Version | Should -Be ([version]$ModuleVersion)
    }

    It 'exports exactly its cmdlets, and no functions, aliases or variables' {
        $module = Get-Module -Name 'SchedTrace'

        ($module.ExportedCmdlets.Keys | Sort-Object) | Should -Be $CmdletNames
        $module.ExportedFunctions.Count | Should -Be 0
        $module.ExportedAliases.Count | Should -Be 0
        $module.ExportedVariables.Count | Should -Be 0
    }

    It '<_> uses an approved verb' -ForEach @('Export-SchedTimeline', 'Get-ContextSwitchCount', 'Get-ProcessCpuTime', 'Get-SchedTrace', 'Measure-OffCpuTime', 'Measure-OnCpuTime', 'Measure-RunQueueLatency', 'Measure-RunQueueLength', 'Measure-ScheduleTime', 'Start-SchedTrace', 'Stop-SchedTrace', 'Watch-PriorityInversion', 'Watch-SchedEvent') {
        $command = Get-Command -Name $_ -Module 'SchedTrace'

        $command.Verb | Should -BeIn (Get-Verb).Verb
    }
}

Describe 'Help' {
    It '<_> has a synopsis, a description and documented parameters' -ForEach @('Get-ContextSwitchCount', 'Get-ProcessCpuTime', 'Get-SchedTrace', 'Measure-OffCpuTime', 'Measure-OnCpuTime', 'Measure-RunQueueLatency', 'Measure-RunQueueLength', 'Measure-ScheduleTime', 'Start-SchedTrace', 'Stop-SchedTrace', 'Watch-PriorityInversion', 'Watch-SchedEvent') {
        $help = Get-Help -Name $_ -Full

        # Without MAML, PowerShell makes up a synopsis from the syntax, which starts with the name.
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis.Trim() | Should -Not -BeLike "$_ *"
        ($help.Description | Out-String).Trim() | Should -Not -BeNullOrEmpty
        $undocumented = @($help.parameters.parameter | Where-Object { -not ($_.description | Out-String).Trim() })
        $undocumented.name | Should -BeNullOrEmpty
    }

    It '<_> has examples that use it' -ForEach @('Get-ContextSwitchCount', 'Get-ProcessCpuTime', 'Get-SchedTrace', 'Measure-OffCpuTime', 'Measure-OnCpuTime', 'Measure-RunQueueLatency', 'Measure-RunQueueLength', 'Measure-ScheduleTime', 'Start-SchedTrace', 'Stop-SchedTrace', 'Watch-PriorityInversion', 'Watch-SchedEvent') {
        $examples = @((Get-Help -Name $_ -Examples).examples.example)

        $examples.Count | Should -BeGreaterThan 0
        foreach ($example in $examples) {
            $example.code | Should -BeLike "*$_*"
        }
    }

    It 'has an about_SchedTrace topic' {
        $topic = Get-Help -Name 'about_SchedTrace' | Out-String

        $topic | Should -BeLike '*Start-SchedTrace*'
        $topic | Should -BeLike '*EVENTS*ring buffer*LostEvents*'
        $topic | Should -BeLike '*schedtrace events --count 100 --json*'
    }

    It 'documents Watch-SchedEvent''s three output types' {
        $help = Get-Help -Name 'Watch-SchedEvent' -Full
        $outputs = @($help.returnValues.returnValue.type.name | ForEach-Object { $_.Trim() })

        $outputs | Should -Contain 'SchedTrace.SchedSwitchEvent'
        $outputs | Should -Contain 'SchedTrace.SchedWakeupEvent'
        $outputs | Should -Contain 'SchedTrace.SchedMigrateEvent'
    }
}

Describe 'Format views' {
    It 'defines a table and a list view for sessions' {
        # Per item: on the array itself GetType() would name the array type.
        $controls = (Get-FormatData -TypeName 'SchedTrace.SchedTraceSession').FormatViewDefinition.Control | ForEach-Object { $_.GetType().Name }

        $controls | Should -Contain 'TableControl'
        $controls | Should -Contain 'ListControl'
    }

    # The event types share the view of their base type, SchedTrace.SchedEvent.
    It 'defines a table view for <_>' -ForEach @('SchedTrace.ContextSwitchCount', 'SchedTrace.ProcessCpuTime', 'SchedTrace.SchedEvent', 'SchedTrace.LatencyStatistics', 'SchedTrace.PriorityInversion', 'SchedTrace.PriorityInversionSummary') {
        $controls = (Get-FormatData -TypeName $_).FormatViewDefinition.Control | ForEach-Object { $_.GetType().Name }

        $controls | Should -Contain 'TableControl'
    }

    Context 'rendering real objects' {
        BeforeAll {
            Assert-CanTrace
            Stop-AllSchedTrace
        }

        AfterAll {
            Stop-AllSchedTrace
        }

        It 'shows a session with its UTC start and h:mm:ss elapsed' {
            $session = Start-SchedTrace -Name 'pester-format'

            $table = $session | Format-Table | Out-String
            $list = $session | Format-List | Out-String

            $table | Should -BeLike '*StartTime (UTC)*'
            $table | Should -BeLike '*pester-format*'
            $table | Should -Match ' 0:00:0\d\s'
            $table | Should -BeLike "*$($session.StartTime.ToString('u', [cultureinfo]::InvariantCulture))*"
            $list | Should -BeLike '*ProcessIds*(any)*'
            # Only CpuTime sessions have a task table to drop threads from.
            $list | Should -Match 'DroppedTasks\s*:\s*\(no task table\)'
        }

        It 'shows a CpuTime session''s DroppedTasks with the size of its task table' {
            $session = Start-SchedTrace -Name 'pester-format-cputime' -Feature 'ContextSwitches', 'CpuTime'

            $table = $session | Format-Table | Out-String -Width 200
            $list = $session | Format-List | Out-String

            $table | Should -BeLike '*ContextSwitches, CpuTime *'
            $list | Should -Match ('DroppedTasks\s*:\s*0 \(task table of {0}\)' -f $session.TaskTableCapacity)
        }

        It 'shows a session with every feature without truncating Features, in 120 columns' {
            $session = Start-SchedTrace -Name 'pester-format-all' -Feature 'ContextSwitches', 'CpuTime', 'Events'

            $lines = @($session | Format-Table -View Wide | Out-String -Width 200) -split "`n" | Where-Object { $_.Trim() }

            ($lines -join "`n") | Should -BeLike '*ContextSwitches, CpuTime, Events *'
            foreach ($line in $lines) {
                $line.TrimEnd().Length | Should -BeLessOrEqual 120
            }
        }

        It 'shows an Events session''s LostEvents in the list view' {
            $session = Start-SchedTrace -Name 'pester-format-events' -Feature Events

            $list = $session | Format-List | Out-String

            $list | Should -Match 'LostEvents\s*:\s*0'
            $list | Should -Match 'Features\s*:\s*Events'
        }

        It 'wraps a long feature set in the table, and lists the schedule() method and per-process latency' {
            $session = Start-SchedTrace -Name 'pester-format-latency' -Feature 'RunQueueLatency', 'OffCpuTime', 'ScheduleTime' -PerProcess

            $lines = @($session | Format-Table | Out-String -Width 200) -split "`n" | Where-Object { $_.Trim() }
            $list = $session | Format-List | Out-String

            # Wrapped within the Features column, not cut off with an ellipsis.
            foreach ($feature in 'RunQueueLatency', 'OffCpuTime', 'ScheduleTime') {
                ($lines -join "`n") | Should -BeLike "*$feature*"
            }
            ($lines -join "`n") | Should -Not -BeLike "*$([char]0x2026)*"
            foreach ($line in $lines) {
                $line.TrimEnd().Length | Should -BeLessOrEqual 120
            }
            $list | Should -Match ('ScheduleMethod\s*:\s*{0}' -f $session.ScheduleMethod)
            $list | Should -Match 'LatencyPerProcess\s*:\s*True \(0 dropped\)'
        }

        It 'shows a -Total row without a Cpu column, and with Cpu as all in the Wide view' {
            $row = Get-ContextSwitchCount -Duration 0.2 -Total

            $text = $row | Format-Table | Out-String
            $wide = $row | Format-Table -View Wide | Out-String -Width 120

            $text | Should -BeLike '*Switches/s*'
            $text | Should -Not -Match '\bCpu\b'
            $wide | Should -Match '\ball\b'
        }
    }
}

Describe 'Removing the module' {
    BeforeAll {
        Assert-CanTrace
    }

    AfterAll {
        Import-BuiltModule
    }

    It 'stops every session it started' {
        $session = Start-SchedTrace -Name 'pester-remove'

        Remove-Module -Name 'SchedTrace'

        $session.State | Should -Be 'Stopped'
    }
}

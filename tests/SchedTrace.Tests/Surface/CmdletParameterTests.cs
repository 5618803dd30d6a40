using System.Management.Automation;
using static SchedTrace.Tests.Surface.PipelineInput;

namespace SchedTrace.Tests.Surface;

/// <summary>
/// The intended surface of each cmdlet, written out as tables. A change to a parameter set,
/// position, pipeline binding or validation must be made here too, on purpose.
/// </summary>
public sealed class CmdletParameterTests
{
    private const string All = CmdletMetadata.AllParameterSets;
    private const string AnyPositive = "ValidateRange(1, 2147483647)";
    private const string NotNullOrEmpty = "ValidateNotNullOrEmpty";
    private const string Duration = "DurationTransformation";
    private const string SessionNames = "ArgumentCompleter(typeof(SessionNameCompleter))";
    private const string ProcessNames = "ArgumentCompleter(typeof(ProcessNameCompleter))";
    private const string BufferBytes = "ValidateRange(4096, 1073741824)";
    private const string CpuRange = "ValidateRange(0, 4095)";
    private const string ProcessIdAlias = "Alias(\"ProcessId\", \"PID\")";
    private const string NullIsNoThread = "EmptyWhenNull";

    private static ParameterBinding B(string parameter, string set, bool mandatory = false, int? position = null, PipelineInput pipeline = None) =>
        new(parameter, set, mandatory, position, pipeline);

    public static TheoryData<string, ParameterBinding[]> ExpectedBindings => new()
    {
        {
            "Start-SchedTrace",
            [
                B("Name", All, position: 0),
                B("Feature", All),
                // Get-Process output (or this module's rows) piped in: one session for all of them.
                B("Id", All, pipeline: ByPropertyName),
                B("ThreadId", All, pipeline: ByPropertyName),
                B("EventType", All),
                B("BufferSize", All),
                B("PerProcess", All),
                B("Cpu", All),
            ]
        },
        {
            "Get-SchedTrace",
            [
                B("Name", "Name", position: 0, pipeline: ByPropertyName),
                B("Id", "Id", mandatory: true, pipeline: ByPropertyName),
            ]
        },
        {
            "Stop-SchedTrace",
            [
                B("Session", "Session", mandatory: true, position: 0, pipeline: ByValue),
                // Positional like -Name on Start-SchedTrace and Get-SchedTrace, so that
                // "Start-SchedTrace x; Get-SchedTrace x; Stop-SchedTrace x" works. PowerShell tells
                // a string from a session by type, as Stop-Job does with -Name and -Job.
                B("Name", "Name", mandatory: true, position: 0, pipeline: ByPropertyName),
                B("Id", "Id", mandatory: true, pipeline: ByPropertyName),
                B("PassThru", All),
            ]
        },
        {
            "Get-ContextSwitchCount",
            [
                B("Duration", "Duration", position: 0),
                B("Interval", "Interval", mandatory: true),
                // In every set, so -Count without -Interval reaches CountWithoutInterval, not AmbiguousParameterSet.
                B("Count", All),
                // Wherever -Id binds by property name, a piped session binds too (see SessionReadingCmdlet).
                B("Session", "Duration", pipeline: ByValueAndPropertyName),
                B("Session", "Interval", pipeline: ByValueAndPropertyName),
                // Kernel filters: with a running session, whose were fixed when it started, ParameterNotForSession.
                B("Id", All, pipeline: ByPropertyName),
                B("ThreadId", All, pipeline: ByPropertyName),
                B("Total", All),
            ]
        },
        {
            "Get-ProcessCpuTime",
            [
                B("Duration", "Duration", position: 0),
                B("Interval", "Interval", mandatory: true),
                B("Count", All),
                B("Session", "Duration", pipeline: ByValueAndPropertyName),
                B("Session", "Interval", pipeline: ByValueAndPropertyName),
                // The filters and the shape of the output apply however the time is measured.
                B("Id", All, pipeline: ByPropertyName),
                B("Name", All),
                B("PerThread", All),
                B("Top", All),
            ]
        },
        { "Measure-RunQueueLatency", LatencyBindings },
        { "Measure-OffCpuTime", LatencyBindings },
        { "Measure-ScheduleTime", LatencyBindings },
        { "Measure-OnCpuTime", LatencyBindings },
        {
            "Measure-RunQueueLength",
            [
                B("Duration", "Duration", position: 0),
                B("Interval", "Interval", mandatory: true),
                B("Count", All),
                // No -Id: a run queue is a CPU's. A piped session still binds by value or property name.
                B("Session", "Duration", pipeline: ByValueAndPropertyName),
                B("Session", "Interval", pipeline: ByValueAndPropertyName),
                B("Total", All),
            ]
        },
        {
            "Export-SchedTimeline",
            [
                // One set: events from the pipeline, and at least one file (checked at run time).
                B("InputObject", All, mandatory: true, pipeline: ByValue),
                B("Path", All, position: 0),
                B("SvgPath", All),
                B("Force", All),
                B("PassThru", All),
            ]
        },
        {
            "Watch-SchedEvent",
            [
                // One set: -Session binds wherever -Id does. The kernel-side filters and the buffer
                // set up a new session; with a running one they are ParameterNotForSession.
                B("Type", All, position: 0),
                B("Id", All, pipeline: ByPropertyName),
                B("ThreadId", All, pipeline: ByPropertyName),
                B("Cpu", All),
                B("MinRuntime", All),
                B("BufferSize", All),
                B("Session", All, pipeline: ByValueAndPropertyName),
                // How long to watch, and the name (matched here for a session), apply to both.
                B("Name", All),
                B("Duration", All),
                B("Count", All),
            ]
        },
        {
            "Watch-PriorityInversion",
            [
                B("Session", All, pipeline: ByValueAndPropertyName),
                // The threshold is the kernel's for a new watch, a filter on a -Session's alerts.
                B("Threshold", All, position: 0),
                // Detection settings of a new session (ParameterNotForSession with a running one).
                B("Kind", All),
                B("MinNiceGap", All),
                B("MaxAlertsPerSecond", All),
                B("Id", All, pipeline: ByPropertyName),
                B("Name", All),
                B("Duration", All),
                B("Summary", All),
            ]
        },
    };

    /// <summary>
    /// The three latency cmdlets bind alike: the reading sets of Get-ProcessCpuTime, and filters
    /// and row shapes in every set. -PerProcess and -PerCpu exclude each other by a run-time error
    /// (PerProcessAndPerCpu) rather than by sets, which would triple the sets and the syntax.
    /// </summary>
    private static ParameterBinding[] LatencyBindings =>
    [
        B("Duration", "Duration", position: 0),
        B("Interval", "Interval", mandatory: true),
        B("Count", All),
        B("Session", "Duration", pipeline: ByValueAndPropertyName),
        B("Session", "Interval", pipeline: ByValueAndPropertyName),
        B("Id", All, pipeline: ByPropertyName),
        B("Name", All),
        B("Cpu", All),
        B("PerProcess", All),
        B("PerCpu", All),
    ];

    [Theory]
    [MemberData(nameof(ExpectedBindings))]
    public void ParameterBindings_AreAsIntended(string cmdlet, ParameterBinding[] expected)
    {
        var actual = CmdletMetadata.Get(cmdlet).Parameters.SelectMany(p => p.Bindings).ToList();
        var missing = expected.Except(actual).Select(b => $"  expected: {b}");
        var unexpected = actual.Except(expected).Select(b => $"  actual:   {b}");
        var differences = missing.Concat(unexpected).ToList();
        Assert.True(differences.Count == 0, $"{cmdlet} binds differently than intended:\n{string.Join('\n', differences)}");
    }

    public static TheoryData<string, string, string, string[]> ExpectedParameters => new()
    {
        { "Start-SchedTrace", "Name", "String", [NotNullOrEmpty] },
        { "Start-SchedTrace", "Feature", "SchedTraceFeature[]", [NotNullOrEmpty] },
        { "Start-SchedTrace", "Id", "Int32[]", [ProcessIdAlias, AnyPositive, NotNullOrEmpty] },
        { "Start-SchedTrace", "ThreadId", "Int32[]", ["Alias(\"TID\")", AnyPositive, NullIsNoThread] },
        { "Start-SchedTrace", "EventType", "SchedEventType[]", [NotNullOrEmpty] },
        { "Start-SchedTrace", "BufferSize", "Int64", [BufferBytes] },
        { "Start-SchedTrace", "PerProcess", "SwitchParameter", [] },
        { "Start-SchedTrace", "Cpu", "Int32", [CpuRange] },

        { "Get-SchedTrace", "Name", "String[]", [SessionNames, "SupportsWildcards", NotNullOrEmpty] },
        { "Get-SchedTrace", "Id", "Int32[]", [AnyPositive] },

        { "Stop-SchedTrace", "Session", "SchedTraceSession[]", ["ValidateNotNull"] },
        { "Stop-SchedTrace", "Name", "String[]", [SessionNames, "SupportsWildcards", NotNullOrEmpty] },
        { "Stop-SchedTrace", "Id", "Int32[]", [AnyPositive] },
        { "Stop-SchedTrace", "PassThru", "SwitchParameter", [] },

        { "Get-ContextSwitchCount", "Duration", "TimeSpan", [Duration] },
        { "Get-ContextSwitchCount", "Interval", "TimeSpan", [Duration] },
        { "Get-ContextSwitchCount", "Count", "Int32", [AnyPositive] },
        { "Get-ContextSwitchCount", "Session", "SchedTraceSession", ["ValidateNotNull"] },
        { "Get-ContextSwitchCount", "Id", "Int32[]", [ProcessIdAlias, AnyPositive, NotNullOrEmpty] },
        { "Get-ContextSwitchCount", "ThreadId", "Int32[]", ["Alias(\"TID\")", AnyPositive, NullIsNoThread] },
        { "Get-ContextSwitchCount", "Total", "SwitchParameter", [] },

        { "Get-ProcessCpuTime", "Duration", "TimeSpan", [Duration] },
        { "Get-ProcessCpuTime", "Interval", "TimeSpan", [Duration] },
        { "Get-ProcessCpuTime", "Count", "Int32", [AnyPositive] },
        { "Get-ProcessCpuTime", "Session", "SchedTraceSession", ["ValidateNotNull"] },
        { "Get-ProcessCpuTime", "Id", "Int32[]", [ProcessIdAlias, AnyPositive, NotNullOrEmpty] },
        { "Get-ProcessCpuTime", "Name", "String[]", [ProcessNames, "SupportsWildcards", NotNullOrEmpty] },
        { "Get-ProcessCpuTime", "PerThread", "SwitchParameter", [] },
        { "Get-ProcessCpuTime", "Top", "Int32", [AnyPositive] },

        { "Measure-RunQueueLatency", "Duration", "TimeSpan", [Duration] },
        { "Measure-RunQueueLatency", "Interval", "TimeSpan", [Duration] },
        { "Measure-RunQueueLatency", "Count", "Int32", [AnyPositive] },
        { "Measure-RunQueueLatency", "Session", "SchedTraceSession", ["ValidateNotNull"] },
        { "Measure-RunQueueLatency", "Id", "Int32[]", [ProcessIdAlias, AnyPositive, NotNullOrEmpty] },
        { "Measure-RunQueueLatency", "Name", "String[]", [ProcessNames, "SupportsWildcards", NotNullOrEmpty] },
        { "Measure-RunQueueLatency", "Cpu", "Int32", [CpuRange] },
        { "Measure-RunQueueLatency", "PerProcess", "SwitchParameter", [] },
        { "Measure-RunQueueLatency", "PerCpu", "SwitchParameter", [] },

        { "Measure-OffCpuTime", "Duration", "TimeSpan", [Duration] },
        { "Measure-OffCpuTime", "Interval", "TimeSpan", [Duration] },
        { "Measure-OffCpuTime", "Count", "Int32", [AnyPositive] },
        { "Measure-OffCpuTime", "Session", "SchedTraceSession", ["ValidateNotNull"] },
        { "Measure-OffCpuTime", "Id", "Int32[]", [ProcessIdAlias, AnyPositive, NotNullOrEmpty] },
        { "Measure-OffCpuTime", "Name", "String[]", [ProcessNames, "SupportsWildcards", NotNullOrEmpty] },
        { "Measure-OffCpuTime", "Cpu", "Int32", [CpuRange] },
        { "Measure-OffCpuTime", "PerProcess", "SwitchParameter", [] },
        { "Measure-OffCpuTime", "PerCpu", "SwitchParameter", [] },

        { "Measure-OnCpuTime", "Duration", "TimeSpan", [Duration] },
        { "Measure-OnCpuTime", "Interval", "TimeSpan", [Duration] },
        { "Measure-OnCpuTime", "Count", "Int32", [AnyPositive] },
        { "Measure-OnCpuTime", "Session", "SchedTraceSession", ["ValidateNotNull"] },
        { "Measure-OnCpuTime", "Id", "Int32[]", [ProcessIdAlias, AnyPositive, NotNullOrEmpty] },
        { "Measure-OnCpuTime", "Name", "String[]", [ProcessNames, "SupportsWildcards", NotNullOrEmpty] },
        { "Measure-OnCpuTime", "Cpu", "Int32", [CpuRange] },
        { "Measure-OnCpuTime", "PerProcess", "SwitchParameter", [] },
        { "Measure-OnCpuTime", "PerCpu", "SwitchParameter", [] },

        { "Measure-RunQueueLength", "Duration", "TimeSpan", [Duration] },
        { "Measure-RunQueueLength", "Interval", "TimeSpan", [Duration] },
        { "Measure-RunQueueLength", "Count", "Int32", [AnyPositive] },
        { "Measure-RunQueueLength", "Session", "SchedTraceSession", ["ValidateNotNull"] },
        { "Measure-RunQueueLength", "Total", "SwitchParameter", [] },

        { "Measure-ScheduleTime", "Duration", "TimeSpan", [Duration] },
        { "Measure-ScheduleTime", "Interval", "TimeSpan", [Duration] },
        { "Measure-ScheduleTime", "Count", "Int32", [AnyPositive] },
        { "Measure-ScheduleTime", "Session", "SchedTraceSession", ["ValidateNotNull"] },
        { "Measure-ScheduleTime", "Id", "Int32[]", [ProcessIdAlias, AnyPositive, NotNullOrEmpty] },
        { "Measure-ScheduleTime", "Name", "String[]", [ProcessNames, "SupportsWildcards", NotNullOrEmpty] },
        { "Measure-ScheduleTime", "Cpu", "Int32", [CpuRange] },
        { "Measure-ScheduleTime", "PerProcess", "SwitchParameter", [] },
        { "Measure-ScheduleTime", "PerCpu", "SwitchParameter", [] },

        { "Export-SchedTimeline", "InputObject", "SchedEvent", ["AllowNull"] },
        { "Export-SchedTimeline", "Path", "String", [NotNullOrEmpty] },
        { "Export-SchedTimeline", "SvgPath", "String", [NotNullOrEmpty] },
        { "Export-SchedTimeline", "Force", "SwitchParameter", [] },
        { "Export-SchedTimeline", "PassThru", "SwitchParameter", [] },
        { "Watch-SchedEvent", "Session", "SchedTraceSession", ["ValidateNotNull"] },
        { "Watch-SchedEvent", "Type", "SchedEventType[]", [NotNullOrEmpty] },
        { "Watch-SchedEvent", "Id", "Int32[]", [ProcessIdAlias, AnyPositive, NotNullOrEmpty] },
        { "Watch-SchedEvent", "ThreadId", "Int32[]", ["Alias(\"TID\")", AnyPositive, NullIsNoThread] },
        { "Watch-SchedEvent", "Name", "String[]", [ProcessNames, "SupportsWildcards", NotNullOrEmpty] },
        { "Watch-SchedEvent", "Cpu", "Int32", [CpuRange] },
        { "Watch-SchedEvent", "MinRuntime", "TimeSpan", [Duration] },
        { "Watch-SchedEvent", "Duration", "TimeSpan", [Duration] },
        { "Watch-SchedEvent", "Count", "Int32", [AnyPositive] },
        { "Watch-SchedEvent", "BufferSize", "Int64", [BufferBytes] },

        { "Watch-PriorityInversion", "Session", "SchedTraceSession", ["ValidateNotNull"] },
        { "Watch-PriorityInversion", "Threshold", "TimeSpan", [Duration] },
        { "Watch-PriorityInversion", "Kind", "PriorityInversionKind[]", [NotNullOrEmpty] },
        { "Watch-PriorityInversion", "MinNiceGap", "Int32", ["ValidateRange(1, 39)"] },
        { "Watch-PriorityInversion", "MaxAlertsPerSecond", "Int32", ["ValidateRange(1, 1000000)"] },
        { "Watch-PriorityInversion", "Id", "Int32[]", [ProcessIdAlias, AnyPositive, NotNullOrEmpty] },
        { "Watch-PriorityInversion", "Name", "String[]", [ProcessNames, "SupportsWildcards", NotNullOrEmpty] },
        { "Watch-PriorityInversion", "Duration", "TimeSpan", [Duration] },
        { "Watch-PriorityInversion", "Summary", "SwitchParameter", [] },
    };

    [Theory]
    [MemberData(nameof(ExpectedParameters))]
    public void Parameter_HasIntendedTypeAndAttributes(string cmdlet, string parameter, string typeName, string[] attributes)
    {
        var actual = CmdletMetadata.Get(cmdlet).Parameter(parameter);
        Assert.Equal(typeName, actual.Type.Name);
        Assert.Equal(attributes.Order(StringComparer.Ordinal), actual.Attributes);
    }

    [Fact]
    public void ExpectedParameters_CoverEveryParameter()
    {
        // Without this a new parameter would escape the attribute table above.
        var listed = ExpectedParameters.Select(row => $"{row[0]} -{row[1]}").ToHashSet();
        var actual = CmdletMetadata.All.SelectMany(c => c.Parameters.Select(p => $"{c.Name} -{p.Name}")).ToHashSet();
        Assert.Subset(listed, actual);
    }

    public static TheoryData<string, string?, bool, string[]> ExpectedCmdletAttributes => new()
    {
        // Start has a single set, so it needs no default.
        { "Start-SchedTrace", null, true, ["SchedTraceSession"] },
        // Writes files; -PassThru hands them on, as Export-Csv's peers in the file cmdlets do.
        { "Export-SchedTimeline", null, false, ["FileInfo"] },
        { "Get-SchedTrace", "Name", false, ["SchedTraceSession"] },
        { "Stop-SchedTrace", "Session", true, ["SchedTraceSession"] },
        { "Get-ContextSwitchCount", "Duration", false, ["ContextSwitchCount"] },
        { "Get-ProcessCpuTime", "Duration", false, ["ProcessCpuTime"] },
        { "Measure-RunQueueLatency", "Duration", false, ["LatencyStatistics"] },
        { "Measure-OffCpuTime", "Duration", false, ["LatencyStatistics"] },
        { "Measure-ScheduleTime", "Duration", false, ["LatencyStatistics"] },
        { "Measure-OnCpuTime", "Duration", false, ["LatencyStatistics"] },
        { "Measure-RunQueueLength", "Duration", false, ["RunQueueLength"] },
        // Watching only reads: no ShouldProcess, though a watch without -Session attaches programs for it.
        { "Watch-SchedEvent", null, false, ["SchedSwitchEvent", "SchedWakeupEvent", "SchedMigrateEvent"] },
        // Alerts as they happen, or (-Summary) one row per pair of tasks at the end.
        { "Watch-PriorityInversion", null, false, ["PriorityInversion", "PriorityInversionSummary"] },
    };

    [Theory]
    [MemberData(nameof(ExpectedCmdletAttributes))]
    public void CmdletAttribute_IsAsIntended(string cmdlet, string? defaultSet, bool supportsShouldProcess, string[] outputTypes)
    {
        var actual = CmdletMetadata.Get(cmdlet);
        Assert.Equal(defaultSet, actual.DefaultParameterSetName);
        Assert.Equal(supportsShouldProcess, actual.SupportsShouldProcess);
        Assert.Equal(outputTypes, actual.OutputTypes.Select(t => t.Name));
    }

    [Fact]
    public void WatchSchedEventOutputTypes_AreTheConcreteEventsOfTheCommonBase()
    {
        // The three sealed types a user can meet in the pipeline, each a SchedEvent; the abstract
        // base is not an output type (help and views are per concrete type).
        var types = CmdletMetadata.Get("Watch-SchedEvent").OutputTypes;
        Assert.All(types, t => Assert.True(t.IsSealed && t.IsSubclassOf(typeof(SchedEvent)), t.FullName));
        Assert.Equal(
            typeof(SchedEvent).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(SchedEvent)) && t.IsPublic).Select(t => t.Name).Order(),
            types.Select(t => t.Name).Order());
    }

    [Fact]
    public void EveryCmdlet_DeclaresAnOutputTypeFromSchedTraceCore()
    {
        // Export-SchedTimeline's output is the files it wrote (-PassThru), as FileInfo.
        var bad = CmdletMetadata.All
            .Where(c => c.Name != "Export-SchedTimeline")
            .Where(c => c.OutputTypes.Count == 0 || c.OutputTypes.Any(t => t.Assembly != typeof(SchedTraceSession).Assembly || t.Namespace != "SchedTrace"))
            .Select(c => $"{c.Name}: [{string.Join(", ", c.OutputTypes)}]");
        Assert.Empty(bad);
    }

    [Fact]
    public void StartSchedTraceFeature_OffersEveryFeature_AsSeparateBits()
    {
        // Start-SchedTrace ORs the -Feature values together, so each must be a bit of its own;
        // the numbers are also what the CLI and saved scripts ([SchedTraceFeature]2) rely on.
        Assert.Equal(typeof(SchedTraceFeature[]), CmdletMetadata.Get("Start-SchedTrace").Parameter("Feature").Type);
        Assert.Equal(
            [("ContextSwitches", 1), ("CpuTime", 2), ("Events", 4), ("RunQueueLatency", 8), ("OffCpuTime", 16), ("ScheduleTime", 32), ("PriorityInversion", 64), ("OnCpuTime", 128), ("RunQueueLength", 256)],
            Enum.GetValues<SchedTraceFeature>().Select(f => (f.ToString(), (int)f)));
        Assert.Equal(SchedTraceFeature.CpuTime, Enum.Parse<SchedTraceFeature>("cputime", ignoreCase: true));
        Assert.Equal(SchedTraceFeature.Events, Enum.Parse<SchedTraceFeature>("events", ignoreCase: true));
        Assert.Equal(SchedTraceFeature.OffCpuTime, Enum.Parse<SchedTraceFeature>("offcputime", ignoreCase: true));
        // Three together print on one line of the session view's Features column (32 wide);
        // longer sets wrap there (FormatFileTests).
        Assert.Equal("ContextSwitches, CpuTime, Events", (SchedTraceFeature.ContextSwitches | SchedTraceFeature.CpuTime | SchedTraceFeature.Events).ToString());
    }

    [Fact]
    public void SchedEventType_NamesTheFourTracepointEvents()
    {
        // -Type and -EventType take these names; the numbers are what the BPF side and the CLI use.
        Assert.Equal(
            [("Switch", 1), ("Wakeup", 2), ("WakeupNew", 3), ("Migrate", 4)],
            Enum.GetValues<SchedEventType>().Select(t => (t.ToString(), (int)t)));
        Assert.Equal(typeof(SchedEventType[]), CmdletMetadata.Get("Watch-SchedEvent").Parameter("Type").Type);
        Assert.Equal(typeof(SchedEventType[]), CmdletMetadata.Get("Start-SchedTrace").Parameter("EventType").Type);
    }

    [Fact]
    public void EveryDefaultParameterSet_IsOneOfTheCmdletsSets()
    {
        var bad = CmdletMetadata.All
            .Where(c => c.DefaultParameterSetName is null
                ? c.ExplicitParameterSets.Count > 1 // PowerShell cannot choose between several sets with no default
                : !c.ExplicitParameterSets.Contains(c.DefaultParameterSetName))
            .Select(c => $"{c.Name}: default '{c.DefaultParameterSetName}', sets [{string.Join(", ", c.ExplicitParameterSets)}]");
        Assert.Empty(bad);
    }

    [Fact]
    public void CmdletsThatChangeState_SupportShouldProcess_AndOthersDoNot()
    {
        string[] changeState = [VerbsLifecycle.Start, VerbsLifecycle.Stop];
        var bad = CmdletMetadata.All.Where(c => c.SupportsShouldProcess != changeState.Contains(c.Verb)).Select(c => c.Name);
        Assert.Empty(bad);
    }

    [Fact]
    public void NoTwoParameters_ShareAPositionInOneSet()
    {
        // A parameter in all sets takes part in every set's positional binding.
        var clashes = from c in CmdletMetadata.All
                      let bindings = c.Parameters.SelectMany(p => p.Bindings).Where(b => b.Position is not null).ToList()
                      from set in c.ExplicitParameterSets.DefaultIfEmpty(All)
                      from g in bindings.Where(b => b.Set == set || b.Set == All).GroupBy(b => b.Position)
                      where g.Count() > 1
                      select $"{c.Name} set {set} position {g.Key}: {string.Join(", ", g.Select(b => b.Parameter))}";
        Assert.Empty(clashes);
    }

    [Fact]
    public void EveryIdOrCountParameter_RejectsZeroAndNegatives()
    {
        var bad = from c in CmdletMetadata.All
                  from p in c.Parameters
                  where p.Name is "Id" or "ProcessId" or "ThreadId" or "Count"
                  where !p.Attributes.Contains(AnyPositive)
                  select $"{c.Name} -{p.Name}";
        Assert.Empty(bad);
    }

    [Fact]
    public void EveryNameParameter_RejectsNullAndEmpty()
    {
        var bad = from c in CmdletMetadata.All
                  from p in c.Parameters
                  where p.Name.EndsWith("Name", StringComparison.Ordinal)
                  where !p.Attributes.Contains(NotNullOrEmpty)
                  select $"{c.Name} -{p.Name}";
        Assert.Empty(bad);
    }

    [Fact]
    public void EveryTimeSpanParameter_ReadsNumbersAsSeconds()
    {
        // Without the transformation PowerShell reads -Duration 2 as two ticks.
        var bad = from c in CmdletMetadata.All
                  from p in c.Parameters
                  where p.Type == typeof(TimeSpan) || p.Type == typeof(TimeSpan?)
                  where !p.Attributes.Contains(Duration)
                  select $"{c.Name} -{p.Name}";
        Assert.Empty(bad);
    }

    /// <summary>The cmdlets that filter by process: each names it -Id, as Get-Process does.</summary>
    private static readonly string[] ProcessFilteringCmdlets =
    [
        "Get-ContextSwitchCount", "Get-ProcessCpuTime", "Measure-OffCpuTime", "Measure-OnCpuTime", "Measure-RunQueueLatency", "Measure-ScheduleTime",
        "Start-SchedTrace", "Watch-PriorityInversion", "Watch-SchedEvent",
    ];

    [Fact]
    public void EveryProcessFilter_IsIdOfInt32Array_WithTheAliasesOfGetProcess_BoundByPropertyName()
    {
        // One name on every cmdlet, an array (several processes, from the pipeline or typed), and
        // the aliases of the other spellings, so "Get-Process x | <cmdlet>" binds its Id. And where
        // -Id binds by property name, -Session binds from the pipeline too: otherwise a piped
        // session, bound only by its Id, would be taken for a process.
        Assert.Empty(from c in CmdletMetadata.All from p in c.Parameters where p.Name is "ProcessId" or "PID" select $"{c.Name} -{p.Name}");
        var bad = from name in ProcessFilteringCmdlets
                  let id = CmdletMetadata.Get(name).Parameter("Id")
                  where id.Type != typeof(int[]) || !id.Attributes.Contains(ProcessIdAlias) || !id.Bindings.All(b => b.Pipeline == ByPropertyName)
                  select name;
        Assert.Empty(bad);
        var threads = from c in CmdletMetadata.All
                      from p in c.Parameters
                      where p.Name == "ThreadId"
                      where p.Type != typeof(int[]) || !p.Attributes.Contains("Alias(\"TID\")") || !p.Bindings.All(b => b.Pipeline == ByPropertyName)
                      select $"{c.Name} -{p.Name}";
        Assert.Empty(threads);
        var sessionless = from name in ProcessFilteringCmdlets
                          let c = CmdletMetadata.Get(name)
                          let session = c.Parameters.SingleOrDefault(p => p.Name == "Session")
                          where session is not null
                          from idBinding in c.Parameter("Id").Bindings
                          where !session.Bindings.Any(b => (b.Set == idBinding.Set || b.Set == All || idBinding.Set == All) && b.Pipeline == ByValueAndPropertyName)
                          select $"{c.Name} set {idBinding.Set}";
        Assert.Empty(sessionless);
    }

    /// <summary>
    /// What each wildcard -Name matches, and so what it must complete. Every such parameter is
    /// listed: a new one has to choose here rather than inherit whichever completer is nearest.
    /// </summary>
    private static readonly Dictionary<string, string> NameCompleterOf = new()
    {
        // Session names: -Name picks sessions of this PowerShell process.
        ["Get-SchedTrace"] = SessionNames,
        ["Stop-SchedTrace"] = SessionNames,
        // Process names: -Name filters processes by their kernel comm.
        ["Get-ProcessCpuTime"] = ProcessNames,
        // Process names: the per-process latency rows carry the comm of the process's main thread.
        ["Measure-RunQueueLatency"] = ProcessNames,
        ["Measure-OffCpuTime"] = ProcessNames,
        ["Measure-ScheduleTime"] = ProcessNames,
        ["Measure-OnCpuTime"] = ProcessNames,
        // Task names: -Name filters events by the comm of the threads in them. The same
        // completer, which offers thread comms for this command (ProcessNameCompleterTests).
        ["Watch-SchedEvent"] = ProcessNames,
        // Task names: any task of an inversion (waiting, owner, or one that ran instead).
        ["Watch-PriorityInversion"] = ProcessNames,
    };

    [Fact]
    public void EveryWildcardNameParameter_CompletesSessionNamesOrProcessNames()
    {
        var wildcardNames = (from c in CmdletMetadata.All
                             from p in c.Parameters
                             where p.Attributes.Contains("SupportsWildcards") && p.Name == "Name"
                             select (Cmdlet: c.Name, p.Attributes)).ToList();
        Assert.Equal(NameCompleterOf.Keys.Order(StringComparer.Ordinal), wildcardNames.Select(n => n.Cmdlet).Order(StringComparer.Ordinal));
        var bad = from n in wildcardNames
                  let completers = n.Attributes.Where(a => a.StartsWith("ArgumentCompleter", StringComparison.Ordinal)).ToList()
                  where completers.Count != 1 || completers[0] != NameCompleterOf[n.Cmdlet]
                  select $"{n.Cmdlet} -Name: expected {NameCompleterOf[n.Cmdlet]}, found [{string.Join(", ", completers)}]";
        Assert.Empty(bad);
    }
}

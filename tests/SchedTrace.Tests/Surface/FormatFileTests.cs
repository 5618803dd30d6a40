using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;
using SchedTrace.Tests.Support;

namespace SchedTrace.Tests.Surface;

/// <summary>The *.ps1xml files, checked against PowerShell's own schemas and against the types they format.</summary>
public sealed class FormatFileTests
{
    private static string FormatFile => Path.Combine(RepoPaths.RepoRoot, "src", "SchedTrace.PowerShell", "SchedTrace.format.ps1xml");

    private static string SchemaFor(string ps1xml) => Path.Combine(
        RepoPaths.SharedDir,
        "schemas",
        "powershell",
        ps1xml.EndsWith(".types.ps1xml", StringComparison.OrdinalIgnoreCase) ? "Types.xsd" : "Format.xsd");

    /// <summary>Every schema error and warning, as file:line:column: message.</summary>
    private static List<string> Validate(string xmlPath, string schemaPath)
    {
        var problems = new List<string>();
        var settings = new XmlReaderSettings { ValidationType = ValidationType.Schema };
        // Warnings include elements the schema does not know (for example a stray namespace): count them.
        settings.ValidationFlags |= XmlSchemaValidationFlags.ReportValidationWarnings;
        settings.Schemas.Add(null, schemaPath);
        settings.ValidationEventHandler += (_, e) =>
            problems.Add($"{Path.GetFileName(xmlPath)}:{e.Exception.LineNumber}:{e.Exception.LinePosition}: {e.Severity}: {e.Message}");
        using var reader = XmlReader.Create(xmlPath, settings);
        while (reader.Read())
        {
        }
        return problems;
    }

    [Fact]
    public void EveryPs1xml_ValidatesAgainstPowerShellsSchema()
    {
        var files = RepoFiles.Matching("*.ps1xml");
        Assert.Contains(FormatFile, files);
        var problems = files.SelectMany(f => Validate(f, SchemaFor(f)));
        Assert.Empty(problems);
    }

    [Fact]
    public void SchemaValidation_RejectsAMalformedView()
    {
        // Proves the validation above can fail: a width that is not a number, a header element that does not exist.
        var bad = Path.Combine(Path.GetTempPath(), $"schedtrace-bad-{Guid.NewGuid():N}.format.ps1xml");
        File.WriteAllText(bad, """
            <Configuration><ViewDefinitions><View><Name>x</Name>
              <ViewSelectedBy><TypeName>SchedTrace.SchedTraceSession</TypeName></ViewSelectedBy>
              <TableControl>
                <TableHeaders><TableColumnHeader><Width>wide</Width><Colour>red</Colour></TableColumnHeader></TableHeaders>
                <TableRowEntries><TableRowEntry><TableColumnItems><TableColumnItem><PropertyName>Id</PropertyName></TableColumnItem></TableColumnItems></TableRowEntry></TableRowEntries>
              </TableControl>
            </View></ViewDefinitions></Configuration>
            """);
        try
        {
            Assert.Equal(2, Validate(bad, SchemaFor(bad)).Count);
        }
        finally
        {
            File.Delete(bad);
        }
    }

    private static IEnumerable<XElement> Views => XDocument.Load(FormatFile).Descendants("View");

    private static IReadOnlyList<string> SelectedTypeNames(XElement view) =>
        view.Element("ViewSelectedBy")!.Elements("TypeName").Select(t => t.Value.Trim()).ToList();

    /// <summary>
    /// The .NET type a view formats. A name like "SchedTrace.LatencyStatistics#PerProcess" is
    /// that type with a PowerShell type name the cmdlet inserts into PSObject.TypeNames to pick
    /// another view; the part before '#' is the type. A view may select several names of one type.
    /// </summary>
    private static Type ViewType(XElement view)
    {
        var types = SelectedTypeNames(view).Select(typeName =>
        {
            var hash = typeName.IndexOf('#', StringComparison.Ordinal);
            return typeof(SchedTraceSession).Assembly.GetType(hash < 0 ? typeName : typeName[..hash])
                ?? throw new Xunit.Sdk.XunitException($"View {view.Element("Name")?.Value} selects {typeName}, which SchedTrace.Core does not define.");
        }).Distinct().ToList();
        return types.Count == 1 ? types[0] : throw new Xunit.Sdk.XunitException($"View {view.Element("Name")?.Value} selects {types.Count} types: {string.Join(", ", types)}.");
    }

    [Fact]
    public void EveryView_NamesAnExistingTypeAndItsProperties()
    {
        var missing = from view in Views
                      let type = ViewType(view)
                      from property in view.Descendants("PropertyName")
                      where type.GetProperty(property.Value.Trim()) is null
                      select $"{type.Name}.{property.Value}";
        Assert.Empty(missing);
    }

    [Fact]
    public void EveryTableView_GivesEachColumnAWidthAndAnItem()
    {
        var bad = new List<string>();
        foreach (var view in Views.Where(v => v.Element("TableControl") is not null))
        {
            var headers = view.Descendants("TableColumnHeader").ToList();
            var items = view.Descendants("TableColumnItems").Select(i => i.Elements("TableColumnItem").Count()).ToList();
            if (items.Any(count => count != headers.Count))
            {
                bad.Add($"{view.Element("Name")!.Value}: {headers.Count} headers, items per row [{string.Join(", ", items)}]");
            }
            bad.AddRange(headers.Where(h => h.Element("Width") is null).Select(h => $"{view.Element("Name")!.Value}: column '{h.Element("Label")?.Value}' has no width"));
        }
        Assert.Empty(bad);
    }

    [Fact]
    public void EveryCmdletOutputType_HasATableView()
    {
        var tabled = Views.Where(v => v.Element("TableControl") is not null).Select(ViewType).ToHashSet();
        // PowerShell matches a view by any of the type names of an object, its base types included.
        static IEnumerable<Type> SelfAndBases(Type? type)
        {
            for (; type is not null; type = type.BaseType)
            {
                yield return type;
            }
        }
        // Types of other assemblies (Export-SchedTimeline's FileInfo) have PowerShell's own views.
        var missing = CmdletMetadata.All.SelectMany(c => c.OutputTypes).Distinct()
            .Where(t => t.Assembly == typeof(SchedTraceSession).Assembly && !SelfAndBases(t).Any(tabled.Contains))
            .Select(t => t.FullName);
        Assert.Empty(missing);
    }

    [Fact]
    public void EveryTableView_FitsItsTerminal()
    {
        // Fixed widths plus one space between columns: 79 for the default views (an 80-column
        // console, whose host keeps the last column free), 119 for the Wide ones. Pester renders
        // them from real data; this covers every variant at once.
        var bad = new List<string>();
        foreach (var view in Views.Where(v => v.Element("TableControl") is not null))
        {
            var widths = view.Descendants("TableColumnHeader").Select(h => int.Parse(h.Element("Width")!.Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            int total = widths.Sum() + widths.Count - 1;
            string name = view.Element("Name")!.Value;
            int limit = name == "Wide" ? 119 : TextLayout.TerminalWidth;
            if (total > limit)
            {
                bad.Add($"{ViewType(view).Name}/{name}: {total} columns, more than {limit}");
            }
        }
        Assert.Empty(bad);
    }

    [Fact]
    public void EveryEventType_SharesOneTableView()
    {
        // Watch-SchedEvent streams them together: one view selected by their base type keeps the
        // stream one table, where a view per type would start a new table (or a list) at each change.
        var eventViews = Views.Where(v => typeof(SchedEvent).IsAssignableFrom(ViewType(v))).ToList();
        Assert.All(eventViews, v => Assert.Equal(typeof(SchedEvent).FullName, Assert.Single(SelectedTypeNames(v))));
        Assert.Equal(["SchedEvent", "Wide"], eventViews.Select(v => v.Element("Name")!.Value));
    }

    [Fact]
    public void EveryType_HasAWideView()
    {
        // Format-Table -View Wide works on every record type; the default views keep 80 columns.
        var typesWithTables = Views.Where(v => v.Element("TableControl") is not null).Select(ViewType).ToHashSet();
        var withWide = Views.Where(v => v.Element("Name")!.Value == "Wide").Select(ViewType).ToHashSet();
        Assert.Empty(typesWithTables.Except(withWide).Select(t => t.FullName));
    }

    /// <summary>Public string constants whose value is a decorated type name ("Type#View"): what cmdlets insert into PSObject.TypeNames.</summary>
    private static Dictionary<string, string> DecoratedTypeNameConstants() =>
        typeof(SchedTraceSession).Assembly.GetExportedTypes()
            .SelectMany(t => t.GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
                .Where(f => f.IsLiteral && f.FieldType == typeof(string))
                .Select(f => (Name: $"{t.Name}.{f.Name}", Value: (string)f.GetRawConstantValue()!)))
            .Where(c => c.Value.Contains('#', StringComparison.Ordinal))
            .ToDictionary(c => c.Value, c => c.Name);

    [Fact]
    public void DecoratedTypeNames_AreThoseTheCodeDeclares_AndEachHasATableView()
    {
        // A view for "Type#Name" only shows if the cmdlet inserts exactly that string; the cmdlets
        // use the constants (through RecordViews), so the file and the constants must agree in
        // both directions.
        var declared = DecoratedTypeNameConstants();
        Assert.Contains(LatencyStatistics.PerProcessTypeName, declared.Keys);
        Assert.Contains(ContextSwitchCount.TotalTypeName, declared.Keys);
        Assert.Contains(ProcessCpuTime.PerThreadTypeName, declared.Keys);
        var decorated = Views.SelectMany(SelectedTypeNames).Where(n => n.Contains('#', StringComparison.Ordinal)).ToHashSet();
        Assert.Empty(decorated.Except(declared.Keys));
        Assert.Empty(declared.Keys.Except(decorated));
        var tabled = Views.Where(v => v.Element("TableControl") is not null).SelectMany(SelectedTypeNames).ToHashSet();
        Assert.Empty(declared.Where(c => !tabled.Contains(c.Key)).Select(c => $"{c.Value} = {c.Key}"));
        foreach (var name in declared.Keys)
        {
            Assert.StartsWith(typeof(LatencyStatistics).Namespace + ".", name, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void LatencyStatistics_DefaultViewIsTheHistogram_ForReadingsAndSamples()
    {
        // Out-Default takes the first view in the file that selects one of the object's type
        // names; Format-Table the first table. Interval samples keep the histogram by default.
        var views = Views.Where(v => SelectedTypeNames(v).Contains(typeof(LatencyStatistics).FullName!)).ToList();
        var custom = views[0].Element("CustomControl");
        Assert.NotNull(custom);
        Assert.Contains("$_.FormatHistogram(", custom.Descendants("ScriptBlock").Single().Value, StringComparison.Ordinal);
        Assert.Contains(LatencyStatistics.IntervalTypeName, SelectedTypeNames(views[0]));
        Assert.NotNull(views[1].Element("TableControl"));
    }

    [Fact]
    public void EveryScriptBlock_UsesMembersThatExist()
    {
        // $_.Member on the view's type and [SchedTrace.Type]::Method: a misspelt one formats as an
        // empty cell at run time, which no schema check would see. Case is ignored, as PowerShell does.
        var missing = new List<string>();
        foreach (var view in Views)
        {
            var type = ViewType(view);
            foreach (var script in view.Descendants("ScriptBlock").Select(s => s.Value))
            {
                foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(script, @"\$_\.(\w+)"))
                {
                    if (type.GetMember(m.Groups[1].Value, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.IgnoreCase).Length == 0)
                    {
                        missing.Add($"{view.Element("Name")!.Value}: {type.Name}.{m.Groups[1].Value}");
                    }
                }
                foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(script, @"\[(SchedTrace\.[\w.]+)\]::(\w+)"))
                {
                    var target = typeof(SchedTraceSession).Assembly.GetType(m.Groups[1].Value, throwOnError: false, ignoreCase: true);
                    if (target?.GetMember(m.Groups[2].Value, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.IgnoreCase).Length is null or 0)
                    {
                        missing.Add($"{view.Element("Name")!.Value}: [{m.Groups[1].Value}]::{m.Groups[2].Value}");
                    }
                }
            }
        }
        Assert.Empty(missing);
    }

    [Fact]
    public void EveryViewName_IsUniqueForItsType()
    {
        // Format-Table -View picks by name among the views of the object's type: "Wide" is one per type.
        var names = Views.Select(v => $"{ViewType(v).FullName}/{v.Element("Name")!.Value}").ToList();
        Assert.Equal(names.Distinct(), names);
    }

    [Fact]
    public void EveryScriptBlock_ParsesAsPowerShell()
    {
        // PowerShell compiles these only when it first formats an object; a typo would show as
        // an empty column at run time, never as an error at import.
        var scripts = XDocument.Load(FormatFile).Descendants("ScriptBlock").Select(s => s.Value).ToList();
        Assert.NotEmpty(scripts);
        var folder = Directory.CreateTempSubdirectory("schedtrace-format-scripts-");
        try
        {
            var files = scripts.Select((script, i) =>
            {
                var file = Path.Combine(folder.FullName, $"scriptblock{i}.ps1");
                File.WriteAllText(file, script);
                return file;
            }).ToList();
            var result = PwshLint.Syntax(files);
            Assert.True(result.ExitCode == 0, result.ToString());
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}

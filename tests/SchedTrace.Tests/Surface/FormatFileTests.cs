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

    private static Type ViewType(XElement view)
    {
        var typeName = view.Element("ViewSelectedBy")!.Elements("TypeName").Single().Value.Trim();
        return typeof(SchedTraceSession).Assembly.GetType(typeName)
            ?? throw new Xunit.Sdk.XunitException($"View {view.Element("Name")?.Value} selects {typeName}, which SchedTrace.Core does not define.");
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
        // Types of other assemblies (Export-SchedTimeline's FileInfo) have PowerShell's own views.
        var missing = CmdletMetadata.All.SelectMany(c => c.OutputTypes).Distinct()
            .Where(t => t.Assembly == typeof(SchedTraceSession).Assembly && !tabled.Contains(t))
            .Select(t => t.FullName);
        Assert.Empty(missing);
    }

    [Fact]
    public void EveryViewName_IsUnique()
    {
        var names = Views.Select(v => v.Element("Name")!.Value).ToList();
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

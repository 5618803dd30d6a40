using System.Reflection;
using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;
using SchedTrace.PowerShell;
using SchedTrace.Tests.Support;

namespace SchedTrace.Tests.Surface;

/// <summary>
/// The help Get-Help reads, checked where pwsh cannot run it: the MAML the build generates from
/// docs/help (against PowerShell's own PSMaml schema and against the compiled cmdlets) and the
/// about_SchedTrace topic, both as laid out in out/SchedTrace/&lt;version&gt;/en-US.
/// </summary>
public sealed class HelpTests
{
    private static readonly XNamespace Msh = "http://msh";
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    private const string Sma = "System.Management.Automation.";

    private static readonly Lazy<XmlSchemaSet> MamlSchemas = new(LoadMamlSchemas);

    private static string ModuleVersion =>
        XDocument.Load(Path.Combine(RepoPaths.RepoRoot, "Directory.Build.props")).Descendants("Version").Single().Value;

    private static string HelpDirectory => Path.Combine(RepoPaths.RepoRoot, "out", "SchedTrace", ModuleVersion, "en-US");

    private static string MamlPath => Path.Combine(HelpDirectory, "SchedTrace.PowerShell.dll-Help.xml");

    private static string AboutPath => Path.Combine(HelpDirectory, "about_SchedTrace.help.txt");

    [Fact]
    public void GeneratedHelp_IsInTheModuleLayout()
    {
        Assert.True(File.Exists(MamlPath), $"the build did not write {MamlPath}");
        var root = XDocument.Load(MamlPath).Root!;
        Assert.Equal(Msh + "helpItems", root.Name);
        // Get-Help ignores a help file whose helpItems does not say it is MAML.
        Assert.Equal("maml", (string?)root.Attribute("schema"));
    }

    [Fact]
    public void EveryCommand_ValidatesAgainstPowerShellMamlSchema()
    {
        var commands = Commands().ToList();
        Assert.NotEmpty(commands);
        var problems = commands.SelectMany(c => SchemaErrors(c).Select(e => $"{Name(c)}: {e}")).ToList();
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void SchemaValidation_RejectsACommandWithoutDetails()
    {
        // Guards the test above against passing vacuously (an empty schema set validates nothing).
        var broken = new XElement(Commands().First());
        broken.Element(Command + "details")!.Remove();
        Assert.NotEmpty(SchemaErrors(broken));
    }

    [Fact]
    public void EveryCmdlet_HasSynopsisExampleAndParameterDescriptions()
    {
        var commands = Commands().ToDictionary(Name);
        var problems = new List<string>();
        foreach (var cmdlet in CmdletTypes())
        {
            var name = CmdletName(cmdlet);
            if (!commands.TryGetValue(name, out var command))
            {
                problems.Add($"{name}: no command:command in the help");
                continue;
            }
            if (Paragraphs(command.Element(Command + "details")?.Element(Maml + "description")).Length == 0)
            {
                problems.Add($"{name}: no synopsis");
            }
            if (Paragraphs(command.Element(Maml + "description")).Length == 0)
            {
                problems.Add($"{name}: no description");
            }
            var examples = command.Element(Command + "examples")?.Elements(Command + "example").ToList() ?? [];
            if (!examples.Any(e => !string.IsNullOrWhiteSpace((string?)e.Element(Dev + "code"))))
            {
                problems.Add($"{name}: no example with code");
            }
            var described = command.Element(Command + "parameters")?.Elements(Command + "parameter")
                .ToDictionary(p => (string)p.Element(Maml + "name")!, p => Paragraphs(p.Element(Maml + "description")))
                ?? [];
            foreach (var parameter in ParameterNames(cmdlet))
            {
                if (!described.TryGetValue(parameter, out var text) || text.Length == 0)
                {
                    problems.Add($"{name}: -{parameter} has no description");
                }
            }
        }
        foreach (var extra in commands.Keys.Except(CmdletTypes().Select(CmdletName)))
        {
            problems.Add($"{extra}: help for a cmdlet the module does not have");
        }
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void Syntax_HasOneItemPerParameterSet()
    {
        var commands = Commands().ToDictionary(Name);
        foreach (var cmdlet in CmdletTypes())
        {
            var sets = cmdlet.GetProperties()
                .SelectMany(p => p.GetCustomAttributesData())
                .Where(a => a.AttributeType.FullName == Sma + "ParameterAttribute")
                .Select(a => a.NamedArguments.FirstOrDefault(n => n.MemberName == "ParameterSetName").TypedValue.Value as string)
                .OfType<string>()
                .Distinct()
                .Count();
            var items = commands[CmdletName(cmdlet)].Element(Command + "syntax")!.Elements(Command + "syntaxItem").Count();
            Assert.True(Math.Max(sets, 1) == items, $"{CmdletName(cmdlet)}: {sets} parameter sets, {items} syntax items");
        }
    }

    [Fact]
    public void ParameterAliases_MatchTheAliasAttributes()
    {
        var commands = Commands().ToDictionary(Name);
        foreach (var cmdlet in CmdletTypes())
        {
            var parameters = commands[CmdletName(cmdlet)].Element(Command + "parameters")!.Elements(Command + "parameter")
                .ToDictionary(p => (string)p.Element(Maml + "name")!, p => (string?)p.Attribute("aliases"));
            foreach (var property in cmdlet.GetProperties().Where(IsParameter))
            {
                var aliases = property.GetCustomAttributesData()
                    .Where(a => a.AttributeType.FullName == Sma + "AliasAttribute")
                    .SelectMany(a => (IEnumerable<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value!)
                    .Select(v => (string)v.Value!)
                    .ToList();
                Assert.Equal(aliases.Count == 0 ? "none" : string.Join(", ", aliases), parameters[property.Name]);
            }
        }
    }

    [Fact]
    public void StartSchedTraceFeatureHelp_DescribesEveryFeature()
    {
        // A feature added to the enum must also be explained where users choose it.
        var feature = Commands().Single(c => Name(c) == "Start-SchedTrace")
            .Element(Command + "parameters")!.Elements(Command + "parameter")
            .Single(p => (string?)p.Element(Maml + "name") == "Feature");
        var text = string.Join(" ", Paragraphs(feature.Element(Maml + "description")));
        var missing = Enum.GetNames<SchedTraceFeature>().Where(name => !text.Contains(name + " ", StringComparison.Ordinal));
        Assert.Empty(missing);
    }

    [Fact]
    public void AboutTopic_IsInTheModuleLayout_StartsWithTopic_AndFitsEightyColumns()
    {
        Assert.True(File.Exists(AboutPath), $"the build did not copy {AboutPath}");
        var lines = File.ReadAllLines(AboutPath);
        Assert.NotEmpty(lines);
        Assert.Equal("TOPIC", lines[0].Trim());
        Assert.Contains(lines, l => l.Trim() == "about_SchedTrace");
        foreach (var heading in new[] { "SHORT DESCRIPTION", "LONG DESCRIPTION", "EXAMPLES", "SEE ALSO" })
        {
            Assert.Contains(lines, l => l.Trim() == heading);
        }
        var tooLong = lines.Select((l, i) => (Line: i + 1, l.Length)).Where(l => l.Length > 80).ToList();
        Assert.True(tooLong.Count == 0, "lines over 80 characters: " + string.Join(", ", tooLong.Select(l => l.Line)));
    }

    private static IEnumerable<XElement> Commands() =>
        XDocument.Load(MamlPath).Root!.Elements(Command + "command");

    private static string Name(XElement command) =>
        (string)command.Element(Command + "details")!.Element(Command + "name")!;

    private static string[] Paragraphs(XElement? description) =>
        description?.Elements(Maml + "para").Select(p => p.Value.Trim()).Where(t => t.Length > 0).ToArray() ?? [];

    private static IEnumerable<Type> CmdletTypes() =>
        typeof(GetSchedTraceCommand).Assembly.GetTypes()
            .Where(t => t.GetCustomAttributesData().Any(a => a.AttributeType.FullName == Sma + "CmdletAttribute"));

    /// <summary>Read from attribute data: the stub's CmdletAttribute instances carry no values.</summary>
    private static string CmdletName(Type cmdlet)
    {
        var attribute = cmdlet.GetCustomAttributesData().Single(a => a.AttributeType.FullName == Sma + "CmdletAttribute");
        return $"{attribute.ConstructorArguments[0].Value}-{attribute.ConstructorArguments[1].Value}";
    }

    private static bool IsParameter(PropertyInfo property) =>
        property.GetCustomAttributesData().Any(a => a.AttributeType.FullName == Sma + "ParameterAttribute");

    private static IEnumerable<string> ParameterNames(Type cmdlet)
    {
        var names = cmdlet.GetProperties().Where(IsParameter).Select(p => p.Name).ToList();
        var cmdletAttribute = cmdlet.GetCustomAttributesData().Single(a => a.AttributeType.FullName == Sma + "CmdletAttribute");
        if (cmdletAttribute.NamedArguments.Any(n => n.MemberName == "SupportsShouldProcess" && n.TypedValue.Value is true))
        {
            names.AddRange(["WhatIf", "Confirm"]);
        }
        return names;
    }

    /// <summary>
    /// Schema errors and warnings for one command:command. Warnings count: an element the schema
    /// set does not know is only a warning to XmlReader, and would otherwise pass unchecked.
    /// </summary>
    private static List<string> SchemaErrors(XElement command)
    {
        var copy = new XElement(command);
        // PowerShell's help view shows parameter aliases from an "aliases" attribute (PlatyPS
        // writes it too); the 2004 MAML schema predates it. Strip exactly that attribute.
        foreach (var parameter in copy.Descendants(Command + "parameter"))
        {
            parameter.Attribute("aliases")?.Remove();
        }
        var errors = new List<string>();
        var settings = new XmlReaderSettings
        {
            ValidationType = ValidationType.Schema,
            Schemas = MamlSchemas.Value,
            ValidationFlags = XmlSchemaValidationFlags.ReportValidationWarnings,
        };
        settings.ValidationEventHandler += (_, e) =>
            errors.Add($"{e.Severity} at {e.Exception?.LineNumber}:{e.Exception?.LinePosition}: {e.Message}");
        using var reader = XmlReader.Create(new StringReader(copy.ToString(SaveOptions.DisableFormatting)), settings);
        while (reader.Read())
        {
        }
        return errors;
    }

    /// <summary>
    /// PowerShell's PSMaml schemas from ../shared. They import one another as "maml.xsd" while
    /// the file is Maml.xsd, which only works on a case-insensitive file system: resolve names
    /// case-insensitively inside the schema folder. A missing shared folder fails, never skips.
    /// </summary>
    private static XmlSchemaSet LoadMamlSchemas()
    {
        var directory = Path.Combine(RepoPaths.SharedDir, "schemas", "powershell", "PSMaml");
        var entry = Path.Combine(directory, "Maml.xsd");
        Assert.True(File.Exists(entry), $"PowerShell's MAML schema is missing: {entry} (the shared folder must sit next to the repository)");
        var schemas = new XmlSchemaSet { XmlResolver = new CaseInsensitiveFileResolver() };
        var problems = new List<string>();
        schemas.ValidationEventHandler += (_, e) => problems.Add($"{e.Severity}: {e.Message} ({e.Exception?.SourceUri}:{e.Exception?.LineNumber})");
        using (var reader = XmlReader.Create(entry, new XmlReaderSettings { XmlResolver = new CaseInsensitiveFileResolver(), DtdProcessing = DtdProcessing.Prohibit }))
        {
            schemas.Add(null, reader);
        }
        schemas.Compile();
        Assert.True(problems.Count == 0, "the MAML schema set did not compile:" + Environment.NewLine + string.Join(Environment.NewLine, problems));
        Assert.NotNull(schemas.GlobalElements[new XmlQualifiedName("command", Command.NamespaceName)]);
        return schemas;
    }

    private sealed class CaseInsensitiveFileResolver : XmlUrlResolver
    {
        public override Uri ResolveUri(Uri? baseUri, string? relativeUri)
        {
            var resolved = base.ResolveUri(baseUri, relativeUri);
            if (!resolved.IsFile || File.Exists(resolved.LocalPath))
            {
                return resolved;
            }
            var folder = Path.GetDirectoryName(resolved.LocalPath)!;
            var match = Directory.Exists(folder)
                ? Directory.EnumerateFiles(folder).FirstOrDefault(f => string.Equals(Path.GetFileName(f), Path.GetFileName(resolved.LocalPath), StringComparison.OrdinalIgnoreCase))
                : null;
            return match is null ? resolved : new Uri(match);
        }
    }
}

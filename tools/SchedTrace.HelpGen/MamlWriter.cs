using System.Globalization;
using System.Xml;

namespace SchedTrace.HelpGen;

/// <summary>Module-wide facts every command:details element repeats.</summary>
internal sealed record ModuleFacts(string Version, string Copyright);

/// <summary>
/// Writes PowerShell MAML: one command:command per cmdlet, in the element order
/// developerCommand.xsd requires (PSMaml in ../shared/schemas/powershell), which is also the
/// order Get-Help's MamlNode reads.
/// </summary>
internal static class MamlWriter
{
    private const string Msh = "http://msh";
    private const string Maml = "http://schemas.microsoft.com/maml/2004/10";
    private const string Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private const string Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    /// <summary>Example titles are padded with dashes to this width, as PowerShell's own help is.</summary>
    private const int ExampleTitleWidth = 64;

    public static void Write(string path, IEnumerable<(CmdletShape Cmdlet, HelpDocument Document)> commands, ModuleFacts module)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var settings = new XmlWriterSettings { Indent = true, IndentChars = "  ", Encoding = new System.Text.UTF8Encoding(false), NewLineChars = "\n" };
        using var writer = XmlWriter.Create(path, settings);
        writer.WriteStartDocument();
        writer.WriteStartElement("helpItems", Msh);
        // Get-Help only treats a file as MAML when helpItems says so.
        writer.WriteAttributeString("schema", "maml");
        foreach (var (cmdlet, document) in commands)
        {
            WriteCommand(writer, cmdlet, document, module);
        }
        writer.WriteEndElement();
        writer.WriteEndDocument();
    }

    private static void WriteCommand(XmlWriter w, CmdletShape cmdlet, HelpDocument doc, ModuleFacts module)
    {
        w.WriteStartElement("command", "command", Command);
        w.WriteAttributeString("xmlns", "maml", null, Maml);
        w.WriteAttributeString("xmlns", "command", null, Command);
        w.WriteAttributeString("xmlns", "dev", null, Dev);

        w.WriteStartElement("command", "details", Command);
        w.WriteElementString("command", "name", Command, cmdlet.Name);
        Description(w, doc.Synopsis);
        w.WriteStartElement("maml", "copyright", Maml);
        Para(w, module.Copyright);
        w.WriteEndElement();
        w.WriteElementString("command", "verb", Command, cmdlet.Verb);
        w.WriteElementString("command", "noun", Command, cmdlet.Noun);
        w.WriteElementString("dev", "version", Dev, module.Version);
        w.WriteEndElement();

        Description(w, doc.Description);
        Syntax(w, cmdlet, doc);
        Parameters(w, cmdlet, doc);
        TypeList(w, "inputTypes", "inputType", doc.Inputs);
        TypeList(w, "returnValues", "returnValue", doc.Outputs);
        // Error ids are documented in NOTES and about_SchedTrace; these elements are required.
        w.WriteElementString("command", "terminatingErrors", Command, string.Empty);
        w.WriteElementString("command", "nonTerminatingErrors", Command, string.Empty);

        if (doc.Notes.Count > 0)
        {
            w.WriteStartElement("maml", "alertSet", Maml);
            w.WriteStartElement("maml", "alert", Maml);
            foreach (var paragraph in doc.Notes)
            {
                Para(w, paragraph);
            }
            w.WriteEndElement();
            w.WriteEndElement();
        }

        Examples(w, doc.Examples);

        w.WriteStartElement("maml", "relatedLinks", Maml);
        foreach (var link in doc.Links)
        {
            w.WriteStartElement("maml", "navigationLink", Maml);
            w.WriteElementString("maml", "linkText", Maml, link.Text);
            w.WriteElementString("maml", "uri", Maml, link.Uri);
            w.WriteEndElement();
        }
        w.WriteEndElement();

        w.WriteEndElement();
    }

    /// <summary>One syntax item per parameter set: positional parameters in position order, then mandatory ones, then the rest.</summary>
    private static void Syntax(XmlWriter w, CmdletShape cmdlet, HelpDocument doc)
    {
        w.WriteStartElement("command", "syntax", Command);
        foreach (var set in cmdlet.ParameterSets)
        {
            w.WriteStartElement("command", "syntaxItem", Command);
            w.WriteElementString("maml", "name", Maml, cmdlet.Name);
            var members = cmdlet.Parameters
                .Select((p, declared) => (Parameter: p, Membership: p.In(set), Declared: declared))
                .Where(m => m.Membership is not null)
                .OrderBy(m => m.Membership!.Position ?? int.MaxValue)
                .ThenBy(m => m.Parameter.IsCommon)
                .ThenBy(m => m.Membership!.Mandatory ? 0 : 1)
                .ThenBy(m => m.Declared);
            foreach (var (parameter, membership, _) in members)
            {
                WriteParameter(w, parameter, Summary.Of(membership!), DescriptionOf(parameter, doc), DefaultOf(parameter, doc), inSyntax: true);
            }
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }

    private static void Parameters(XmlWriter w, CmdletShape cmdlet, HelpDocument doc)
    {
        if (cmdlet.Parameters.Count == 0)
        {
            return;
        }
        w.WriteStartElement("command", "parameters", Command);
        // The order the help file chose (it reads best), then anything PowerShell adds.
        var ordered = cmdlet.Parameters
            .OrderBy(p => doc.Parameters.ToList().FindIndex(d => d.Name == p.Name) is var i and >= 0 ? i : int.MaxValue)
            .ThenBy(p => cmdlet.Parameters.ToList().IndexOf(p));
        foreach (var parameter in ordered)
        {
            WriteParameter(w, parameter, Summary.Across(parameter), DescriptionOf(parameter, doc), DefaultOf(parameter, doc), inSyntax: false);
        }
        w.WriteEndElement();
    }

    private static IReadOnlyList<string> DescriptionOf(ParameterShape parameter, HelpDocument doc) =>
        doc.Parameters.FirstOrDefault(d => d.Name == parameter.Name)?.Paragraphs
        ?? CommonDescriptions.GetValueOrDefault(parameter.Name)
        ?? throw new InvalidOperationException($"-{parameter.Name} has no description; the drift check should have stopped the build.");

    /// <summary>The code's default, or where it has none the words the help file states (DriftCheck allows nothing else).</summary>
    private static string DefaultOf(ParameterShape parameter, HelpDocument doc) =>
        doc.Parameters.FirstOrDefault(d => d.Name == parameter.Name)?.StatedDefault is { } words && !parameter.HasDefault
            ? words
            : parameter.DefaultValue;

    /// <summary>What PowerShell's own help says for the parameters SupportsShouldProcess adds.</summary>
    private static readonly Dictionary<string, IReadOnlyList<string>> CommonDescriptions = new(StringComparer.Ordinal)
    {
        ["WhatIf"] = ["Shows what would happen if the cmdlet runs. The cmdlet is not run."],
        ["Confirm"] = ["Prompts you for confirmation before running the cmdlet."],
    };

    private static void WriteParameter(XmlWriter w, ParameterShape parameter, Summary summary, IReadOnlyList<string> description, string defaultValue, bool inSyntax)
    {
        w.WriteStartElement("command", "parameter", Command);
        w.WriteAttributeString("required", Bool(summary.Required));
        w.WriteAttributeString("variableLength", Bool(parameter.Type.IsArray));
        w.WriteAttributeString("globbing", Bool(parameter.SupportsWildcards));
        w.WriteAttributeString("pipelineInput", summary.PipelineInput);
        w.WriteAttributeString("position", summary.Position);
        // Not in the 2004 MAML schema, but it is what Get-Help's "Aliases" line displays (and
        // what PlatyPS writes); the schema tests strip exactly this attribute before validating.
        w.WriteAttributeString("aliases", parameter.Aliases.Count == 0 ? "none" : string.Join(", ", parameter.Aliases));
        w.WriteElementString("maml", "name", Maml, parameter.Name);
        Description(w, description);

        var valueType = parameter.Type.IsArray ? parameter.Type.GetElementType()! : parameter.Type;
        if (!parameter.IsSwitch)
        {
            if (inSyntax && valueType.IsEnum)
            {
                // Shown as {A | B}: the values a user can type.
                w.WriteStartElement("command", "parameterValueGroup", Command);
                foreach (var name in valueType.GetEnumNames())
                {
                    ParameterValue(w, name, summary.Required, parameter.Type.IsArray);
                }
                w.WriteEndElement();
            }
            else
            {
                ParameterValue(w, TypeName(parameter.Type, shortName: true), required: true, parameter.Type.IsArray);
            }
        }
        w.WriteStartElement("dev", "type", Dev);
        w.WriteElementString("maml", "name", Maml, TypeName(parameter.Type, shortName: false));
        w.WriteElementString("maml", "uri", Maml, string.Empty);
        w.WriteEndElement();
        w.WriteElementString("dev", "defaultValue", Dev, defaultValue);
        w.WriteEndElement();
    }

    private static void ParameterValue(XmlWriter w, string text, bool required, bool variableLength)
    {
        w.WriteStartElement("command", "parameterValue", Command);
        w.WriteAttributeString("required", Bool(required));
        w.WriteAttributeString("variableLength", Bool(variableLength));
        w.WriteString(text);
        w.WriteEndElement();
    }

    private static void TypeList(XmlWriter w, string listElement, string itemElement, IReadOnlyList<DocumentedItem> items)
    {
        w.WriteStartElement("command", listElement, Command);
        foreach (var item in items)
        {
            w.WriteStartElement("command", itemElement, Command);
            w.WriteStartElement("dev", "type", Dev);
            w.WriteElementString("maml", "name", Maml, item.Name);
            w.WriteElementString("maml", "uri", Maml, string.Empty);
            w.WriteEndElement();
            Description(w, item.Paragraphs);
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }

    private static void Examples(XmlWriter w, IReadOnlyList<HelpExample> examples)
    {
        w.WriteStartElement("command", "examples", Command);
        foreach (var example in examples)
        {
            w.WriteStartElement("command", "example", Command);
            w.WriteElementString("maml", "title", Maml, PadTitle(example.Title));
            // The output goes under the command, as in PowerShell's own examples.
            var code = string.Join("\n\n", new[] { example.Code }.Concat(example.Outputs));
            w.WriteElementString("dev", "code", Dev, code);
            w.WriteStartElement("dev", "remarks", Dev);
            foreach (var paragraph in example.Remarks)
            {
                Para(w, paragraph);
            }
            w.WriteEndElement();
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }

    private static string PadTitle(string title)
    {
        int dashes = Math.Max(2, (ExampleTitleWidth - title.Length - 2) / 2);
        var side = new string('-', dashes);
        return $"{side} {title} {side}";
    }

    private static void Description(XmlWriter w, IReadOnlyList<string> paragraphs)
    {
        w.WriteStartElement("maml", "description", Maml);
        foreach (var paragraph in paragraphs)
        {
            Para(w, paragraph);
        }
        w.WriteEndElement();
    }

    private static void Para(XmlWriter w, string text) => w.WriteElementString("maml", "para", Maml, text);

    private static string Bool(bool value) => value ? "true" : "false";

    /// <summary>Int32[] in syntax lines (what Get-Command shows), System.Int32[] as the type.</summary>
    private static string TypeName(Type type, bool shortName)
    {
        if (type.IsArray)
        {
            return TypeName(type.GetElementType()!, shortName) + "[]";
        }
        return shortName ? type.Name : type.FullName ?? type.Name;
    }

    /// <summary>How a parameter reads in one place of the help: required, position, pipeline input.</summary>
    private sealed record Summary(bool Required, string Position, string PipelineInput)
    {
        public static Summary Of(SetMembership membership) =>
            new(membership.Mandatory, PositionText(membership.Position), PipelineText(membership.ByValue, membership.ByPropertyName));

        /// <summary>
        /// For the PARAMETERS section, which is not per set: required only if required in every
        /// set, a position only if every set agrees on it, pipeline input if any set takes it.
        /// </summary>
        public static Summary Across(ParameterShape parameter)
        {
            var sets = parameter.Sets.Values.ToList();
            var positions = sets.Select(s => s.Position).Distinct().ToList();
            return new(
                sets.All(s => s.Mandatory),
                PositionText(positions.Count == 1 ? positions[0] : null),
                PipelineText(sets.Any(s => s.ByValue), sets.Any(s => s.ByPropertyName)));
        }

        private static string PositionText(int? position) =>
            position is int p ? p.ToString(CultureInfo.InvariantCulture) : "named";

        private static string PipelineText(bool byValue, bool byPropertyName) => (byValue, byPropertyName) switch
        {
            (true, true) => "True (ByPropertyName, ByValue)",
            (true, false) => "True (ByValue)",
            (false, true) => "True (ByPropertyName)",
            _ => "False",
        };
    }
}

namespace SchedTrace.HelpGen;

/// <summary>
/// Holds the markdown to the compiled cmdlets, so help cannot drift from the code: every cmdlet
/// has a help file and every help file a cmdlet; every parameter has a description and every
/// described parameter exists; INPUTS and OUTPUTS name exactly the pipeline and [OutputType] types.
/// </summary>
internal static class DriftCheck
{
    /// <summary>What INPUTS or OUTPUTS say when nothing goes in or comes out.</summary>
    public const string None = "None";

    public static void Check(IReadOnlyList<CmdletShape> cmdlets, IReadOnlyList<HelpDocument> documents, string docsDirectory, List<HelpProblem> problems)
    {
        foreach (var cmdlet in cmdlets.Where(c => !documents.Any(d => d.Name == c.Name)))
        {
            problems.Add(new(Path.Combine(docsDirectory, cmdlet.Name + ".md"), 1, $"cmdlet {cmdlet.Name} has no help file"));
        }
        foreach (var document in documents)
        {
            var cmdlet = cmdlets.FirstOrDefault(c => c.Name == document.Name);
            if (cmdlet is null)
            {
                problems.Add(new(document.Path, 1, $"no cmdlet named {document.Name} in the module"));
                continue;
            }
            CheckParameters(cmdlet, document, problems);
            CheckTypes(document, "INPUTS", document.Inputs, InputTypeNames(cmdlet), problems);
            CheckTypes(document, "OUTPUTS", document.Outputs, cmdlet.OutputTypes.Select(t => t.FullName!).ToList(), problems);
        }
    }

    /// <summary>The types a cmdlet takes from the pipeline, by value or by property name.</summary>
    public static IReadOnlyList<string> InputTypeNames(CmdletShape cmdlet) =>
        cmdlet.Parameters
            .Where(p => p.Sets.Values.Any(s => s.ByValue || s.ByPropertyName))
            .Select(p => (p.Type.IsArray ? p.Type.GetElementType()! : p.Type).FullName!)
            .Distinct(StringComparer.Ordinal)
            .ToList();

    private static void CheckParameters(CmdletShape cmdlet, HelpDocument document, List<HelpProblem> problems)
    {
        foreach (var parameter in cmdlet.Parameters.Where(p => !p.IsCommon))
        {
            if (!document.Parameters.Any(d => d.Name == parameter.Name))
            {
                problems.Add(new(document.Path, 1, $"parameter -{parameter.Name} of {cmdlet.Name} has no description (add '### -{parameter.Name}' under PARAMETERS)"));
            }
        }
        foreach (var described in document.Parameters)
        {
            var parameter = cmdlet.Parameters.FirstOrDefault(p => p.Name == described.Name);
            if (parameter is null)
            {
                problems.Add(new(document.Path, described.Line, $"{cmdlet.Name} has no parameter -{described.Name}"));
            }
            else if (described.StatedDefault is { } words && parameter.HasDefault)
            {
                // The words may only fill in where the code has nothing to show, so they cannot contradict it.
                problems.Add(new(document.Path, described.StatedDefaultLine, words == parameter.DefaultValue
                    ? $"-{described.Name} states the default the code already gives ('{words}'); leave the paragraph out"
                    : $"-{described.Name} states the default '{words}', but the code's default is '{parameter.DefaultValue}'; leave the paragraph out (the help shows the code's)"));
            }
            if (document.Parameters.Count(d => d.Name == described.Name) > 1)
            {
                problems.Add(new(document.Path, described.Line, $"parameter -{described.Name} is described twice"));
            }
        }
    }

    private static void CheckTypes(HelpDocument document, string section, IReadOnlyList<DocumentedItem> described, IReadOnlyList<string> actual, List<HelpProblem> problems)
    {
        var expected = actual.Count == 0 ? [None] : actual;
        foreach (var name in expected.Where(n => !described.Any(d => d.Name == n)))
        {
            problems.Add(new(document.Path, 1, $"{section} must describe '### {name}'"));
        }
        foreach (var item in described.Where(d => !expected.Contains(d.Name)))
        {
            problems.Add(new(document.Path, item.Line, $"{section} describes '{item.Name}', which {document.Name} does not {(section == "INPUTS" ? "take from the pipeline" : "declare in [OutputType]")}; expected {string.Join(", ", expected)}"));
        }
    }
}

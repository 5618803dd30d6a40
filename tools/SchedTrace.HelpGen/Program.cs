using SchedTrace.HelpGen;

// SchedTrace.HelpGen --assembly <module dll> --docs <docs/help> --out <...dll-Help.xml>
//                    --version <module version> [--reference <dll>]...
// Exit 0: help written. Exit 1: a help source is wrong or out of step with the code (each problem
// printed as an MSBuild error line). Exit 2: bad arguments.

const string Usage = "usage: SchedTrace.HelpGen --assembly <dll> --docs <dir> --out <file> --version <version> [--reference <dll>]...";

var options = new Dictionary<string, List<string>>(StringComparer.Ordinal);
for (int i = 0; i < args.Length; i++)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
    {
        Console.Error.WriteLine(Usage);
        return 2;
    }
    var name = args[i][2..];
    if (!options.TryGetValue(name, out var values))
    {
        options[name] = values = [];
    }
    values.Add(args[++i]);
}

string? Single(string name) => options.TryGetValue(name, out var values) && values.Count == 1 ? values[0] : null;

if (Single("assembly") is not { } assemblyPath || Single("docs") is not { } docsDirectory
    || Single("out") is not { } outputPath || Single("version") is not { } version)
{
    Console.Error.WriteLine(Usage);
    return 2;
}

var problems = new List<HelpProblem>();
var cmdlets = CmdletReader.Read(assemblyPath, options.GetValueOrDefault("reference") ?? []);
var documents = Directory.Exists(docsDirectory)
    ? Directory.EnumerateFiles(docsDirectory, "*.md").Order(StringComparer.Ordinal).Select(path => HelpMarkdown.Parse(path, problems)).ToList()
    : [];
if (cmdlets.Count == 0)
{
    problems.Add(new(assemblyPath, 1, "no [Cmdlet] classes found"));
}
DriftCheck.Check(cmdlets, documents, docsDirectory, problems);

if (problems.Count > 0)
{
    foreach (var problem in problems)
    {
        Console.Error.WriteLine(problem);
    }
    return 1;
}

// The generator is built with the module's Directory.Build.props, so its copyright is the module's.
var copyright = "(c) " + (System.Reflection.CustomAttributeExtensions.GetCustomAttribute<System.Reflection.AssemblyCopyrightAttribute>(typeof(Program).Assembly)?.Copyright ?? "SchedTrace developers");
MamlWriter.Write(
    outputPath,
    cmdlets.Select(c => (c, documents.Single(d => d.Name == c.Name))),
    new ModuleFacts(version, copyright));
Console.WriteLine($"SchedTrace.HelpGen: {cmdlets.Count} cmdlets -> {outputPath}");
return 0;

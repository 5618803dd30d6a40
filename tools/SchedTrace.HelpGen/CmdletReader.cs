using System.Collections.ObjectModel;
using System.Globalization;
using System.Reflection;
using System.Runtime.Loader;

namespace SchedTrace.HelpGen;

/// <summary>A cmdlet's shape as PowerShell will see it: the syntax half of its help.</summary>
internal sealed record CmdletShape(
    string Name,
    string Verb,
    string Noun,
    string DefaultParameterSet,
    bool SupportsShouldProcess,
    IReadOnlyList<ParameterShape> Parameters,
    IReadOnlyList<Type> OutputTypes)
{
    /// <summary>Parameter set names, the default first, as Get-Command lists them.</summary>
    public IReadOnlyList<string> ParameterSets
    {
        get
        {
            var named = Parameters
                .SelectMany(p => p.Sets.Keys)
                .Where(s => s != ParameterShape.AllSets)
                .Distinct(StringComparer.Ordinal)
                .ToList();
            if (named.Count == 0)
            {
                return [ParameterShape.AllSets];
            }
            return named
                .OrderBy(s => s == DefaultParameterSet ? 0 : 1)
                .ThenBy(s => s, StringComparer.Ordinal)
                .ToList();
        }
    }
}

/// <summary>How a parameter takes part in one parameter set.</summary>
internal sealed record SetMembership(bool Mandatory, int? Position, bool ByValue, bool ByPropertyName);

/// <summary>One cmdlet parameter, from its [Parameter], [Alias] and [SupportsWildcards] attributes.</summary>
internal sealed record ParameterShape(
    string Name,
    Type Type,
    IReadOnlyDictionary<string, SetMembership> Sets,
    IReadOnlyList<string> Aliases,
    bool SupportsWildcards,
    string DefaultValue,
    bool IsCommon)
{
    /// <summary>PowerShell's name for "in every parameter set".</summary>
    public const string AllSets = "__AllParameterSets";

    /// <summary>What the help says when the property's initial value is null, zero or empty.</summary>
    public const string NoDefault = "None";

    public bool IsSwitch => Type.FullName == "System.Management.Automation.SwitchParameter";

    /// <summary>Whether the code gives a default worth showing (a switch's False counts).</summary>
    public bool HasDefault => DefaultValue != NoDefault;

    public SetMembership? In(string set) =>
        Sets.TryGetValue(set, out var membership) ? membership
        : Sets.TryGetValue(AllSets, out var everywhere) ? everywhere
        : null;
}

/// <summary>
/// Reads cmdlet metadata from the built module assembly. PowerShellStandard.Library is a
/// reference stub: its attribute instances come back with default values, so everything here is
/// read from GetCustomAttributesData(), the attribute arguments as compiled into the assembly.
/// </summary>
internal static class CmdletReader
{
    private const string Sma = "System.Management.Automation.";

    public static IReadOnlyList<CmdletShape> Read(string assemblyPath, IEnumerable<string> referencePaths)
    {
        var context = new ReferenceLoadContext(assemblyPath, referencePaths);
        var assembly = context.LoadFromAssemblyPath(Path.GetFullPath(assemblyPath));
        return assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false })
            .Select(t => (Type: t, Cmdlet: Attribute(t.GetCustomAttributesData(), Sma + "CmdletAttribute")))
            .Where(c => c.Cmdlet is not null)
            .Select(c => Shape(c.Type, c.Cmdlet!))
            .OrderBy(c => c.Name, StringComparer.Ordinal)
            .ToList();
    }

    private static CmdletShape Shape(Type type, CustomAttributeData cmdlet)
    {
        string verb = (string)cmdlet.ConstructorArguments[0].Value!;
        string noun = (string)cmdlet.ConstructorArguments[1].Value!;
        bool shouldProcess = Named(cmdlet, "SupportsShouldProcess") is true;
        var defaults = DefaultsOf(type);
        var parameters = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .OrderBy(p => p.MetadataToken)
            .Select(p => Parameter(p, defaults))
            .OfType<ParameterShape>()
            .ToList();
        if (shouldProcess)
        {
            // -WhatIf and -Confirm are added by PowerShell, not declared; help lists them anyway.
            var switchType = cmdlet.AttributeType.Assembly.GetType(Sma + "SwitchParameter", throwOnError: true)!;
            parameters.Add(CommonSwitch("WhatIf", "wi", switchType));
            parameters.Add(CommonSwitch("Confirm", "cf", switchType));
        }
        var outputTypes = type.GetCustomAttributesData()
            .Where(a => a.AttributeType.FullName == Sma + "OutputTypeAttribute")
            .SelectMany(a => Values(a.ConstructorArguments[0]))
            .OfType<Type>()
            .ToList();
        return new CmdletShape(
            $"{verb}-{noun}",
            verb,
            noun,
            Named(cmdlet, "DefaultParameterSetName") as string ?? ParameterShape.AllSets,
            shouldProcess,
            parameters,
            outputTypes);
    }

    private static ParameterShape CommonSwitch(string name, string alias, Type switchType)
    {
        var everywhere = new Dictionary<string, SetMembership> { [ParameterShape.AllSets] = new(false, null, false, false) };
        return new ParameterShape(name, switchType, everywhere, [alias], false, "False", IsCommon: true);
    }

    private static ParameterShape? Parameter(PropertyInfo property, object? defaults)
    {
        var attributes = property.GetCustomAttributesData();
        var declarations = attributes.Where(a => a.AttributeType.FullName == Sma + "ParameterAttribute").ToList();
        if (declarations.Count == 0)
        {
            return null;
        }
        var sets = new Dictionary<string, SetMembership>(StringComparer.Ordinal);
        foreach (var declaration in declarations)
        {
            string set = Named(declaration, "ParameterSetName") as string ?? ParameterShape.AllSets;
            int? position = Named(declaration, "Position") is int p && p != int.MinValue ? p : null;
            sets[set] = new SetMembership(
                Named(declaration, "Mandatory") is true,
                position,
                Named(declaration, "ValueFromPipeline") is true,
                Named(declaration, "ValueFromPipelineByPropertyName") is true);
        }
        var aliases = attributes
            .Where(a => a.AttributeType.FullName == Sma + "AliasAttribute")
            .SelectMany(a => a.ConstructorArguments.SelectMany(Values))
            .OfType<string>()
            .ToList();
        bool wildcards = attributes.Any(a => a.AttributeType.FullName == Sma + "SupportsWildcardsAttribute");
        return new ParameterShape(property.Name, property.PropertyType, sets, aliases, wildcards, DefaultText(property, defaults), IsCommon: false);
    }

    /// <summary>A fresh instance of the cmdlet, to read property initialisers as default values.</summary>
    private static object? DefaultsOf(Type type)
    {
        try
        {
            return Activator.CreateInstance(type);
        }
        catch (Exception e) when (e is TargetInvocationException or MissingMethodException or TypeLoadException)
        {
            // No usable constructor outside PowerShell: the help says "None" rather than guess.
            return null;
        }
    }

    private static string DefaultText(PropertyInfo property, object? defaults)
    {
        object? value = defaults is null ? null : property.GetValue(defaults);
        const string None = ParameterShape.NoDefault;
        return value switch
        {
            null => None,
            TimeSpan span when span == TimeSpan.Zero => None,
            // Durations read numbers as seconds, so the default is shown the same way.
            TimeSpan span => span.TotalSeconds.ToString(CultureInfo.InvariantCulture) + (span == TimeSpan.FromSeconds(1) ? " second" : " seconds"),
            int number when number == 0 => None,
            bool flag => flag ? "True" : "False",
            Array items when items.Length == 0 => None,
            Array items => string.Join(", ", items.Cast<object>()),
            _ when property.PropertyType.FullName == Sma + "SwitchParameter" => "False",
            _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? None,
        };
    }

    private static CustomAttributeData? Attribute(IEnumerable<CustomAttributeData> attributes, string fullName) =>
        attributes.FirstOrDefault(a => a.AttributeType.FullName == fullName);

    private static object? Named(CustomAttributeData attribute, string name) =>
        attribute.NamedArguments.FirstOrDefault(n => n.MemberName == name).TypedValue.Value;

    /// <summary>A params-array attribute argument arrives as a collection of typed arguments.</summary>
    private static IEnumerable<object?> Values(CustomAttributeTypedArgument argument) =>
        argument.Value is ReadOnlyCollection<CustomAttributeTypedArgument> items
            ? items.Select(i => i.Value)
            : [argument.Value];

    /// <summary>
    /// Loads the module assembly in isolation and finds its references (SchedTrace.Core next to
    /// it, the System.Management.Automation stub from the NuGet cache) by simple name.
    /// </summary>
    private sealed class ReferenceLoadContext : AssemblyLoadContext
    {
        private readonly Dictionary<string, string> candidates = new(StringComparer.OrdinalIgnoreCase);

        public ReferenceLoadContext(string assemblyPath, IEnumerable<string> referencePaths)
            : base("SchedTrace.HelpGen", isCollectible: false)
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(assemblyPath))!;
            foreach (var file in Directory.EnumerateFiles(directory, "*.dll").Concat(referencePaths))
            {
                candidates.TryAdd(Path.GetFileNameWithoutExtension(file), Path.GetFullPath(file));
            }
        }

        protected override Assembly? Load(AssemblyName assemblyName) =>
            assemblyName.Name is { } name && candidates.TryGetValue(name, out var path) && File.Exists(path)
                ? LoadFromAssemblyPath(path)
                : null;
    }
}

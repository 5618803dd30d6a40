using System.Management.Automation;
using System.Reflection;
using SchedTrace.PowerShell;

namespace SchedTrace.Tests.Surface;

/// <summary>How one parameter binds in one parameter set.</summary>
public sealed record ParameterBinding(string Parameter, string Set, bool Mandatory, int? Position, PipelineInput Pipeline)
{
    public override string ToString() =>
        $"-{Parameter} in set {Set}{(Mandatory ? ", mandatory" : string.Empty)}{(Position is { } p ? $", position {p}" : string.Empty)}{(Pipeline == PipelineInput.None ? string.Empty : $", pipeline {Pipeline}")}";
}

public enum PipelineInput
{
    None,
    ByValue,
    ByPropertyName,
    ByValueAndPropertyName,
}

/// <summary>A cmdlet parameter: its type, its bindings, and its other attributes written as C# would show them.</summary>
public sealed record ParameterDefinition(string Name, Type Type, IReadOnlyList<ParameterBinding> Bindings, IReadOnlyList<string> Attributes);

/// <summary>A [Cmdlet] class as PowerShell would read it.</summary>
public sealed record CmdletDefinition(
    Type Type,
    string Verb,
    string Noun,
    string? DefaultParameterSetName,
    bool SupportsShouldProcess,
    IReadOnlyList<Type> OutputTypes,
    IReadOnlyList<ParameterDefinition> Parameters)
{
    public string Name => $"{Verb}-{Noun}";

    /// <summary>The sets named by [Parameter(ParameterSetName = ...)], without the implicit all-sets one.</summary>
    public IReadOnlyList<string> ExplicitParameterSets =>
        Parameters.SelectMany(p => p.Bindings).Select(b => b.Set).Where(s => s != CmdletMetadata.AllParameterSets).Distinct().Order().ToList();

    public ParameterDefinition Parameter(string name) =>
        Parameters.SingleOrDefault(p => p.Name == name) ?? throw new KeyNotFoundException($"{Name} has no parameter {name}.");

    public override string ToString() => Name;
}

/// <summary>
/// Reads the cmdlet assembly through GetCustomAttributesData. The reference stub of
/// System.Management.Automation has empty bodies, so attribute instances would report defaults
/// (every Position int.MinValue, every Mandatory false) and prove nothing.
/// </summary>
public static class CmdletMetadata
{
    /// <summary>What PowerShell calls the set of a [Parameter] without ParameterSetName.</summary>
    public const string AllParameterSets = "__AllParameterSets";

    public static Assembly CmdletAssembly => typeof(SchedTraceCmdlet).Assembly;

    public static IReadOnlyList<CmdletDefinition> All { get; } = CmdletAssembly.GetTypes()
        .Where(t => t.GetCustomAttributesData().Any(a => a.AttributeType == typeof(CmdletAttribute)))
        .Select(Read)
        .OrderBy(c => c.Name, StringComparer.Ordinal)
        .ToList();

    public static CmdletDefinition Get(string name) =>
        All.SingleOrDefault(c => c.Name == name) ?? throw new KeyNotFoundException($"No [Cmdlet] class is {name}; found: {string.Join(", ", All)}.");

    private static CmdletDefinition Read(Type type)
    {
        var cmdlet = type.GetCustomAttributesData().Single(a => a.AttributeType == typeof(CmdletAttribute));
        var outputTypes = type.GetCustomAttributesData()
            .Where(a => a.AttributeType == typeof(OutputTypeAttribute))
            .SelectMany(a => a.ConstructorArguments)
            .SelectMany(Flatten)
            .OfType<Type>()
            .ToList();
        var parameters = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(ReadParameter)
            .OfType<ParameterDefinition>()
            .ToList();
        return new CmdletDefinition(
            type,
            (string)cmdlet.ConstructorArguments[0].Value!,
            (string)cmdlet.ConstructorArguments[1].Value!,
            Named<string>(cmdlet, nameof(CmdletAttribute.DefaultParameterSetName)),
            Named<bool>(cmdlet, nameof(CmdletAttribute.SupportsShouldProcess)),
            outputTypes,
            parameters);
    }

    private static ParameterDefinition? ReadParameter(PropertyInfo property)
    {
        var attributes = property.GetCustomAttributesData();
        var bindings = attributes
            .Where(a => a.AttributeType == typeof(ParameterAttribute))
            .Select(a => new ParameterBinding(
                property.Name,
                Named<string>(a, nameof(ParameterAttribute.ParameterSetName)) ?? AllParameterSets,
                Named<bool>(a, nameof(ParameterAttribute.Mandatory)),
                Named<int?>(a, nameof(ParameterAttribute.Position)),
                (Named<bool>(a, nameof(ParameterAttribute.ValueFromPipeline)), Named<bool>(a, nameof(ParameterAttribute.ValueFromPipelineByPropertyName))) switch
                {
                    (true, true) => PipelineInput.ByValueAndPropertyName,
                    (true, false) => PipelineInput.ByValue,
                    (false, true) => PipelineInput.ByPropertyName,
                    _ => PipelineInput.None,
                }))
            .ToList();
        if (bindings.Count == 0)
        {
            return null;
        }
        var others = attributes
            .Where(a => a.AttributeType != typeof(ParameterAttribute) && a.AttributeType.Namespace != "System.Runtime.CompilerServices")
            .Select(Describe)
            .Order(StringComparer.Ordinal)
            .ToList();
        return new ParameterDefinition(property.Name, property.PropertyType, bindings, others);
    }

    /// <summary>An attribute as it reads in source: ValidateRange(1, 2147483647), Alias("PID").</summary>
    public static string Describe(CustomAttributeData attribute)
    {
        var name = attribute.AttributeType.Name;
        if (name.EndsWith("Attribute", StringComparison.Ordinal))
        {
            name = name[..^"Attribute".Length];
        }
        var arguments = attribute.ConstructorArguments.SelectMany(Flatten)
            .Select(Literal)
            .Concat(attribute.NamedArguments.Select(n => $"{n.MemberName} = {Literal(n.TypedValue.Value)}"))
            .ToList();
        return arguments.Count == 0 ? name : $"{name}({string.Join(", ", arguments)})";
    }

    private static string Literal(object? value) => value switch
    {
        null => "null",
        string text => $"\"{text}\"",
        Type type => $"typeof({type.Name})",
        bool flag => flag ? "true" : "false",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty,
    };

    /// <summary>params arrays arrive as a collection of typed arguments; spread them.</summary>
    private static IEnumerable<object?> Flatten(CustomAttributeTypedArgument argument) =>
        argument.Value is IEnumerable<CustomAttributeTypedArgument> items
            ? items.Select(i => i.Value)
            : [argument.Value];

    /// <summary>A named argument's value, or default when the source did not set it.</summary>
    private static T? Named<T>(CustomAttributeData attribute, string name)
    {
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.MemberName == name)
            {
                return (T?)argument.TypedValue.Value;
            }
        }
        return default;
    }
}

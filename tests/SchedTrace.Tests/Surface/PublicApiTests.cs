using System.Reflection;
using SchedTrace.Engine;
using SchedTrace.Interop;

namespace SchedTrace.Tests.Surface;

/// <summary>
/// The public API of SchedTrace.Core is the core model: no type of the BPF plumbing
/// (SchedTrace.Engine) or of the libbpf interop (SchedTrace.Interop) is public, and no public
/// signature names one, so both stay free to change.
/// </summary>
public sealed class PublicApiTests
{
    private static readonly string[] InnerNamespaces = ["SchedTrace.Engine", "SchedTrace.Interop"];

    private static readonly Assembly Core = typeof(SchedTraceSession).Assembly;

    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    [Fact]
    public void NoPublicType_LivesInTheEngineOrTheInterop()
    {
        var inner = Core.GetExportedTypes().Where(t => IsInner(t)).Select(t => t.FullName).ToList();
        Assert.Empty(inner);
    }

    [Fact]
    public void NoPublicSignature_NamesAnEngineOrInteropType()
    {
        var leaks = new List<string>();
        foreach (var type in Core.GetExportedTypes())
        {
            foreach (var used in new[] { type.BaseType }.Concat(type.GetInterfaces()))
            {
                Check(leaks, $"{type.FullName} derives from", used);
            }
            // Protected members are public API too: a type outside the assembly can derive and see them.
            foreach (var member in type.GetMembers(Declared).Where(IsVisibleOutside))
            {
                foreach (var used in SignatureOf(member))
                {
                    Check(leaks, $"{type.FullName}.{member.Name}", used);
                }
            }
        }
        Assert.Empty(leaks);
    }

    [Fact]
    public void TheCheck_FindsAnInnerTypeInsideAGenericSignature()
    {
        // The check above looks through arrays and generic arguments: a Log callback typed
        // Action<LibBpfLogLevel, string> is a leak, as a bare LibBpfLogLevel would be.
        var leaks = new List<string>();
        Check(leaks, "sample", typeof(Action<LibBpfLogLevel, string>[]));
        Check(leaks, "sample", typeof(IReadOnlyList<KeyValuePair<int, HookKind>>));
        Check(leaks, "sample", typeof(Action<SchedTraceLogLevel, string>));
        Assert.Equal(2, leaks.Count);
    }

    [Fact]
    public void PublicHookAndLogLevel_HaveTheEngineMembersNames_AndMapBothWays()
    {
        // Users see these names (a session's Hook: BtfTracepoint); the engine's must stay in step.
        Assert.Equal(Enum.GetNames<HookKind>(), Enum.GetNames<SchedTraceHook>());
        Assert.Equal(Enum.GetNames<LibBpfLogLevel>(), Enum.GetNames<SchedTraceLogLevel>());
        foreach (var hook in Enum.GetValues<SchedTraceHook>())
        {
            Assert.Equal(hook.ToString(), hook.ToEngine().ToString());
            Assert.Equal(hook, hook.ToEngine().ToPublic());
        }
        foreach (var level in Enum.GetValues<SchedTraceLogLevel>())
        {
            Assert.Equal(level.ToString(), level.ToLibBpf().ToString());
            Assert.Equal(level, level.ToLibBpf().ToPublic());
        }
    }

    private static bool IsVisibleOutside(MemberInfo member) => member switch
    {
        MethodBase method => method.IsPublic || method.IsFamily || method.IsFamilyOrAssembly,
        FieldInfo field => field.IsPublic || field.IsFamily || field.IsFamilyOrAssembly,
        // Properties and events are seen through their accessors.
        PropertyInfo property => property.GetAccessors(nonPublic: true).Any(IsVisibleOutside),
        EventInfo e => e.AddMethod is { } add && IsVisibleOutside(add),
        Type nested => nested.IsNestedPublic || nested.IsNestedFamily || nested.IsNestedFamORAssem,
        _ => false,
    };

    private static IEnumerable<Type?> SignatureOf(MemberInfo member) => member switch
    {
        MethodInfo method => method.GetParameters().Select(p => p.ParameterType).Append(method.ReturnType)
            .Concat(method.IsGenericMethodDefinition ? method.GetGenericArguments().SelectMany(a => a.GetGenericParameterConstraints()) : []),
        ConstructorInfo constructor => constructor.GetParameters().Select(p => p.ParameterType),
        PropertyInfo property => property.GetIndexParameters().Select(p => p.ParameterType).Append(property.PropertyType),
        FieldInfo field => [field.FieldType],
        EventInfo { EventHandlerType: { } handler } => [handler],
        _ => Array.Empty<Type>(),
    };

    private static void Check(List<string> leaks, string where, Type? type)
    {
        if (Mentions(type))
        {
            leaks.Add($"{where}: {type}");
        }
    }

    private static bool Mentions(Type? type) =>
        type is not null && (type.HasElementType
            ? Mentions(type.GetElementType())
            : IsInner(type) || (type.IsGenericType && type.GetGenericArguments().Any(Mentions)));

    private static bool IsInner(Type type) =>
        !type.IsGenericParameter && InnerNamespaces.Any(ns => type.Namespace == ns || (type.Namespace?.StartsWith(ns + ".", StringComparison.Ordinal) ?? false));
}

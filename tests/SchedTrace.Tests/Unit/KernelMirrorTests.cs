using System.Reflection;
using System.Runtime.InteropServices;
using SchedTrace.Engine;

namespace SchedTrace.Tests.Unit;

/// <summary>
/// Every struct the user side shares with the BPF programs is held to the layout the compiler gave
/// the kernel side, read from the BTF of the object embedded in SchedTrace.dll: the same size, the
/// same number of fields, each at the same offset with the same size. Opening the object needs no
/// privileges; nothing is loaded into the kernel.
/// </summary>
public sealed class KernelMirrorTests
{
    private static readonly Assembly Core = typeof(SchedTraceSession).Assembly;

    public static TheoryData<string> Mirrors()
    {
        var data = new TheoryData<string>();
        foreach (var type in Core.GetTypes().Where(t => t.GetCustomAttribute<KernelMirrorAttribute>() is not null).OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            data.Add(type.FullName!);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Mirrors))]
    public void Mirror_HasTheLayoutOfItsKernelStruct(string typeName)
    {
        var type = Core.GetType(typeName, throwOnError: true)!;
        string structName = type.GetCustomAttribute<KernelMirrorAttribute>()!.StructName;
        var layout = ObjectTypes.FindStruct(structName);
        Assert.True(layout is not null, $"the BPF object's BTF has no struct {structName} for {type.Name}");
        Assert.Empty(Mismatches(type, layout));
    }

    [Fact]
    public void EveryStructLaidOutForTheKernel_IsMarkedAsAMirror()
    {
        // The engine's sequential structs named Bpf... are the ones read from or written to maps
        // and ring buffers; one without the mark would escape the layout check.
        var unmarked = Core.GetTypes()
            .Where(t => t.IsValueType && t.Namespace is "SchedTrace.Engine" or "SchedTrace.Measures" && t.Name.StartsWith("Bpf", StringComparison.Ordinal) && t.IsLayoutSequential && !t.IsEnum)
            .Where(t => t.GetCustomAttribute<KernelMirrorAttribute>() is null)
            .Select(t => t.Name);
        Assert.Empty(unmarked);
        Assert.True(Mirrors().Count >= 20, "the mirrors of the measures' constants (those only on or off share one), the counters, the records, the latency and inversion structs");
    }

    [Fact]
    public void TheCheck_FindsAFieldThatMovedOrIsMissing()
    {
        var layout = ObjectTypes.FindStruct("switch_counts")!;
        Assert.Empty(Mismatches(typeof(SwitchCountsAsCompiled), layout));
        Assert.NotEmpty(Mismatches(typeof(SwitchCountsMissingAField), layout));
        Assert.NotEmpty(Mismatches(typeof(SwitchCountsNarrowed), layout));
    }

    [Fact]
    public void AStructTheObjectDoesNotHave_IsNotFound()
    {
        Assert.Null(ObjectTypes.FindStruct("no_such_struct_in_schedtrace"));
    }

    /// <summary>
    /// What differs between a C# struct and the kernel's: the size, and whether the fields tile each
    /// member exactly, in order (one field per member, or for a C array, one field per element, as
    /// BpfInvAlert mirrors ran[4] with Ran0..Ran3).
    /// </summary>
    private static List<string> Mismatches(Type type, BtfStructLayout layout)
    {
        var problems = new List<string>();
        int size = Marshal.SizeOf(type);
        if (size != layout.Size)
        {
            problems.Add($"{type.Name} is {size} bytes, struct {layout.Name} {layout.Size}");
        }
        var fields = type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .OrderBy(f => f.MetadataToken)
            .Select(f => (f.Name, Offset: (int)Marshal.OffsetOf(type, f.Name), Size: SizeOf(f.FieldType)))
            .ToList();
        int next = 0;
        foreach (var member in layout.Members)
        {
            if (member.IsBitField)
            {
                problems.Add($"{layout.Name}.{member.Name} is a bit field, which a C# field cannot mirror");
            }
            int covered = 0;
            var taken = new List<string>();
            while (next < fields.Count && fields[next].Offset < member.Offset + member.Size)
            {
                var field = fields[next++];
                taken.Add(field.Name);
                if (field.Offset != member.Offset + covered)
                {
                    problems.Add($"{type.Name}.{field.Name} is at {field.Offset}, where {layout.Name}.{member.Name} (at {member.Offset}, {member.Size} bytes) needs byte {member.Offset + covered}");
                }
                covered += field.Size;
            }
            if (covered != member.Size)
            {
                problems.Add($"{layout.Name}.{member.Name} is {member.Size} bytes at {member.Offset}; {type.Name} gives it {covered} ({(taken.Count == 0 ? "no field" : string.Join(", ", taken))})");
            }
        }
        problems.AddRange(fields.Skip(next).Select(f => $"{type.Name}.{f.Name} (at {f.Offset}) has no member in struct {layout.Name}"));
        return problems;
    }

    private static int SizeOf(Type type) => Marshal.SizeOf(type.IsEnum ? Enum.GetUnderlyingType(type) : type);

    [StructLayout(LayoutKind.Sequential)]
    private struct SwitchCountsAsCompiled
    {
        public ulong Voluntary;
        public ulong Involuntary;
        public ulong FromIdle;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SwitchCountsMissingAField
    {
        public ulong Voluntary;
        public ulong Involuntary;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SwitchCountsNarrowed
    {
        public ulong Voluntary;
        public uint Involuntary;
        public ulong FromIdle;
    }
}

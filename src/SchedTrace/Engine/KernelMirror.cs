using System.Runtime.InteropServices;
using SchedTrace.Interop;

namespace SchedTrace.Engine;

/// <summary>
/// Marks a struct that mirrors a struct of the BPF programs (bpf/*.h, bpf/*.c): same fields in
/// the same order with the same sizes. The unit test KernelMirrorTests holds every marked struct
/// to the layout in the embedded object's BTF, so the two sides cannot drift apart.
/// </summary>
[AttributeUsage(AttributeTargets.Struct, Inherited = false)]
internal sealed class KernelMirrorAttribute(string structName) : Attribute
{
    /// <summary>The C name, without "struct".</summary>
    public string StructName { get; } = structName;
}

/// <summary>One member of a kernel-side struct, as the object's BTF lays it out.</summary>
internal sealed record BtfMemberLayout(string Name, int Offset, int Size, bool IsBitField);

/// <summary>A kernel-side struct as the object's BTF lays it out: its size and its members in order.</summary>
internal sealed record BtfStructLayout(string Name, int Size, IReadOnlyList<BtfMemberLayout> Members);

/// <summary>The struct layouts compiled into SchedTrace's embedded BPF object, read from its BTF.</summary>
internal static class ObjectTypes
{
    /// <summary>The layout of <c>struct <paramref name="name"/></c>, or null when the object has none.</summary>
    public static BtfStructLayout? FindStruct(string name)
    {
        using var obj = SchedBpfObject.Open();
        nint btf = LibBpf.bpf_object__btf(obj);
        if (btf == 0)
        {
            throw new InvalidOperationException("The embedded BPF object has no BTF: it must be built with clang -g.");
        }
        int id = LibBpf.btf__find_by_name_kind(btf, name, LibBpf.BTF_KIND_STRUCT);
        if (id <= 0)
        {
            return null;
        }
        nint type = LibBpf.btf__type_by_id(btf, (uint)id);
        var header = Marshal.PtrToStructure<LibBpf.BtfType>(type);
        int headerSize = Marshal.SizeOf<LibBpf.BtfType>();
        int memberSize = Marshal.SizeOf<LibBpf.BtfMember>();
        var members = new List<BtfMemberLayout>(header.MemberCount);
        for (int i = 0; i < header.MemberCount; i++)
        {
            var member = Marshal.PtrToStructure<LibBpf.BtfMember>(type + headerSize + i * memberSize);
            uint bitOffset = header.KindFlag ? member.Offset & 0xffffff : member.Offset;
            bool bitField = header.KindFlag && (member.Offset >> 24) != 0;
            members.Add(new BtfMemberLayout(
                Marshal.PtrToStringUTF8(LibBpf.btf__name_by_offset(btf, member.NameOffset)) ?? string.Empty,
                (int)(bitOffset / 8),
                (int)LibBpf.btf__resolve_size(btf, member.Type),
                bitField || bitOffset % 8 != 0));
        }
        return new BtfStructLayout(name, (int)header.SizeOrType, members);
    }
}

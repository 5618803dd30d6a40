using System.Runtime.InteropServices;

namespace SchedTrace.Interop;

// Every native call SchedTrace makes goes through this file (and Libc.cs). libbpf 1.x
// semantics: pointer-returning calls give NULL and set errno; int-returning calls give -errno.
internal static partial class LibBpf
{
    internal const string LibraryName = "libbpf.so.1";

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial nint bpf_object__open_mem(nint objBuf, nuint objBufSize, in BpfObjectOpenOpts opts);

    [LibraryImport(LibraryName)]
    internal static partial int bpf_object__load(BpfObjectHandle obj);

    [LibraryImport(LibraryName)]
    internal static partial void bpf_object__close(nint obj);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint bpf_object__find_program_by_name(BpfObjectHandle obj, string name);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint bpf_object__find_map_by_name(BpfObjectHandle obj, string name);

    [LibraryImport(LibraryName)]
    internal static partial nint bpf_object__next_map(BpfObjectHandle obj, nint previousMap);

    [LibraryImport(LibraryName)]
    internal static partial nint bpf_object__next_program(BpfObjectHandle obj, nint previousProgram);

    [LibraryImport(LibraryName)]
    internal static partial nint bpf_program__name(nint prog);

    [LibraryImport(LibraryName)]
    internal static partial nint bpf_map__name(nint map);

    [LibraryImport(LibraryName)]
    internal static partial int bpf_map__fd(nint map);

    [LibraryImport(LibraryName)]
    internal static partial uint bpf_map__value_size(nint map);

    [LibraryImport(LibraryName)]
    internal static partial int bpf_map__set_initial_value(nint map, nint data, nuint size);

    [LibraryImport(LibraryName)]
    internal static partial int bpf_map__set_max_entries(nint map, uint maxEntries);

    [LibraryImport(LibraryName)]
    internal static partial int bpf_map__set_map_flags(nint map, uint flags);

    [LibraryImport(LibraryName)]
    internal static partial int bpf_map__set_autocreate(nint map, [MarshalAs(UnmanagedType.U1)] bool autocreate);

    [LibraryImport(LibraryName)]
    internal static partial uint bpf_map__map_flags(nint map);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int bpf_map_lookup_batch(int fd, nint inBatch, nint outBatch, nint keys, nint values, ref uint count, in BpfMapBatchOpts opts);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int bpf_map_lookup_and_delete_elem(int fd, nint key, nint value);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int bpf_prog_test_run_opts(int progFd, ref BpfTestRunOpts opts);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static unsafe partial nint ring_buffer__new(int mapFd, delegate* unmanaged<nint, nint, nuint, int> sampleCallback, nint context, nint opts);

    [LibraryImport(LibraryName)]
    internal static partial int ring_buffer__consume(RingBufferHandle ringBuffer);

    [LibraryImport(LibraryName)]
    internal static partial void ring_buffer__free(nint ringBuffer);

    [LibraryImport(LibraryName)]
    internal static partial int bpf_program__set_autoload(nint prog, [MarshalAs(UnmanagedType.U1)] bool autoload);

    [LibraryImport(LibraryName)]
    internal static partial int bpf_program__fd(nint prog);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial nint bpf_program__attach(nint prog);

    [LibraryImport(LibraryName)]
    internal static partial int bpf_link__destroy(nint link);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial nint bpf_program__attach_iter(nint prog, nint opts);

    [LibraryImport(LibraryName)]
    internal static partial uint libbpf_major_version();

    [LibraryImport(LibraryName)]
    internal static partial uint libbpf_minor_version();

    /// <summary>The object's own BTF (its types as compiled), owned by the object.</summary>
    [LibraryImport(LibraryName)]
    internal static partial nint bpf_object__btf(BpfObjectHandle obj);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int btf__find_by_name_kind(nint btf, string name, uint kind);

    /// <summary>A <see cref="BtfType"/>, followed by its members for a struct or union.</summary>
    [LibraryImport(LibraryName)]
    internal static partial nint btf__type_by_id(nint btf, uint typeId);

    [LibraryImport(LibraryName)]
    internal static partial nint btf__name_by_offset(nint btf, uint offset);

    [LibraryImport(LibraryName)]
    internal static partial long btf__resolve_size(nint btf, uint typeId);

    internal const uint BTF_KIND_STRUCT = 4;

    /// <summary>struct btf_type (uapi linux/btf.h): info holds vlen (bits 0-15), kind (24-28) and kflag (31).</summary>
    internal struct BtfType
    {
        public uint NameOffset;
        public uint Info;
        public uint SizeOrType;

        public readonly int MemberCount => (int)(Info & 0xffff);
        public readonly bool KindFlag => (Info >> 31) != 0;
    }

    /// <summary>struct btf_member: offset in bits, or with kflag, bitfield size (bits 24-31) and offset (0-23).</summary>
    internal struct BtfMember
    {
        public uint NameOffset;
        public uint Type;
        public uint Offset;
    }

    [LibraryImport(LibraryName, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint bpf_program__attach_raw_tracepoint(nint prog, string tracepointName);

    /// <summary>
    /// Runs a perf_event program on each sample of a perf event. The link owns the event's fd
    /// from here on: destroying the link disables the event and closes it. On failure the fd
    /// stays the caller's to close.
    /// </summary>
    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial nint bpf_program__attach_perf_event(nint prog, int perfEventFd);

    /// <summary>For a tp_btf program: the tracepoint it loads against (libbpf 1.1 looks it up in the
    /// kernel's BTF at once and returns -ESRCH when the kernel has none by that name).</summary>
    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int bpf_program__set_attach_target(nint prog, int attachProgFd, string attachFunctionName);

    [LibraryImport(LibraryName)]
    internal static partial nint bpf_program__section_name(nint prog);

    /// <summary>Parses /sys/kernel/btf/vmlinux; NULL and errno on failure. Free with <see cref="btf__free"/>.</summary>
    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial nint btf__load_vmlinux_btf();

    [LibraryImport(LibraryName)]
    internal static partial void btf__free(nint btf);

    internal const uint BTF_KIND_TYPEDEF = 8;
    internal const uint BTF_KIND_FUNC = 12;

    /// <summary>struct bpf_iter_attach_opts.</summary>
    internal struct BpfIterAttachOpts
    {
        public nuint Size;
        public nint LinkInfo;
        public uint LinkInfoLength;
    }

    /// <summary>The task member of union bpf_iter_link_info (Linux 6.1+): walk one thread (Tid)
    /// or one process's threads (Pid) instead of every task. The union is 16 bytes.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 16)]
    internal struct BpfIterTaskLinkInfo
    {
        public uint Tid;
        public uint Pid;
        public uint PidFd;
    }

    [LibraryImport(LibraryName)]
    internal static partial int bpf_link__fd(BpfLinkHandle link);

    /// <summary>A new walk of an iterator link: read the returned fd to its end to run it.</summary>
    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int bpf_iter_create(int linkFd);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int bpf_map_lookup_elem(int fd, nint key, nint value);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int bpf_map_update_elem(int fd, nint key, nint value, ulong flags);

    /// <summary>bpf_map_update_elem: create the entry or replace it.</summary>
    internal const ulong BPF_ANY = 0;

    [LibraryImport(LibraryName)]
    internal static partial int libbpf_num_possible_cpus();

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int bpf_prog_get_next_id(uint startId, out uint nextId);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int bpf_map_get_next_id(uint startId, out uint nextId);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int bpf_link_get_next_id(uint startId, out uint nextId);

    [LibraryImport(LibraryName, SetLastError = true)]
    internal static partial int bpf_obj_get_info_by_fd(int fd, nint info, ref uint infoLength);

    [LibraryImport(LibraryName)]
    internal static unsafe partial nint libbpf_set_print(delegate* unmanaged<int, nint, nint, int> printFunction);

    /// <summary>The leading, stable part of struct bpf_object_open_opts; libbpf reads only <c>sz</c> bytes.</summary>
    internal struct BpfObjectOpenOpts
    {
        public nuint Size;
        public nint ObjectName;
    }

    /// <summary>struct bpf_map_batch_opts.</summary>
    internal struct BpfMapBatchOpts
    {
        public nuint Size;
        public ulong ElemFlags;
        public ulong Flags;
    }

    /// <summary>struct bpf_test_run_opts (libbpf 1.x layout).</summary>
    internal struct BpfTestRunOpts
    {
        public nuint Size;
        public nint DataIn;
        public nint DataOut;
        public uint DataSizeIn;
        public uint DataSizeOut;
        public nint CtxIn;
        public nint CtxOut;
        public uint CtxSizeIn;
        public uint CtxSizeOut;
        public uint Retval;
        public int Repeat;
        public uint Duration;
        public uint Flags;
        public uint Cpu;
        public uint BatchSize;
    }

    internal const uint BPF_F_NO_PREALLOC = 1;
    internal const uint BPF_F_TEST_RUN_ON_CPU = 1;
    internal const int ENOENT = 2;

    /// <summary>Loads libbpf now, so a missing library is reported before any other step.</summary>
    internal static bool TryLoad(out string? failure)
    {
        // The native CLI may carry its own libbpf, linked in (src/SchedTrace.Cli/SchedTrace.Cli.csproj).
        if (AppContext.TryGetSwitch("SchedTrace.LibBpfLinkedIn", out var linkedIn) && linkedIn)
        {
            failure = null;
            return true;
        }
        if (NativeLibrary.TryLoad(LibraryName, typeof(LibBpf).Assembly, null, out _))
        {
            failure = null;
            return true;
        }
        failure = $"{LibraryName} could not be loaded";
        return false;
    }
}

/// <summary>
/// A libbpf object the handle owns, by its pointer (null is no object): each kind says how
/// libbpf frees it.
/// </summary>
internal abstract class LibBpfHandle : SafeHandle
{
    private protected LibBpfHandle(nint pointer) : base(0, ownsHandle: true) => SetHandle(pointer);

    public override bool IsInvalid => handle == 0;
}

/// <summary>Owns a <c>struct bpf_object *</c>: its programs and maps close with it.</summary>
internal sealed class BpfObjectHandle(nint pointer) : LibBpfHandle(pointer)
{
    protected override bool ReleaseHandle()
    {
        LibBpf.bpf_object__close(handle);
        return true;
    }
}

/// <summary>Owns a <c>struct bpf_link *</c>: destroying it detaches the program.</summary>
internal sealed class BpfLinkHandle(nint pointer) : LibBpfHandle(pointer)
{
    protected override bool ReleaseHandle() => LibBpf.bpf_link__destroy(handle) == 0;
}

/// <summary>Owns a <c>struct ring_buffer *</c> (the consumer side of a BPF ring buffer map).</summary>
internal sealed class RingBufferHandle(nint pointer) : LibBpfHandle(pointer)
{
    protected override bool ReleaseHandle()
    {
        LibBpf.ring_buffer__free(handle);
        return true;
    }
}

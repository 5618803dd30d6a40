using System.Runtime.InteropServices;

namespace SchedTrace.Engine;

/// <summary>
/// What a session asks of the BPF object for one hook kind, gathered from its measures before
/// the object is opened: the hooks to attach, the programs to load without attaching, the
/// constants of each .rodata section, map sizes and which maps to leave out. The object applies
/// it to the opened object, loads, and attaches (as libbpf-rs and cilium/ebpf configure the opened
/// object, then only read). Knows no measure.
/// </summary>
internal sealed class BpfRequest
{
    private readonly List<BpfHook> hooks = new();
    private readonly HashSet<string> onDemand = new(StringComparer.Ordinal);
    private readonly Dictionary<string, byte[]> constants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, uint> mapSizes = new(StringComparer.Ordinal);
    private readonly HashSet<string> allocateOnUse = new(StringComparer.Ordinal);
    private readonly HashSet<string> notCreated = new(StringComparer.Ordinal);
    private readonly Dictionary<Type, IBpfRequestPart> parts = new();

    internal BpfRequest(HookKind kind, TaskFilter tasks)
    {
        Kind = kind;
        Tasks = tasks;
    }

    /// <summary>The hook kind every tracepoint of this request attaches with.</summary>
    internal HookKind Kind { get; }

    /// <summary>The process and thread ids the programs keep.</summary>
    internal TaskFilter Tasks { get; }

    /// <summary>Hooks to attach, in the order first asked for, each once.</summary>
    internal IReadOnlyList<BpfHook> Hooks => hooks;

    /// <summary>Programs loaded but not attached to a hook: run on demand, or attached as an iterator.</summary>
    internal IReadOnlySet<string> OnDemand => onDemand;

    /// <summary>The task iterator to attach after load (walked on demand), if a measure wants one.</summary>
    internal string? TaskIterator { get; private set; }

    internal IReadOnlyDictionary<string, byte[]> Constants => constants;

    internal IReadOnlyDictionary<string, uint> MapSizes => mapSizes;

    internal IReadOnlySet<string> AllocateOnUse => allocateOnUse;

    internal IReadOnlySet<string> NotCreated => notCreated;

    internal void Attach(params BpfHook[] wanted)
    {
        foreach (var hook in wanted)
        {
            if (!hooks.Contains(hook))
            {
                hooks.Add(hook);
            }
        }
    }

    internal void LoadOnDemand(string program) => onDemand.Add(program);

    internal void AttachTaskIterator(string program)
    {
        onDemand.Add(program);
        TaskIterator = program;
    }

    /// <summary>Sets the whole of a .rodata section (the struct mirrors the kernel's; see KernelMirrorTests).</summary>
    internal void SetConstants<T>(string section, T value) where T : unmanaged
    {
        var bytes = new byte[Marshal.SizeOf<T>()];
        MemoryMarshal.Write(bytes, in value);
        constants[section] = bytes;
    }

    /// <summary>Sizes a map; several asks keep the largest.</summary>
    internal void SizeMap(string map, uint entries) =>
        mapSizes[map] = Math.Max(entries, mapSizes.GetValueOrDefault(map));

    /// <summary>The kernel allocates the map's entries as they are used instead of up front.</summary>
    internal void AllocateEntriesOnUse(string map) => allocateOnUse.Add(map);

    /// <summary>The map is not created at all (no program that loads uses it).</summary>
    internal void DoNotCreate(string map) => notCreated.Add(map);

    /// <summary>
    /// The part of the request several measures share (e.g. the latency histograms and stamps),
    /// created on first use; each measure adds to it, and it writes its constants and sizes once
    /// every measure has (<see cref="Complete"/>).
    /// </summary>
    internal T Part<T>() where T : class, IBpfRequestPart, new()
    {
        if (!parts.TryGetValue(typeof(T), out var part))
        {
            part = new T();
            parts[typeof(T)] = part;
        }
        return (T)part;
    }

    /// <summary>Lets every shared part write what its measures asked for. Called once, before the object is opened.</summary>
    internal BpfRequest Complete()
    {
        foreach (var part in parts.Values)
        {
            part.Apply(this);
        }
        return this;
    }
}

/// <summary>A part of a <see cref="BpfRequest"/> that several measures add to; applied once all have.</summary>
internal interface IBpfRequestPart
{
    void Apply(BpfRequest request);
}

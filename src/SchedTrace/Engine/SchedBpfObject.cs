using System.Runtime.InteropServices;
using SchedTrace.Interop;

namespace SchedTrace.Engine;

/// <summary>How a session's programs are attached.</summary>
internal enum HookKind
{
    /// <summary>BTF-typed tracepoints (tp_btf): typed arguments, direct loads, the cheapest.</summary>
    BtfTracepoint,
    /// <summary>Raw tracepoints (raw_tp): the fallback where tp_btf cannot load or attach.</summary>
    RawTracepoint,
}

/// <summary>
/// A kernel hook and the two programs (tp_btf and raw_tp) that implement it. A function hook
/// (fentry/fexit) has no raw_tp twin: <see cref="RawProgram"/> is null and
/// <see cref="BtfSection"/> names its section. A sampling hook (<see cref="Sampling"/>) is one
/// perf_event program for either hook kind, attached to a perf event on every online CPU.
/// </summary>
internal sealed record BpfHook(string Tracepoint, string BtfProgram, string? RawProgram, string? BtfSection = null, string? Requires = null, PerfSampling? Sampling = null)
{
    /// <summary>Runs <paramref name="program"/> (SEC("perf_event")) on each sample of <paramref name="sampling"/>, on every online CPU.</summary>
    internal static BpfHook Sample(string program, PerfSampling sampling) =>
        new($"perf_event/{sampling.EventName}", program, program, "perf_event", PerfEvents.Requirement, sampling);

    /// <summary>The links it holds once attached, each with its fd (a sampling hook also holds an event per CPU).</summary>
    internal int FdsNeeded => Sampling is null ? 1 : 2 * CpuTopology.Online().Count;

    internal static readonly BpfHook SchedSwitch = new("sched_switch", "switch_btf", "switch_raw");
    internal static readonly BpfHook MigrateTask = new("sched_migrate_task", "migrate_btf", "migrate_raw");
    internal static readonly BpfHook ProcessExit = new("sched_process_exit", "exit_btf", "exit_raw");
    internal static readonly BpfHook ProcessExec = new("sched_process_exec", "exec_btf", "exec_raw");
    internal static readonly BpfHook ProcessFree = new("sched_process_free", "free_btf", "free_raw");
    internal static readonly BpfHook Wakeup = new("sched_wakeup", "wakeup_btf", "wakeup_raw");
    internal static readonly BpfHook WakeupNew = new("sched_wakeup_new", "wakeup_new_btf", "wakeup_new_raw");

    /// <summary>Every syscall's entry and exit (raw_syscalls); the programs keep only futex().</summary>
    internal static readonly BpfHook SysEnter = new("sys_enter", "sys_enter_btf", "sys_enter_raw", Requires: SyscallTracepoints);
    internal static readonly BpfHook SysExit = new("sys_exit", "sys_exit_btf", "sys_exit_raw", Requires: SyscallTracepoints);

    /// <summary>Bare tracepoints at the entry and the end of __schedule() (Linux 6.16 and later).</summary>
    internal static readonly BpfHook SchedEntry = new("sched_entry_tp", "sched_entry_btf", "sched_entry_raw", Requires: ScheduleTracepoints);
    internal static readonly BpfHook SchedExit = new("sched_exit_tp", "sched_exit_btf", "sched_exit_raw", Requires: ScheduleTracepoints);

    /// <summary>schedule() itself; fentry/fexit need a kernel that allows them (not under lockdown).</summary>
    internal static readonly BpfHook ScheduleEnter = new("schedule", "schedule_enter", null, "fentry/schedule", FunctionHooks);
    internal static readonly BpfHook ScheduleExit = new("schedule", "schedule_exit", null, "fexit/schedule", FunctionHooks);

    private const string ScheduleTracepoints = "Linux 6.16 or later, which added the sched_entry_tp and sched_exit_tp tracepoints to __schedule()";
    private const string SyscallTracepoints = "a kernel built with CONFIG_HAVE_SYSCALL_TRACEPOINTS (the raw_syscalls tracepoints)";
    private const string FunctionHooks = "a kernel whose BTF describes schedule() and that allows fentry/fexit (CONFIG_FUNCTION_TRACER, not in lockdown)";
    private const string SchedulerTracepoints = "a kernel built with CONFIG_TRACEPOINTS and CONFIG_BPF_EVENTS, which have had every scheduler tracepoint but sched_entry_tp and sched_exit_tp since Linux 4.x";

    /// <summary>The kernel feature a kernel without this hook lacks, in words.</summary>
    internal string Requirement => Requires ?? SchedulerTracepoints;

    internal string ProgramFor(HookKind kind) => kind == HookKind.BtfTracepoint ? BtfProgram : RawProgram!;

    internal string Describe(HookKind kind) => Sampling is { } sampling
        ? $"perf_event {sampling.EventName} at {sampling.Hertz} Hz on every CPU"
        : kind == HookKind.BtfTracepoint && BtfSection is { } section ? section : $"{SectionPrefix(kind)}/{Tracepoint}";

    internal static string SectionPrefix(HookKind kind) => kind == HookKind.BtfTracepoint ? "tp_btf" : "raw_tp";
}

/// <summary>
/// The process (tgid) and thread ids a session keeps; empty: every one. A single id is a
/// constant of the programs (a compare, the cheapest filter); several go into a hash set that
/// is filled after load, before the programs are attached, so no event escapes the filter.
/// </summary>
internal sealed record TaskFilter(IReadOnlyList<uint> Tgids, IReadOnlyList<uint> Tids)
{
    internal static readonly TaskFilter None = new(Array.Empty<uint>(), Array.Empty<uint>());

    /// <summary>The constants for these ids: one id in FilterTgid/FilterTid, several flagged in FilterSets.</summary>
    internal BpfSessionConfig Configure(BpfSessionConfig config) => config with
    {
        FilterTgid = Tgids.Count == 1 ? Tgids[0] : 0,
        FilterTid = Tids.Count == 1 ? Tids[0] : 0,
        FilterSets = (uint)((Tgids.Count > 1 ? BpfFilterSets.Tgids : 0) | (Tids.Count > 1 ? BpfFilterSets.Tids : 0)),
    };

    /// <summary>The ids a map must hold: none when the constant holds the only one.</summary>
    internal static IReadOnlyList<uint> InMap(IReadOnlyList<uint> ids) => ids.Count > 1 ? ids : Array.Empty<uint>();
}

/// <summary>
/// The embedded BPF object, loaded with only the programs a session needs, attached, and
/// readable. Owns every kernel object it creates: disposing releases links, programs and maps.
/// </summary>
internal sealed class SchedBpfObject : IDisposable
{
    private static readonly byte[] ObjectBytes = LoadEmbeddedObject();

    private readonly BpfObjectHandle obj;
    private readonly List<BpfLinkHandle> links = new();
    private BpfLinkHandle? taskIterator;
    private readonly Dictionary<string, int> mapFds = new();

    private SchedBpfObject(BpfObjectHandle obj, HookKind hookKind)
    {
        this.obj = obj;
        HookKind = hookKind;
    }

    internal HookKind HookKind { get; }

    /// <summary>What was loaded and attached.</summary>
    internal BpfRequest Request { get; private set; } = null!;

    /// <summary>The per-CPU loss counters every session has (bpf/lib/common.bpf.h).</summary>
    internal const string SessionStats = "session_stats";

    /// <summary>The process ids of a filter of several (a hash set, bpf/lib/common.bpf.h).</summary>
    internal const string FilterTgids = "filter_tgids";

    /// <summary>The thread ids of a filter of several.</summary>
    internal const string FilterTids = "filter_tids";

    /// <summary>Why the preferred hook kind was not used, when it was not.</summary>
    internal string? Fallback { get; private set; }

    internal static int PossibleCpus { get; } = LibBpf.libbpf_num_possible_cpus();

    /// <summary>
    /// Opens, configures, loads and attaches. Tries tp_btf first and falls back to raw_tp for
    /// all hooks at once; <paramref name="notices"/> receives what fell back and why.
    /// </summary>
    internal static SchedBpfObject Attach(
        Func<HookKind, BpfRequest> requestFor,
        HookKind preferred,
        LibBpfLog.Capture log,
        Action<string> notices)
    {
        var failures = new List<string>();
        var refused = new List<HookFailure>();
        var requests = new Dictionary<HookKind, BpfRequest>();
        BpfRequest RequestFor(HookKind kind) => requests.TryGetValue(kind, out var request) ? request : requests[kind] = requestFor(kind);
        var kinds = preferred == HookKind.BtfTracepoint
            ? new[] { HookKind.BtfTracepoint, HookKind.RawTracepoint }
            : new[] { HookKind.RawTracepoint };
        var functionHooks = RequestFor(HookKind.BtfTracepoint).Hooks.Where(h => h.RawProgram is null).ToList();
        if (functionHooks.Count > 0)
        {
            // Function hooks have no raw_tp twin: tp_btf or nothing.
            kinds = preferred == HookKind.BtfTracepoint ? new[] { HookKind.BtfTracepoint } : Array.Empty<HookKind>();
            if (kinds.Length == 0)
            {
                failures.Add(string.Join(", ", functionHooks.Select(h => h.Describe(HookKind.BtfTracepoint)).Distinct()) + " cannot be attached as raw tracepoints");
            }
        }
        foreach (var kind in kinds)
        {
            try
            {
                var attached = TryAttach(RequestFor(kind), log);
                if (failures.Count > 0)
                {
                    attached.Fallback = $"{failures[^1]}; fell back to {BpfHook.SectionPrefix(kind)}, which attached.";
                    notices(attached.Fallback);
                }
                return attached;
            }
            catch (HookFailure failure)
            {
                failures.Add(failure.Message);
                refused.Add(failure);
            }
        }
        if (refused.Count > 0)
        {
            ThrowIfKernelLacksAHook(kinds.SelectMany(kind => RequestFor(kind).Hooks), failures);
            if (ResourceLimits.Explain(refused.Select(f => f.Errno).ToList(), refused.Max(f => f.FdsNeeded)) is { } limit)
            {
                throw new SchedTraceException(limit.Kind, limit.ErrorId, limit.MessageText, limit.RecommendedActionText)
                { Errno = limit.Errno, HookFailures = failures };
            }
        }
        throw new SchedTraceException(
            SchedTraceErrorKind.AttachFailed,
            "HookAttachFailed",
            "No scheduler hook could be attached: " + string.Join("; ", failures) + ".",
            $"SchedTrace needs BTF-typed (tp_btf) or raw tracepoints on sched_switch; run with {SchedTraceOption.Named("Debug")} to see libbpf's log, and check that the kernel has CONFIG_BPF_EVENTS and is not in lockdown=confidentiality.")
        { HookFailures = failures };
    }

    /// <summary>
    /// A load that failed because the kernel has no such tracepoint or function names it, and
    /// the kernel feature it belongs to, rather than libbpf's ESRCH or ENOENT.
    /// </summary>
    private static void ThrowIfKernelLacksAHook(IEnumerable<BpfHook> hooks, IReadOnlyList<string> failures)
    {
        var missing = KernelFeatures.MissingHooks(hooks);
        if (missing.Count == 0)
        {
            return;
        }
        var names = string.Join(", ", missing.Select(h => h.BtfSection is null ? h.Tracepoint : h.Tracepoint + "()").Distinct());
        var requirements = string.Join("; ", missing.Select(h => h.Requirement).Distinct());
        throw new SchedTraceException(
            SchedTraceErrorKind.NotSupported,
            "KernelHookMissing",
            $"This kernel has no {names} ({(missing.Count == 1 ? "it is" : "they are")} not in /sys/kernel/btf/vmlinux), so SchedTrace's programs could not be attached there: {string.Join("; ", failures)}.",
            $"It needs {requirements}. Use such a kernel, or leave out the feature that needs it.")
        { HookFailures = failures };
    }

    private static SchedBpfObject TryAttach(BpfRequest request, LibBpfLog.Capture log)
    {
        var kind = request.Kind;
        var hooks = request.Hooks;
        var session = new SchedBpfObject(Open(), kind);
        int fdsNeeded = 0;
        try
        {
            foreach (var (section, bytes) in request.Constants)
            {
                session.SetConstants(section, bytes);
            }
            session.SizeMap(FilterTgids, (uint)Math.Max(1, TaskFilter.InMap(request.Tasks.Tgids).Count));
            session.SizeMap(FilterTids, (uint)Math.Max(1, TaskFilter.InMap(request.Tasks.Tids).Count));
            foreach (var (map, entries) in request.MapSizes)
            {
                session.SizeMap(map, Math.Max(1, entries));
            }
            foreach (var map in request.AllocateOnUse)
            {
                nint handle = session.FindMapByName(map);
                LibBpf.bpf_map__set_map_flags(handle, LibBpf.bpf_map__map_flags(handle) | LibBpf.BPF_F_NO_PREALLOC);
            }
            foreach (var map in request.NotCreated)
            {
                LibBpf.bpf_map__set_autocreate(session.FindMapByName(map), false);
            }
            var wanted = hooks.Select(h => h.ProgramFor(kind)).Concat(request.OnDemand).ToHashSet(StringComparer.Ordinal);
            session.SelectPrograms(wanted);
            fdsNeeded = session.FileDescriptorsNeeded(wanted.Count, hooks.Sum(h => h.FdsNeeded));
            if (kind == HookKind.BtfTracepoint)
            {
                session.TargetTracepoints(hooks, log);
            }

            log.ClearWarnings();
            int error = LibBpf.bpf_object__load(session.obj);
            if (error < 0)
            {
                // Function hooks are what a kernel refuses most (lockdown): name them when present.
                var suspects = hooks.Any(h => h.RawProgram is null) ? hooks.Where(h => h.RawProgram is null) : hooks;
                var names = string.Join(", ", suspects.Select(h => h.Describe(kind)));
                throw new HookFailure($"{names} did not load ({Describe(-error, log)})", -error);
            }
            // Before the first attach: a program that ran with an empty set would let nothing through.
            session.FillSet(FilterTgids, TaskFilter.InMap(request.Tasks.Tgids));
            session.FillSet(FilterTids, TaskFilter.InMap(request.Tasks.Tids));
            foreach (var hook in hooks)
            {
                session.AttachProgram(hook, kind, log);
            }
            if (request.TaskIterator is { } iterator)
            {
                session.AttachTaskIterator(iterator, request.Tasks, log);
            }
            session.Request = request;
            return session;
        }
        catch (HookFailure failure)
        {
            session.Dispose();
            failure.FdsNeeded = fdsNeeded;
            throw;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>About how many fds the loaded object holds: a map each (all of them: the count
    /// of those created is not exposed), a program each, the hooks' links (and perf events) and
    /// the task iterator, and a few for libbpf's BTF and feature probes.</summary>
    private int FileDescriptorsNeeded(int programs, int hooks)
    {
        int maps = 0;
        for (nint map = LibBpf.bpf_object__next_map(obj, 0); map != 0; map = LibBpf.bpf_object__next_map(obj, map))
        {
            maps++;
        }
        return maps + programs + hooks + 1 + 4;
    }

    /// <summary>
    /// A tp_btf program loads against the tracepoint its section names. Every hook SchedTrace
    /// ships names the same one; where a hook names another (the tests ask for one the kernel
    /// lacks), the program is pointed there, as a kernel without the hook would refuse it.
    /// </summary>
    private void TargetTracepoints(IEnumerable<BpfHook> hooks, LibBpfLog.Capture log)
    {
        foreach (var hook in hooks.Where(h => h.BtfSection is null))
        {
            nint prog = LibBpf.bpf_object__find_program_by_name(obj, hook.BtfProgram);
            if (prog == 0 || Marshal.PtrToStringUTF8(LibBpf.bpf_program__section_name(prog)) == $"tp_btf/{hook.Tracepoint}")
            {
                continue;
            }
            log.ClearWarnings();
            int error = LibBpf.bpf_program__set_attach_target(prog, 0, hook.Tracepoint);
            if (error < 0)
            {
                throw new HookFailure($"{hook.Describe(HookKind.BtfTracepoint)} did not load ({Describe(-error, log)})", -error);
            }
        }
    }

    internal static BpfObjectHandle Open()
    {
        var name = Marshal.StringToCoTaskMemUTF8("schedtrace");
        try
        {
            var opts = new LibBpf.BpfObjectOpenOpts { Size = (nuint)Marshal.SizeOf<LibBpf.BpfObjectOpenOpts>(), ObjectName = name };
            nint pointer;
            unsafe
            {
                fixed (byte* bytes = ObjectBytes)
                {
                    pointer = LibBpf.bpf_object__open_mem((nint)bytes, (nuint)ObjectBytes.Length, opts);
                }
            }
            if (pointer == 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                // libbpf opens the kernel's BTF here: out of file descriptors, the open fails first.
                if (errno is Libc.EMFILE or Libc.ENFILE && ResourceLimits.Explain([errno], fdsNeeded: null) is { } limit)
                {
                    throw limit;
                }
                throw new SchedTraceException(
                    SchedTraceErrorKind.AttachFailed,
                    "BpfObjectOpenFailed",
                    $"libbpf could not open SchedTrace's embedded BPF object: {Libc.ErrnoMessage(errno)}.",
                    "This is a build problem: rebuild SchedTrace (dotnet build) with clang and libbpf-dev installed.")
                { Errno = errno };
            }
            return new BpfObjectHandle(pointer);
        }
        finally
        {
            Marshal.FreeCoTaskMem(name);
        }
    }

    /// <summary>Writes a .rodata section's constants; refuses a mirror whose size is not the section's.</summary>
    private void SetConstants(string section, byte[] bytes)
    {
        nint rodata = FindMap(name => name.EndsWith(section, StringComparison.Ordinal));
        uint size = LibBpf.bpf_map__value_size(rodata);
        if (size != bytes.Length)
        {
            throw new InvalidOperationException($"BPF {section} is {size} bytes but its mirror is {bytes.Length}: the mirror is stale.");
        }
        unsafe
        {
            fixed (byte* value = bytes)
            {
                int error = LibBpf.bpf_map__set_initial_value(rodata, (nint)value, size);
                if (error < 0)
                {
                    throw new InvalidOperationException($"bpf_map__set_initial_value({section}) failed: {Libc.ErrnoMessage(-error)}");
                }
            }
        }
    }

    private nint FindMapByName(string name)
    {
        nint map = LibBpf.bpf_object__find_map_by_name(obj, name);
        if (map == 0)
        {
            throw new InvalidOperationException($"The BPF object has no map named {name}.");
        }
        return map;
    }

    private void SizeMap(string name, uint maxEntries) => LibBpf.bpf_map__set_max_entries(FindMapByName(name), maxEntries);

    /// <summary>Adds <paramref name="ids"/> to a loaded hash set (value: 1).</summary>
    private void FillSet(string mapName, IReadOnlyList<uint> ids)
    {
        byte present = 1;
        foreach (uint id in ids)
        {
            uint key = id;
            unsafe
            {
                if (LibBpf.bpf_map_update_elem(MapFd(mapName), (nint)(&key), (nint)(&present), LibBpf.BPF_ANY) != 0)
                {
                    throw KernelCallFailed($"adding id {id} to the BPF map {mapName}", Marshal.GetLastPInvokeError());
                }
            }
        }
    }

    private void SelectPrograms(IReadOnlySet<string> wanted)
    {
        for (nint prog = LibBpf.bpf_object__next_program(obj, 0); prog != 0; prog = LibBpf.bpf_object__next_program(obj, prog))
        {
            var name = Marshal.PtrToStringUTF8(LibBpf.bpf_program__name(prog))!;
            LibBpf.bpf_program__set_autoload(prog, wanted.Contains(name));
        }
    }

    private void AttachProgram(BpfHook hook, HookKind kind, LibBpfLog.Capture log)
    {
        var programName = hook.ProgramFor(kind);
        nint prog = LibBpf.bpf_object__find_program_by_name(obj, programName);
        if (prog == 0)
        {
            throw new HookFailure($"{hook.Describe(kind)} has no program ({programName}) in this build", 0);
        }
        if (hook.Sampling is { } sampling)
        {
            AttachSampling(prog, hook, sampling, log);
            return;
        }
        log.ClearWarnings();
        // A raw tracepoint is attached by the hook's name, which its section repeats.
        nint link = kind == HookKind.RawTracepoint && hook.BtfSection is null
            ? LibBpf.bpf_program__attach_raw_tracepoint(prog, hook.Tracepoint)
            : LibBpf.bpf_program__attach(prog);
        if (link == 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new HookFailure($"{hook.Describe(kind)} did not attach ({Describe(errno, log)})", errno);
        }
        links.Add(new BpfLinkHandle(link));
    }

    /// <summary>
    /// One perf event per online CPU, for whatever runs there (pid -1), each with its link; the
    /// link owns the event's fd. A CPU brought online later is not sampled.
    /// </summary>
    private void AttachSampling(nint prog, BpfHook hook, PerfSampling sampling, LibBpfLog.Capture log)
    {
        foreach (int cpu in CpuTopology.Online().Order())
        {
            var attr = sampling.Attr();
            int fd = PerfEvent.Open(ref attr, cpu);
            if (fd < 0)
            {
                throw PerfEvents.Refused(sampling, cpu, Marshal.GetLastPInvokeError());
            }
            log.ClearWarnings();
            nint link = LibBpf.bpf_program__attach_perf_event(prog, fd);
            if (link == 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                Libc.close(fd);
                throw new HookFailure($"{hook.Describe(HookKind.BtfTracepoint)} did not attach on CPU {cpu} ({Describe(errno, log)})", errno);
            }
            links.Add(new BpfLinkHandle(link));
        }
    }

    /// <summary>The programs the kernel holds for this object (loaded: they have an fd).</summary>
    internal IReadOnlyList<string> LoadedPrograms()
    {
        var names = new List<string>();
        for (nint prog = LibBpf.bpf_object__next_program(obj, 0); prog != 0; prog = LibBpf.bpf_object__next_program(obj, prog))
        {
            if (LibBpf.bpf_program__fd(prog) >= 0)
            {
                names.Add(Marshal.PtrToStringUTF8(LibBpf.bpf_program__name(prog))!);
            }
        }
        return names;
    }

    /// <summary>
    /// A session filtered to one thread or process walks only those tasks (Linux 6.1+), so its
    /// readings cost what that process has, not what the machine has. Older kernels refuse the
    /// filter; there the walk visits every task and the program skips the others.
    /// </summary>
    private void AttachTaskIterator(string program, TaskFilter tasks, LibBpfLog.Capture log)
    {
        nint prog = LibBpf.bpf_object__find_program_by_name(obj, program);
        log.ClearWarnings();
        nint link = 0;
        uint tid = tasks.Tids.Count == 1 ? tasks.Tids[0] : 0;
        uint tgid = tasks.Tgids.Count == 1 ? tasks.Tgids[0] : 0;
        if (prog != 0 && (tid != 0 || tgid != 0))
        {
            var task = new LibBpf.BpfIterTaskLinkInfo { Tid = tid, Pid = tid != 0 ? 0 : tgid };
            unsafe
            {
                var opts = new LibBpf.BpfIterAttachOpts { Size = (nuint)sizeof(LibBpf.BpfIterAttachOpts), LinkInfo = (nint)(&task), LinkInfoLength = (uint)sizeof(LibBpf.BpfIterTaskLinkInfo) };
                link = LibBpf.bpf_program__attach_iter(prog, (nint)(&opts));
            }
        }
        if (link == 0 && prog != 0)
        {
            link = LibBpf.bpf_program__attach_iter(prog, 0);
        }
        if (link == 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new HookFailure($"the task iterator (iter/task) did not attach ({Describe(errno, log)})", errno);
        }
        taskIterator = new BpfLinkHandle(link);
        links.Add(taskIterator);
    }

    /// <summary>
    /// Runs the task iterator once over every task (TRACK_COUNTERS): it copies each task's
    /// counters into the task table. Its program writes no output; reading to the end is what
    /// drives the walk. The kernel pauses a walk that has visited a million tasks without
    /// output (EAGAIN); reading again resumes it.
    /// </summary>
    internal void WalkTasks()
    {
        ObjectDisposedException.ThrowIf(obj.IsClosed, this);
        var link = taskIterator ?? throw new InvalidOperationException("The task iterator is not attached.");
        int fd = LibBpf.bpf_iter_create(LibBpf.bpf_link__fd(link));
        if (fd < 0)
        {
            throw KernelCallFailed("starting a walk of the task iterator", Marshal.GetLastPInvokeError());
        }
        try
        {
            var buffer = new byte[4096];
            while (true)
            {
                nint read;
                unsafe
                {
                    fixed (byte* bytes = buffer)
                    {
                        read = Libc.read(fd, (nint)bytes, (nuint)buffer.Length);
                    }
                }
                if (read == 0)
                {
                    return;
                }
                int errno = read < 0 ? Marshal.GetLastPInvokeError() : 0;
                if (read < 0 && errno != Libc.EAGAIN && errno != Libc.EINTR)
                {
                    throw KernelCallFailed("walking the task iterator", errno);
                }
            }
        }
        finally
        {
            Libc.close(fd);
        }
    }

    private static string Describe(int errno, LibBpfLog.Capture log)
    {
        var detail = Libc.ErrnoMessage(errno);
        var warning = log.RecentWarnings.LastOrDefault(w => !string.IsNullOrWhiteSpace(w));
        return warning is null ? detail : $"{detail}; libbpf: {warning.Trim()}";
    }

    private nint FindMap(Func<string, bool> match)
    {
        for (nint map = LibBpf.bpf_object__next_map(obj, 0); map != 0; map = LibBpf.bpf_object__next_map(obj, map))
        {
            if (match(Marshal.PtrToStringUTF8(LibBpf.bpf_map__name(map))!))
            {
                return map;
            }
        }
        throw new InvalidOperationException("The BPF object lacks an expected map.");
    }

    internal int MapFd(string name)
    {
        if (!mapFds.TryGetValue(name, out int fd))
        {
            nint map = LibBpf.bpf_object__find_map_by_name(obj, name);
            fd = map == 0 ? -1 : LibBpf.bpf_map__fd(map);
            if (fd < 0)
            {
                throw new InvalidOperationException($"The BPF object has no loaded map named {name}.");
            }
            mapFds[name] = fd;
        }
        return fd;
    }

    /// <summary>
    /// Reads slot 0 of a per-CPU array: one <typeparamref name="T"/> per possible CPU.
    /// The kernel copies every CPU's value in one syscall.
    /// </summary>
    internal T[] ReadPerCpu<T>(string mapName, uint key = 0) where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(obj.IsClosed, this);
        int stride = (Marshal.SizeOf<T>() + 7) & ~7;
        var buffer = new byte[stride * PossibleCpus];
        unsafe
        {
            fixed (byte* values = buffer)
            {
                if (LibBpf.bpf_map_lookup_elem(MapFd(mapName), (nint)(&key), (nint)values) != 0)
                {
                    throw KernelCallFailed($"reading the BPF map {mapName}", Marshal.GetLastPInvokeError());
                }
            }
        }
        var result = new T[PossibleCpus];
        for (int cpu = 0; cpu < result.Length; cpu++)
        {
            result[cpu] = MemoryMarshal.Read<T>(buffer.AsSpan(cpu * stride));
        }
        return result;
    }

    /// <summary>
    /// Runs an on-demand program on <paramref name="cpu"/> (BPF_PROG_TEST_RUN with
    /// BPF_F_TEST_RUN_ON_CPU: an IPI, so the program sees that CPU's current task).
    /// False if the CPU is offline.
    /// </summary>
    internal bool RunOnCpu(string programName, int cpu, ulong argument)
    {
        ObjectDisposedException.ThrowIf(obj.IsClosed, this);
        nint prog = LibBpf.bpf_object__find_program_by_name(obj, programName);
        int fd = prog == 0 ? -1 : LibBpf.bpf_program__fd(prog);
        if (fd < 0)
        {
            throw new InvalidOperationException($"The on-demand program {programName} is not loaded.");
        }
        unsafe
        {
            var opts = new LibBpf.BpfTestRunOpts
            {
                Size = (nuint)sizeof(LibBpf.BpfTestRunOpts),
                CtxIn = (nint)(&argument),
                CtxSizeIn = sizeof(ulong),
                Flags = LibBpf.BPF_F_TEST_RUN_ON_CPU,
                Cpu = (uint)cpu,
            };
            if (LibBpf.bpf_prog_test_run_opts(fd, ref opts) == 0)
            {
                return true;
            }
        }
        int errno = Marshal.GetLastPInvokeError();
        if (errno == 6 /* ENXIO: offline CPU */)
        {
            return false;
        }
        throw KernelCallFailed($"running {programName} on CPU {cpu}", errno);
    }

    /// <summary>
    /// Every entry of a hash map, read in batches (one syscall per batch): the cost follows the
    /// entries present, not the key range.
    /// </summary>
    internal List<(TKey Key, TValue Value)> ReadAll<TKey, TValue>(string mapName)
        where TKey : unmanaged
        where TValue : unmanaged
    {
        ObjectDisposedException.ThrowIf(obj.IsClosed, this);
        // 4096 entries per call, fewer for large values (per-process histograms are 5 KiB each).
        int batch = Math.Clamp((1 << 20) / Marshal.SizeOf<TValue>(), 16, 4096);
        int fd = MapFd(mapName);
        var entries = new List<(TKey, TValue)>();
        var keys = new TKey[batch];
        var values = new TValue[batch];
        var opts = new LibBpf.BpfMapBatchOpts { Size = (nuint)Marshal.SizeOf<LibBpf.BpfMapBatchOpts>() };
        ulong token = 0;
        bool first = true;
        while (true)
        {
            uint count = (uint)batch;
            int result;
            int errno;
            unsafe
            {
                fixed (TKey* keyBuffer = keys)
                fixed (TValue* valueBuffer = values)
                {
                    ulong next = 0;
                    result = LibBpf.bpf_map_lookup_batch(fd, first ? 0 : (nint)(&token), (nint)(&next), (nint)keyBuffer, (nint)valueBuffer, ref count, opts);
                    errno = result == 0 ? 0 : Marshal.GetLastPInvokeError();
                    token = next;
                }
            }
            if (result != 0 && errno != LibBpf.ENOENT)
            {
                throw KernelCallFailed($"reading the BPF map {mapName}", errno);
            }
            for (int i = 0; i < count; i++)
            {
                entries.Add((keys[i], values[i]));
            }
            if (result != 0)
            {
                return entries; // ENOENT: that was the last batch
            }
            first = false;
        }
    }

    /// <summary>Reads and deletes one entry in one step; null if it is not there.</summary>
    internal TValue? Take<TKey, TValue>(string mapName, TKey key)
        where TKey : unmanaged
        where TValue : unmanaged
    {
        ObjectDisposedException.ThrowIf(obj.IsClosed, this);
        TValue value = default;
        unsafe
        {
            if (LibBpf.bpf_map_lookup_and_delete_elem(MapFd(mapName), (nint)(&key), (nint)(&value)) == 0)
            {
                return value;
            }
        }
        int errno = Marshal.GetLastPInvokeError();
        return errno == LibBpf.ENOENT ? null : throw KernelCallFailed($"taking an entry from the BPF map {mapName}", errno);
    }

    private static SchedTraceException KernelCallFailed(string what, int errno) => new(
        SchedTraceErrorKind.KernelCallFailed,
        "KernelCallFailed",
        $"The kernel refused {what}: {Libc.ErrnoMessage(errno)}.",
        $"Stop the session and start a new one; if it happens again, report it with the output of {SchedTraceOption.Named("Debug")}.")
    { Errno = errno };

    /// <summary>
    /// Destroys every link: the programs stop running, while the maps and ring buffers stay
    /// readable until <see cref="Dispose"/>. A session detaches before its last drain, so the
    /// drain meets a buffer nothing writes to any more.
    /// </summary>
    internal void Detach()
    {
        foreach (var link in links)
        {
            link.Dispose();
        }
        links.Clear();
        taskIterator = null;
    }

    public void Dispose()
    {
        Detach();
        obj.Dispose();
    }

    private static byte[] LoadEmbeddedObject()
    {
        using var stream = typeof(SchedBpfObject).Assembly.GetManifestResourceStream("schedtrace.bpf.o")
            ?? throw new InvalidOperationException("The embedded BPF object schedtrace.bpf.o is missing from SchedTrace.dll.");
        // libbpf parses the ELF in place until load finishes: keep the bytes where the GC never moves them.
        var bytes = GC.AllocateUninitializedArray<byte>((int)stream.Length, pinned: true);
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>One hook kind's failed attempt; <see cref="Errno"/> 0 when no kernel call failed.</summary>
    private sealed class HookFailure(string message, int errno) : Exception(message)
    {
        internal int Errno { get; } = errno;

        /// <summary>About how many fds the object would have held (0 when it failed before that was known).</summary>
        internal int FdsNeeded { get; set; }
    }

    /// <summary>
    /// The fds of the loaded programs, by program name, for readers of per-program kernel
    /// statistics (the benchmarks read run_time_ns and run_cnt). The object owns the fds:
    /// they close with it, so callers must not close them or use them after Dispose.
    /// </summary>
    internal IReadOnlyDictionary<string, int> ProgramFds()
    {
        ObjectDisposedException.ThrowIf(obj.IsClosed, this);
        var fds = new Dictionary<string, int>(StringComparer.Ordinal);
        for (nint prog = LibBpf.bpf_object__next_program(obj, 0); prog != 0; prog = LibBpf.bpf_object__next_program(obj, prog))
        {
            int fd = LibBpf.bpf_program__fd(prog);
            if (fd >= 0)
            {
                fds[Marshal.PtrToStringUTF8(LibBpf.bpf_program__name(prog))!] = fd;
            }
        }
        return fds;
    }
}

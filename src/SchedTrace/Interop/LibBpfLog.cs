using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SchedTrace.Interop;

/// <summary>libbpf's own messages, as it prints them.</summary>
internal enum LibBpfLogLevel
{
    Warning = 0,
    Info = 1,
    Debug = 2,
}

/// <summary>
/// Routes libbpf's print callback to whoever is opening a session on the current thread
/// (PowerShell: -Debug; CLI: --debug). libbpf logs synchronously from open/load/attach,
/// so a thread-local sink is enough; without one, messages are dropped instead of going to
/// stderr, where they would corrupt a pipeline or a JSON stream. Messages more detailed than
/// the capture asks for are dropped before they are formatted: a load prints about a thousand
/// debug lines.
/// </summary>
internal static unsafe class LibBpfLog
{
    [ThreadStatic] private static Capture? current;

    static LibBpfLog() => LibBpf.libbpf_set_print(&Print);

    /// <summary>Starts capturing libbpf output on this thread until the capture is disposed.</summary>
    /// <param name="level">The most detailed messages <paramref name="sink"/> receives. Warnings are
    /// always kept: they explain a failed load or attach.</param>
    internal static Capture Begin(Action<LibBpfLogLevel, string>? sink, LibBpfLogLevel level = LibBpfLogLevel.Info)
    {
        RuntimeHelpers.RunClassConstructor(typeof(LibBpfLog).TypeHandle);
        var capture = new Capture(sink, sink is null ? LibBpfLogLevel.Warning : level, current);
        current = capture;
        return capture;
    }

    [UnmanagedCallersOnly]
    private static int Print(int level, nint format, nint args)
    {
        var capture = current;
        if (capture is null || level > (int)capture.Level)
        {
            return 0;
        }
        const int size = 4096;
        byte* buffer = stackalloc byte[size];
        int written = Libc.vsnprintf((nint)buffer, size, format, args);
        if (written <= 0)
        {
            return 0;
        }
        var text = Marshal.PtrToStringUTF8((nint)buffer)!.TrimEnd('\n');
        if (text.StartsWith("libbpf: ", StringComparison.Ordinal))
        {
            text = text["libbpf: ".Length..];
        }
        try
        {
            capture.Add((LibBpfLogLevel)level, text);
        }
        catch (Exception)
        {
            // An exception must not cross back into native code.
        }
        return written;
    }

    internal sealed class Capture : IDisposable
    {
        private readonly Action<LibBpfLogLevel, string>? sink;
        private readonly Capture? previous;
        private readonly Queue<string> recentWarnings = new();

        internal Capture(Action<LibBpfLogLevel, string>? sink, LibBpfLogLevel level, Capture? previous)
        {
            this.sink = sink;
            Level = level;
            this.previous = previous;
        }

        /// <summary>The most detailed level formatted and passed on (Warning is the least).</summary>
        internal LibBpfLogLevel Level { get; }

        /// <summary>The last warnings libbpf printed: the detail behind a failed load or attach.</summary>
        internal IReadOnlyCollection<string> RecentWarnings => recentWarnings;

        internal void Add(LibBpfLogLevel level, string text)
        {
            if (level == LibBpfLogLevel.Warning)
            {
                if (recentWarnings.Count == 8)
                {
                    recentWarnings.Dequeue();
                }
                recentWarnings.Enqueue(text);
            }
            sink?.Invoke(level, text);
        }

        internal void ClearWarnings() => recentWarnings.Clear();

        public void Dispose() => current = previous;
    }
}

using System.Runtime.InteropServices;

namespace SchedTrace.Engine;

/// <summary>Decodes one ring-buffer record (valid only during the call).</summary>
internal delegate void RecordDecoder(ReadOnlySpan<byte> record);

/// <summary>
/// The consumer side of one BPF ring buffer map. libbpf calls back synchronously from
/// <see cref="Drain"/>, on the caller's thread, so every record taken is decoded when it returns.
/// </summary>
internal sealed unsafe class RingBufferReader : IDisposable
{
    private readonly Interop.RingBufferHandle ringBuffer;
    private readonly RecordDecoder decode;
    private readonly string what;
    private GCHandle self;

    /// <param name="what">The buffer as messages name it, e.g. "event ring buffer".</param>
    internal RingBufferReader(int mapFd, string what, RecordDecoder decode)
    {
        this.decode = decode;
        this.what = what;
        self = GCHandle.Alloc(this);
        nint pointer = Interop.LibBpf.ring_buffer__new(mapFd, &OnSample, GCHandle.ToIntPtr(self), 0);
        if (pointer == 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            self.Free();
            throw new SchedTraceException(SchedTraceErrorKind.KernelCallFailed, "RingBufferOpenFailed",
                $"libbpf could not open the {what}: {Interop.Libc.ErrnoMessage(errno)}.",
                "Stop the session and start a new one; check that the kernel supports BPF ring buffers (5.8+).")
            { Errno = errno };
        }
        ringBuffer = new Interop.RingBufferHandle(pointer);
    }

    /// <summary>Decodes every record now in the buffer; returns how many there were.</summary>
    internal int Drain()
    {
        int consumed = Interop.LibBpf.ring_buffer__consume(ringBuffer);
        if (consumed < 0)
        {
            throw new SchedTraceException(SchedTraceErrorKind.KernelCallFailed, "RingBufferReadFailed",
                $"Reading the {what} failed: {Interop.Libc.ErrnoMessage(-consumed)}.",
                "Stop the session and start a new one.")
            { Errno = -consumed };
        }
        return consumed;
    }

    [UnmanagedCallersOnly]
    private static int OnSample(nint context, nint data, nuint size)
    {
        try
        {
            var reader = (RingBufferReader)GCHandle.FromIntPtr(context).Target!;
            reader.decode(new ReadOnlySpan<byte>((void*)data, (int)size));
        }
        catch (Exception)
        {
            // Never let an exception cross back into libbpf; a bad record is dropped.
        }
        return 0;
    }

    public void Dispose()
    {
        ringBuffer.Dispose();
        if (self.IsAllocated)
        {
            self.Free();
        }
    }
}

/// <summary>The kernel's 16-byte task names (comm), NUL-padded.</summary>
internal static unsafe class BpfComm
{
    internal static string Text(byte* comm)
    {
        var span = new ReadOnlySpan<byte>(comm, 16);
        int end = span.IndexOf((byte)0);
        return System.Text.Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
    }
}

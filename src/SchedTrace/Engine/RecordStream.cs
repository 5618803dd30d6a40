namespace SchedTrace.Engine;

/// <summary>A measure's stream, as the session drains and disposes it (see <see cref="RecordStream{T}"/>).</summary>
internal interface IRecordStream : IDisposable
{
    /// <summary>Decodes every record now in the buffer into the records not yet taken.</summary>
    void Drain();
}

/// <summary>
/// One BPF ring buffer and the records decoded from it that no reader has taken yet. libbpf
/// calls back synchronously from <see cref="Drain"/>, on the caller's thread.
/// </summary>
internal abstract class RecordStream<T> : IRecordStream
{
    private readonly RingBufferReader reader;
    private readonly List<T> pending = new();

    /// <param name="what">The buffer as messages name it, e.g. "event ring buffer".</param>
    protected RecordStream(int mapFd, string what) => reader = new RingBufferReader(mapFd, what, record => Decode(record, pending));

    /// <summary>Records whose type or size this build does not know (should stay 0).</summary>
    internal long Malformed { get; private protected set; }

    /// <summary>Decodes one record (valid only during the call) into <paramref name="records"/>.</summary>
    private protected abstract void Decode(ReadOnlySpan<byte> record, List<T> records);

    public void Drain() => reader.Drain();

    /// <summary>The records decoded so far and not yet taken, in the order the kernel reserved them.</summary>
    internal IReadOnlyList<T> TakeAll()
    {
        var taken = pending.ToArray();
        pending.Clear();
        return taken;
    }

    public void Dispose() => reader.Dispose();
}

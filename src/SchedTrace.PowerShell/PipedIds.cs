namespace SchedTrace.PowerShell;

/// <summary>
/// The process and thread ids of the objects piped to a command (Get-Process output, rows of
/// this module), gathered for the one session or reading it makes at the end of its input.
/// </summary>
internal sealed class PipedIds
{
    private readonly List<int> processIds = new();
    private readonly List<int> threadIds = new();

    /// <summary>Whether any input came: with none (an empty pipeline), the command does nothing at the end.</summary>
    internal bool Any { get; private set; }

    internal bool HasProcessIds => processIds.Count > 0;

    internal bool HasThreadIds => threadIds.Count > 0;

    /// <summary>Each distinct process id, in the order they came.</summary>
    internal IReadOnlyList<int> ProcessIds => processIds.Distinct().ToList();

    /// <summary>Each distinct thread id, in the order they came.</summary>
    internal IReadOnlyList<int> ThreadIds => threadIds.Distinct().ToList();

    /// <summary>One input's ids (null: none bound).</summary>
    internal void Add(int[]? processIdsOfInput, int[]? threadIdsOfInput)
    {
        processIds.AddRange(processIdsOfInput ?? Array.Empty<int>());
        threadIds.AddRange(threadIdsOfInput ?? Array.Empty<int>());
        Any = true;
    }
}

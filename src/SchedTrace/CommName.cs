using System.Text;

namespace SchedTrace;

/// <summary>
/// Task names as the kernel keeps them (a task's comm): the bytes of the name up to a NUL, at
/// most 15 of them, cut wherever the 15th byte falls, even inside a character. /proc and the BPF
/// records give them back as UTF-8, where a character cut short reads as U+FFFD.
/// </summary>
public static class CommName
{
    /// <summary>Bytes a comm holds, before its terminating NUL.</summary>
    public const int MaxBytes = 15;

    /// <summary>The comm of a task given the name <paramref name="name"/> (by exec or PR_SET_NAME), as /proc reads it.</summary>
    public static string Of(string name) => Encoding.UTF8.GetString(BytesOf(name));

    /// <summary>The bytes the kernel keeps of <paramref name="name"/>: its UTF-8 up to a NUL, at most <see cref="MaxBytes"/>.</summary>
    public static byte[] BytesOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var bytes = Encoding.UTF8.GetBytes(name);
        int end = Array.IndexOf(bytes, (byte)0);
        return bytes[..Math.Min(end < 0 ? bytes.Length : end, MaxBytes)];
    }
}

using System.Collections;

namespace SchedTrace;

/// <summary>
/// A read-only list of a record's figures whose <see cref="ToString"/> is every item as one line
/// of text that parses back. Export-Csv writes each property with ToString(), which for an array
/// is only its type name ("SchedTrace.LatencyBucket[]"); a list of this type keeps its figures in
/// the cell. ConvertTo-Json and the pipeline see an ordinary list.
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
public sealed class TextList<T> : IReadOnlyList<T>
{
    private readonly T[] items;
    private readonly Func<T, int, string> cell;
    private readonly string separator;

    /// <param name="items">The items, copied.</param>
    /// <param name="cell">An item (and its index) as text; it must not contain <paramref name="separator"/>.</param>
    /// <param name="separator">Between two items.</param>
    internal TextList(IEnumerable<T> items, Func<T, int, string> cell, string separator = ";")
    {
        this.items = items.ToArray();
        this.cell = cell;
        this.separator = separator;
    }

    public int Count => items.Length;

    public T this[int index] => items[index];

    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => items.GetEnumerator();

    /// <summary>Every item as text, joined by the list's separator; "" for none.</summary>
    public override string ToString() => string.Join(separator, items.Select(cell));
}

using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace SchedTrace.Cli;

internal enum OutputFormat
{
    Table,
    Json,
    Csv,
}

internal sealed record Column<T>(string Header, int Width, Func<T, string> Value);

/// <summary>Where a verb writes its records.</summary>
internal interface IRecordSink<in T>
{
    void Write(IEnumerable<T> records);
}

/// <summary>
/// Writes core records as a table (the columns a terminal needs), JSON lines or CSV (every public
/// property, in declaration order, under the same names as the PowerShell objects).
/// </summary>
internal sealed class RecordWriter<T> : IRecordSink<T>
{
    // By the record's own type, so a stream of mixed event types keeps every property of each.
    private static readonly Dictionary<Type, PropertyInfo[]> PropertiesByType = new();

    // Relaxed escaping: JSON lines for pipes and files, not HTML, so "->" and "µs" stay readable.
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly TextWriter output;
    private readonly OutputFormat format;
    private readonly IReadOnlyList<Column<T>> columns;
    private bool headerWritten;

    internal RecordWriter(TextWriter output, OutputFormat format, IReadOnlyList<Column<T>> columns)
    {
        this.output = output;
        this.format = format;
        this.columns = columns;
    }

    public void Write(IEnumerable<T> records)
    {
        foreach (var record in records)
        {
            switch (format)
            {
                case OutputFormat.Json:
                    output.WriteLine(JsonSerializer.Serialize(ToDictionary(record), JsonOptions));
                    break;
                case OutputFormat.Csv:
                    WriteCsv(record);
                    break;
                default:
                    WriteTableRow(record);
                    break;
            }
        }
    }

    // CSV: one cell per property, as Export-Csv writes them. A collection prints as its type name,
    // so only those whose text is their items (TextList, such as LostEventsPerCpu) are kept.
    private static readonly Dictionary<Type, PropertyInfo[]> CsvPropertiesByType = new();

    private static PropertyInfo[] CsvPropertiesOf(T record)
    {
        var type = record!.GetType();
        if (!CsvPropertiesByType.TryGetValue(type, out var properties))
        {
            properties = PropertiesOf(record).Where(p => p.PropertyType == typeof(string)
                || !typeof(System.Collections.IEnumerable).IsAssignableFrom(p.PropertyType)
                || (p.PropertyType.IsGenericType && p.PropertyType.GetGenericTypeDefinition() == typeof(TextList<>))).ToArray();
            CsvPropertiesByType[type] = properties;
        }
        return properties;
    }

    private static PropertyInfo[] PropertiesOf(T record)
    {
        var type = record!.GetType();
        if (!PropertiesByType.TryGetValue(type, out var properties))
        {
            // Reflection's order, which is the order PowerShell's adapter (and Export-Csv) uses.
            properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance);
            PropertiesByType[type] = properties;
        }
        return properties;
    }

    private static Dictionary<string, object?> ToDictionary(T record, PropertyInfo[]? only = null)
    {
        var properties = only ?? PropertiesOf(record);
        var values = new Dictionary<string, object?>(properties.Length);
        foreach (var property in properties)
        {
            values[property.Name] = property.GetValue(record) switch
            {
                DateTime time => time.ToString("O", CultureInfo.InvariantCulture),
                TimeSpan span => span.ToString("c", CultureInfo.InvariantCulture),
                Enum value => value.ToString(),
                ulong number => number,
                var other => other,
            };
        }
        return values;
    }

    private void WriteCsv(T record)
    {
        if (!headerWritten)
        {
            output.WriteLine(string.Join(',', CsvPropertiesOf(record).Select(p => Quote(p.Name))));
            headerWritten = true;
        }
        output.WriteLine(string.Join(',', ToDictionary(record, CsvPropertiesOf(record)).Values.Select(v => Quote(Convert.ToString(v, CultureInfo.InvariantCulture) ?? string.Empty))));
    }

    private static string Quote(string value) => "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private void WriteTableRow(T record)
    {
        if (!headerWritten)
        {
            output.WriteLine(Line(columns.Select(c => c.Header)));
            output.WriteLine(Line(columns.Select(c => new string('-', c.Header.Length))).TrimEnd());
            headerWritten = true;
        }
        output.WriteLine(Line(columns.Select(c => c.Value(record))).TrimEnd());
    }

    private string Line(IEnumerable<string> cells)
    {
        var line = new StringBuilder();
        int i = 0;
        foreach (var cell in cells)
        {
            if (i > 0)
            {
                line.Append(' ');
            }
            // A negative width left-aligns (text columns); positive right-aligns (numbers).
            int width = columns[i].Width;
            line.Append(width < 0 ? cell.PadRight(-width) : cell.PadLeft(width));
            i++;
        }
        return line.ToString();
    }
}

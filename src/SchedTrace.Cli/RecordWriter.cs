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

/// <summary>
/// Writes core records as a table (the columns a terminal needs), JSON lines or CSV (every public
/// property, in declaration order, under the same names as the PowerShell objects).
/// </summary>
internal sealed class RecordWriter<T>
{
    private static readonly PropertyInfo[] Properties = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance);

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = false };

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

    internal void Write(IEnumerable<T> records)
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
        output.Flush();
    }

    private static Dictionary<string, object?> ToDictionary(T record)
    {
        var values = new Dictionary<string, object?>(Properties.Length);
        foreach (var property in Properties)
        {
            values[property.Name] = property.GetValue(record) switch
            {
                DateTime time => time.ToString("O", CultureInfo.InvariantCulture),
                TimeSpan span => span.ToString("c", CultureInfo.InvariantCulture),
                Enum value => value.ToString(),
                var other => other,
            };
        }
        return values;
    }

    private void WriteCsv(T record)
    {
        if (!headerWritten)
        {
            output.WriteLine(string.Join(',', Properties.Select(p => Quote(p.Name))));
            headerWritten = true;
        }
        output.WriteLine(string.Join(',', ToDictionary(record).Values.Select(v => Quote(Convert.ToString(v, CultureInfo.InvariantCulture) ?? string.Empty))));
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

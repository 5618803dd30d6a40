using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

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
/// property, in the order PowerShell's adapter and Export-Csv use, under the same names as the
/// PowerShell objects). JSON and CSV both come from the source-generated contract in
/// <see cref="RecordJson"/>: no reflection, so the native (AOT) CLI writes the same text.
/// </summary>
internal sealed class RecordWriter<T> : IRecordSink<T>
    where T : notnull
{
    private readonly TextWriter output;
    private readonly OutputFormat format;
    private readonly IReadOnlyList<Column<T>> columns;
    private readonly MemoryStream jsonBuffer = new();
    private Utf8JsonWriter? jsonWriter;
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
                    WriteJson(record);
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

    private void WriteJson(T record)
    {
        // By the record's own type, so a stream of mixed event types keeps every property of each.
        jsonBuffer.SetLength(0);
        jsonWriter ??= new Utf8JsonWriter(jsonBuffer, new JsonWriterOptions { Encoder = RecordJson.Options.Encoder });
        jsonWriter.Reset(jsonBuffer);
        JsonSerializer.Serialize(jsonWriter, record, RecordJson.TypeInfo(record.GetType()));
        jsonWriter.Flush();
        output.WriteLine(Encoding.UTF8.GetString(jsonBuffer.GetBuffer(), 0, (int)jsonBuffer.Length));
    }

    private void WriteCsv(T record)
    {
        var properties = RecordJson.CsvProperties(record.GetType());
        if (!headerWritten)
        {
            output.WriteLine(string.Join(',', properties.Select(p => Quote(p.Name))));
            headerWritten = true;
        }
        output.WriteLine(string.Join(',', properties.Select(p => Quote(RecordJson.CellText(p.Get!(record))))));
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

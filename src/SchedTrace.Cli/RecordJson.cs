using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace SchedTrace.Cli;

/// <summary>
/// The JSON contract of every record the CLI writes, generated at compile time (no reflection,
/// so the native CLI needs no trimming exceptions): enums by name, DateTime as round-trip "O"
/// text, TimeSpan as "c" text, as the CLI has always written them.
/// </summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true, Converters = [typeof(RoundTripDateTimeConverter)])]
[JsonSerializable(typeof(ContextSwitchCount))]
[JsonSerializable(typeof(ProcessCpuTime))]
[JsonSerializable(typeof(SchedSwitchEvent))]
[JsonSerializable(typeof(SchedWakeupEvent))]
[JsonSerializable(typeof(SchedMigrateEvent))]
[JsonSerializable(typeof(LatencyStatistics))]
[JsonSerializable(typeof(PriorityInversion))]
[JsonSerializable(typeof(PriorityInversionSummary))]
[JsonSerializable(typeof(RunQueueLength))]
internal sealed partial class RecordJsonContext : JsonSerializerContext;

internal static class RecordJson
{
    // Relaxed escaping: JSON lines for pipes and files, not HTML, so "->" and "µs" stay readable.
    internal static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = false,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = RecordJsonContext.Default.WithAddedModifier(InReflectionOrder),
    };

    private static readonly Dictionary<Type, JsonPropertyInfo[]> CsvPropertiesByType = new();

    /// <summary>The contract of a record type the CLI writes; a type without one is a programming error.</summary>
    internal static JsonTypeInfo TypeInfo(Type type) =>
        Options.GetTypeInfo(type);

    /// <summary>
    /// The properties a CSV row has: one cell per property, as Export-Csv writes them. A collection
    /// prints as its type name there, so only scalars and text are kept.
    /// </summary>
    internal static JsonPropertyInfo[] CsvProperties(Type type)
    {
        if (!CsvPropertiesByType.TryGetValue(type, out var properties))
        {
            properties = TypeInfo(type).Properties
                .Where(p => p.PropertyType == typeof(string) || !typeof(System.Collections.IEnumerable).IsAssignableFrom(p.PropertyType))
                .ToArray();
            CsvPropertiesByType[type] = properties;
        }
        return properties;
    }

    /// <summary>A CSV cell: the JSON texts for times and enums, invariant numbers, True/False as Export-Csv writes them.</summary>
    internal static string CellText(object? value) => value switch
    {
        null => string.Empty,
        DateTime time => time.ToString("O", CultureInfo.InvariantCulture),
        TimeSpan span => span.ToString("c", CultureInfo.InvariantCulture),
        Enum e => e.ToString(),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty,
    };

    /// <summary>
    /// The order PowerShell's adapter (and Export-Csv) shows a record's properties in: the type's
    /// own first, then those it inherits (SchedSwitchEvent: Prev..., then Type, Timestamp, Cpu),
    /// each in declaration order. The generated contract lists inherited properties first.
    /// </summary>
    private static void InReflectionOrder(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }
        var depth = new Dictionary<Type, int>();
        int level = 0;
        for (var type = info.Type; type is not null; type = type.BaseType)
        {
            depth[type] = level++;
        }
        var ordered = info.Properties
            .Select((property, index) => (property, index))
            .OrderBy(p => p.property.DeclaringType is { } declaring && depth.TryGetValue(declaring, out int d) ? d : 0)
            .ThenBy(p => p.index)
            .ToList();
        for (int i = 0; i < ordered.Count; i++)
        {
            ordered[i].property.Order = i;
        }
    }
}

/// <summary>DateTime as "O" text (seven fraction digits, zone mark), as .NET round-trips it.</summary>
internal sealed class RoundTripDateTimeConverter : JsonConverter<DateTime>
{
    public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTime.Parse(reader.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString("O", CultureInfo.InvariantCulture));
}

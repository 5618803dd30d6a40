using System.Management.Automation;

namespace SchedTrace.PowerShell;

/// <summary>
/// Lets -Duration 2 mean two seconds. PowerShell alone converts an integer to a TimeSpan of that
/// many ticks; this reads numbers as seconds and strings as the CLI does ("500ms", "00:00:02").
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class DurationTransformationAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData) => ToTimeSpan(inputData);

    internal static TimeSpan ToTimeSpan(object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        switch (value)
        {
            case TimeSpan span:
                return span;
            case string text when DurationParser.TryParse(text, out var parsed):
                return parsed;
            case sbyte or byte or short or ushort or int or uint or long or ulong or float or double or decimal:
                if (DurationParser.FromSeconds(Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture), out var seconds))
                {
                    return seconds;
                }
                break;
        }
        throw new ArgumentTransformationMetadataException(
            $"'{value}' is not a duration. Give seconds (2, 0.5), a value with a unit (500ms, 2s, 1m), or a TimeSpan.");
    }
}

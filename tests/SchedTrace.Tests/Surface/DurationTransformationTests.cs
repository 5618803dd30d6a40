using System.Management.Automation;
using SchedTrace.PowerShell;

namespace SchedTrace.Tests.Surface;

/// <summary>What -Duration and -Interval accept: numbers are seconds, never ticks.</summary>
public sealed class DurationTransformationTests
{
    public static TheoryData<object, TimeSpan> Accepted => new()
    {
        { 2, TimeSpan.FromSeconds(2) },
        { 2L, TimeSpan.FromSeconds(2) },
        { 0.5, TimeSpan.FromMilliseconds(500) },
        { 0.5m, TimeSpan.FromMilliseconds(500) },
        { "2", TimeSpan.FromSeconds(2) },
        { "500ms", TimeSpan.FromMilliseconds(500) },
        { "2s", TimeSpan.FromSeconds(2) },
        { "1.5m", TimeSpan.FromSeconds(90) },
        { "00:00:02", TimeSpan.FromSeconds(2) },
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public void ToTimeSpan_ReadsNumbersAsSecondsAndUnitsAsWritten(object input, TimeSpan expected)
    {
        Assert.Equal(expected, DurationTransformationAttribute.ToTimeSpan(input));
    }

    [Fact]
    public void ToTimeSpan_PassesATimeSpanThrough()
    {
        var span = TimeSpan.FromTicks(12345);
        Assert.Equal(span, DurationTransformationAttribute.ToTimeSpan(span));
    }

    public static TheoryData<object?> Rejected => new() { "soon", "", "2 fortnights", double.NaN, true, null };

    [Theory]
    [MemberData(nameof(Rejected))]
    public void ToTimeSpan_RejectsWhatIsNotADuration(object? input)
    {
        // PowerShell reports this exception type as a parameter-binding error naming the parameter.
        Assert.Throws<ArgumentTransformationMetadataException>(() => DurationTransformationAttribute.ToTimeSpan(input));
    }
}

using System.Text.RegularExpressions;
using SchedTrace.Measures;
using SchedTrace.Tests.Support;

namespace SchedTrace.Tests.Unit;

/// <summary>
/// The shared hooks call a measure's handlers when its bit is set in <c>cfg.measures</c>, which the
/// session fills with the measures' <see cref="SchedTraceFeature"/> values. Each header defines
/// its bit as <c>#define MEASURE_X n /* SchedTraceFeature.Name */</c>; a bit that differs from
/// its feature would leave that measure silently off, so each is held to the enum here, and
/// every measure of the registry has one.
/// </summary>
public sealed partial class MeasureBitsTests
{
    [GeneratedRegex(@"^#define MEASURE_\w+ (?<value>\d+) /\* SchedTraceFeature\.(?<feature>\w+) \*/$", RegexOptions.Multiline)]
    private static partial Regex BitDefinition();

    private static Dictionary<SchedTraceFeature, uint> Bits()
    {
        var bits = new Dictionary<SchedTraceFeature, uint>();
        foreach (var header in Directory.GetFiles(Path.Combine(RepoPaths.RepoRoot, "bpf", "measures"), "*.bpf.h"))
        {
            foreach (Match match in BitDefinition().Matches(File.ReadAllText(header)))
            {
                var feature = Enum.Parse<SchedTraceFeature>(match.Groups["feature"].Value);
                Assert.True(bits.TryAdd(feature, uint.Parse(match.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture)),
                    $"{feature} has a second bit, in {Path.GetFileName(header)}");
            }
        }
        return bits;
    }

    [Fact]
    public void EachMeasuresBit_IsItsFeaturesValue()
    {
        var bits = Bits();
        Assert.NotEmpty(bits);
        Assert.All(bits, bit => Assert.Equal((uint)bit.Key, bit.Value));
    }

    [Fact]
    public void EveryMeasureOfTheRegistry_HasABit()
    {
        var features = MeasureRegistry.For(MeasureRegistry.AllFeatures).Select(measure => measure.Feature).Order();
        Assert.Equal(features, Bits().Keys.Order());
    }
}

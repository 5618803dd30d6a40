using System.Globalization;
using System.Management.Automation;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using SchedTrace.PowerShell;

namespace SchedTrace.Tests.Properties;

/// <summary>
/// The durations of -Duration, -Interval, --duration, --interval, --min-runtime and --threshold
/// (<see cref="DurationParser"/>, and <see cref="DurationTransformationAttribute"/> for the
/// objects pwsh passes): whatever is typed, the answer is a TimeSpan or the InvalidDuration error;
/// what is valid means what it says.
/// </summary>
public sealed class DurationParserProperties
{
    private static readonly (string Unit, long TicksPerUnit)[] Units =
    {
        ("", TimeSpan.TicksPerSecond), ("s", TimeSpan.TicksPerSecond), ("ms", TimeSpan.TicksPerMillisecond),
        ("us", TimeSpan.TicksPerMicrosecond), ("m", TimeSpan.TicksPerMinute), ("h", TimeSpan.TicksPerHour),
    };

    /// <summary>The largest magnitude the parser takes, in seconds (half of TimeSpan's range, so that sums of two stay in it).</summary>
    private static readonly double LimitSeconds = TimeSpan.MaxValue.TotalSeconds / 2;

    [Property(MaxTest = 2000)]
    public Property AnyText_IsADurationOrTheInvalidDurationError() =>
        Prop.ForAll(Inputs.AnyDurationText.Select(t => t ?? "").Shrinking(), text =>
        {
            bool parsed = DurationParser.TryParse(text, out var duration);
            try
            {
                var value = DurationParser.Parse(text, "--duration");
                return parsed && value == duration;
            }
            catch (SchedTraceException e)
            {
                return !parsed
                    && e.Kind == SchedTraceErrorKind.InvalidArgument
                    && e.ErrorId == "InvalidDuration"
                    && e.Message == $"'{text}' is not a duration for --duration."
                    && e.RecommendedAction.Contains("500ms", StringComparison.Ordinal);
            }
        });

    [Property(MaxTest = 2000)]
    public Property AWholeNumberOfAUnit_IsThatDuration_ToTheTick() =>
        Prop.ForAll(WholeNumberOfAUnit().ToArbitrary(), c =>
            (DurationParser.TryParse(c.Text, out var duration) && duration == c.Expected)
                .Label($"'{c.Text}' -> {duration.Ticks} ticks, expected {c.Expected.Ticks}"));

    [Property(MaxTest = 1000)]
    public Property DecimalSecondsAndMilliseconds_AreThatDuration_ToTheTick()
    {
        // Anywhere in the parser's range: decimal text is read exactly.
        long limit = (long)(LimitSeconds * TimeSpan.TicksPerSecond);
        var cases =
            from ticks in Inputs.Int64(-limit, limit)
            from milliseconds in Gen.Elements(false, true)
            from lead in Inputs.Space
            from trail in Inputs.Space
            select (Ticks: ticks, Text: lead + (milliseconds
                ? ((decimal)ticks / TimeSpan.TicksPerMillisecond).ToString(CultureInfo.InvariantCulture) + "ms"
                : ((decimal)ticks / TimeSpan.TicksPerSecond).ToString(CultureInfo.InvariantCulture)) + trail);
        return Prop.ForAll(cases.ToArbitrary(), c =>
            (DurationParser.TryParse(c.Text, out var duration) && duration.Ticks == c.Ticks).Label($"{c.Text} -> {duration.Ticks}"));
    }

    [Property(MaxTest = 1000)]
    public Property ATimeSpanWrittenOut_ParsesBackToItself() =>
        Prop.ForAll(Inputs.AnyTimeSpan().ToArbitrary(), span =>
            DurationParser.TryParse(span.ToString("c", CultureInfo.InvariantCulture), out var duration) && duration == span);

    /// <summary>
    /// TotalSeconds written as the shortest text that reads back as the same double: up to 2^50
    /// ticks (3.6 years) that double is within 0.15 tick of the tick count, so the text names it.
    /// </summary>
    [Property(MaxTest = 1000)]
    public Property SecondsAsRoundTripText_ParseBackToTheSameTimeSpan() =>
        Prop.ForAll(Inputs.Int64(-(1L << 50), 1L << 50).Select(TimeSpan.FromTicks).ToArbitrary(), span =>
            DurationParser.TryParse(span.TotalSeconds.ToString("R", CultureInfo.InvariantCulture) + "s", out var duration) && duration == span);

    [Property(MaxTest = 1000)]
    public Property ForeignDigits_AreRefused() =>
        Prop.ForAll(Inputs.ForeignDigits.Zip(Inputs.Unit, (digit, unit) => digit + unit).ToArbitrary(), text =>
            !DurationParser.TryParse(text, out _));

    [Property(MaxTest = 1000)]
    public Property SecondsPastTheLimit_AreRefused_NotWrapped() =>
        Prop.ForAll(Gen.Choose(0, 300).Zip(Gen.Elements(1.0, -1.0), (exponent, sign) => sign * LimitSeconds * Math.Pow(10, exponent / 100.0) * 1.0001).ToArbitrary(), seconds =>
            !DurationParser.TryParse(seconds.ToString("R", CultureInfo.InvariantCulture), out _)
            && !DurationParser.FromSeconds(seconds, out _));

    [Property(MaxTest = 1000)]
    public Property PowerShellNumbers_AreSeconds_OrTheTransformationError()
    {
        var numbers = Gen.OneOf(
            Gen.Choose(int.MinValue, int.MaxValue).Select(n => (object)n),
            Inputs.Int64(long.MinValue, long.MaxValue).Select(n => (object)n),
            Inputs.UInt64.Select(n => (object)n),
            Gen.Choose(-1_000_000, 1_000_000).Select(n => (object)(n / 1000.0)),
            Gen.Elements<object>(double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.MaxValue, float.NaN, float.MaxValue, decimal.MaxValue, decimal.MinValue, 0.5m, (byte)7, (sbyte)-7, (short)300, (ushort)300, 1e-12));
        return Prop.ForAll(numbers.ToArbitrary(), number =>
        {
            double seconds = Convert.ToDouble(number, CultureInfo.InvariantCulture);
            bool valid = DurationParser.FromSeconds(seconds, out var expected);
            try
            {
                var duration = DurationTransformationAttribute.ToTimeSpan(number);
                // Whole seconds are exact; fractions are rounded to the tick.
                return valid && duration == expected && (number is not (int or long or short or sbyte or byte or ushort) || duration == TimeSpan.FromSeconds(seconds));
            }
            catch (ArgumentTransformationMetadataException e)
            {
                return !valid && e.Message.StartsWith($"'{number}' is not a duration.", StringComparison.Ordinal);
            }
        });
    }

    [Property(MaxTest = 1000)]
    public Property PowerShellText_IsReadAsTheCliReadsIt() =>
        Prop.ForAll(Inputs.AnyDurationText.Where(t => t is not null).Select(t => t!).Shrinking(), text =>
        {
            bool parsed = DurationParser.TryParse(text, out var expected);
            try
            {
                var duration = DurationTransformationAttribute.ToTimeSpan(new PSObject(text));
                return parsed && duration == expected;
            }
            catch (ArgumentTransformationMetadataException)
            {
                return !parsed;
            }
        });

    /// <summary>n units, n within the parser's range, the unit in either case, space around and between.</summary>
    private static Gen<(string Text, TimeSpan Expected)> WholeNumberOfAUnit() =>
        from unit in Gen.Elements(Units)
        from n in Inputs.Int64(-(long)(LimitSeconds * TimeSpan.TicksPerSecond / unit.TicksPerUnit), (long)(LimitSeconds * TimeSpan.TicksPerSecond / unit.TicksPerUnit))
        from small in Gen.Choose(-1000, 1000)
        from useSmall in Gen.Elements(true, false)
        from upper in Gen.Elements(true, false)
        from plus in Gen.Elements(true, false)
        from lead in Inputs.Space
        from gap in Gen.Elements("", "", " ")
        from trail in Inputs.Space
        let value = useSmall ? small : n
        select (
            lead + (plus && value >= 0 ? "+" : "") + value.ToString(CultureInfo.InvariantCulture) + gap + (upper ? unit.Unit.ToUpperInvariant() : unit.Unit) + trail,
            TimeSpan.FromTicks(value * unit.TicksPerUnit));
}

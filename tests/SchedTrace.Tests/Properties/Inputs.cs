using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace SchedTrace.Tests.Properties;

/// <summary>
/// Generators of what people type, or mistype: the pieces of a valid input (numbers, units,
/// separators) mixed with the near misses around them (signs, odd whitespace, digits of other
/// scripts, numbers past every range, empty text), so that most cases sit on the edge between
/// accepted and refused rather than being noise that any parser refuses on its first character.
/// </summary>
internal static class Inputs
{
    // Declared first: the generators below are built from it when the class initializes.
    /// <summary>All 64 bits random.</summary>
    internal static readonly Gen<ulong> UInt64 =
        from high in Gen.Choose(0, (1 << 22) - 1)
        from middle in Gen.Choose(0, (1 << 22) - 1)
        from low in Gen.Choose(0, (1 << 20) - 1)
        select ((ulong)(uint)high << 42) | ((ulong)(uint)middle << 20) | (uint)low;

    /// <summary>Whitespace as a shell or a paste brings it, including kinds that are not ASCII.</summary>
    internal static readonly Gen<string> Space = Gen.Frequency(
        (6, Gen.Constant("")),
        (2, Gen.Elements(" ", "  ", "\t")),
        (1, Gen.Elements("\n", "\u00a0", "\u2003", "\u3000")));

    internal static readonly Gen<string> Sign = Gen.Frequency(
        (6, Gen.Constant("")),
        (1, Gen.Elements("+", "-", "\u2212", "--", "+-", "-0")));

    /// <summary>Digits people do not mean as ASCII: Arabic-Indic, Devanagari, full-width, mathematical bold (a surrogate pair), superscript.</summary>
    internal static readonly Gen<string> ForeignDigits = Gen.Elements("\u0662", "\u0968", "\uff12", "\ud835\udfd0", "\u00b2", "\u2462", "\u0f22");

    /// <summary>Numbers as text: whole, decimal, exponent, past double's and long's range, NaN, separators that are not accepted.</summary>
    internal static readonly Gen<string> NumberText = Gen.Frequency(
        (4, Gen.Choose(0, 1_000_000).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (2, Gen.Choose(0, 99_999).Zip(Gen.Choose(0, 7), (n, places) => Decimal(n, places))),
        (1, Gen.Elements("0", "00", "007", ".5", "5.", "1e3", "1E-3", "2.5e-1", "1e308", "1e309", "1e400", "4.9e-324")),
        (1, Gen.Elements("2147483647", "2147483648", "4294967296", "9223372036854775807", "9223372036854775808", "18446744073709551616", "99999999999999999999999")),
        (1, Gen.Elements("NaN", "nan", "Infinity", "-Infinity", "\u221e", "Inf")),
        (1, Gen.Elements("1,5", "1_000", "0x10", "1 000", "1'000", "1.2.3", "e3", ".", "")),
        (1, ForeignDigits),
        (1, Gen.Choose(0, 9).Zip(ForeignDigits, (d, foreign) => d + foreign)));

    /// <summary>Duration units, the accepted ones in every case and the ones people expect to work.</summary>
    internal static readonly Gen<string> Unit = Gen.Frequency(
        (3, Gen.Constant("")),
        (6, Gen.Elements("s", "S", "ms", "MS", "Ms", "mS", "us", "US", "m", "M", "h", "H")),
        (2, Gen.Elements("\u00b5s", "\u03bcs", "ns", "d", "min", "sec", "secs", "seconds", "hr", "ss", "sms", "%", "s.")));

    /// <summary>A duration as someone might type it: sign, number, space, unit, with space around.</summary>
    internal static readonly Gen<string> DurationText =
        from lead in Space
        from sign in Sign
        from number in NumberText
        from gap in Gen.Frequency((5, Gen.Constant("")), (1, Space))
        from unit in Unit
        from trail in Space
        select lead + sign + number + gap + unit + trail;

    /// <summary>TimeSpan text, valid ("1.02:03:04.5") and garbled ("1:2:3:4:5", "00:60:00", "::").</summary>
    internal static readonly Gen<string> TimeSpanText = Gen.OneOf(
        AnyTimeSpan().Select(t => t.ToString("c", System.Globalization.CultureInfo.InvariantCulture)),
        AnyTimeSpan().Select(t => t.ToString("g", System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Elements("1:2:3:4:5", "00:60:00", "::", ":", "1:", ":1", "24:00:00", "0:0:0:0", "-:00", "00:00:00s", "1.2:3", "10675199.02:48:05.4775808", "10675200:00:00", "\u0662:00"));

    /// <summary>Text near a duration, a TimeSpan, or nothing at all (null, "", whitespace, arbitrary Unicode).</summary>
    internal static readonly Gen<string?> AnyDurationText = Gen.Frequency(
        (6, DurationText.Select(t => (string?)t)),
        (2, TimeSpanText.Select(t => (string?)t)),
        (1, Gen.Elements<string?>(null, "", " ", "\t\n")),
        (1, ArbMap.Default.GeneratorFor<string>().Select(t => (string?)t)));

    /// <summary>A TimeSpan anywhere in its range, biased to the ends and to whole units.</summary>
    internal static Gen<TimeSpan> AnyTimeSpan() => Gen.Frequency(
        (4, Int64(-(1L << 62), 1L << 62).Select(TimeSpan.FromTicks)),
        (2, Gen.Choose(-100_000, 100_000).Select(n => TimeSpan.FromMilliseconds(n))),
        (1, Gen.Elements(TimeSpan.Zero, TimeSpan.MaxValue, TimeSpan.MinValue, TimeSpan.FromTicks(1), TimeSpan.FromTicks(-1))));

    /// <summary>A long in [min, max], uniform over the bits rather than FsCheck's size-bounded default.</summary>
    internal static Gen<long> Int64(long min, long max)
    {
        ulong span = (ulong)(max - min);
        return UInt64.Select(bits => min + (long)(span == ulong.MaxValue ? bits : bits % (span + 1)));
    }

    /// <summary>A value spread over the orders of magnitude (log-uniform): a random number of bits, then random bits.</summary>
    internal static readonly Gen<ulong> LogUniform = Gen.Choose(0, 64).Zip(UInt64, (bits, value) => bits == 64 ? value : value & ((1UL << bits) - 1));

    /// <summary>An argument as a command line can pass it: anything but NUL, which argv cannot hold.</summary>
    internal static readonly Gen<string> ArgText = ArbMap.Default.GeneratorFor<string>()
        .Where(s => s is not null)
        .Select(s => s.Replace("\0", string.Empty, StringComparison.Ordinal));

    /// <summary>Characters that task names are made of, and the ones that stress a comparison: case pairs outside ASCII, letters that change length when cased, a surrogate pair, control characters.</summary>
    internal static readonly Gen<string> NameChar = Gen.Frequency(
        (8, Gen.Elements("a", "b", "k", "s", "x", "z", "A", "K", "S", "Z", "0", "7", "-", "_", ".", "/", ":", " ")),
        (3, Gen.Elements("\u00e9", "\u00c9", "\u00df", "\u0130", "\u0131", "\u212a", "\u03a3", "\u03c2", "\u03c3", "\ufb03", "\u65e5", "\u672c", "\ud83d\ude00", "\u00ff", "\u0178")),
        (1, Gen.Elements("\n", "\t", "\u007f", "\u0001")));

    /// <summary>A task name of 0 to 24 characters (a comm keeps 15 bytes of it).</summary>
    internal static readonly Gen<string> TaskName =
        Gen.Choose(0, 24).SelectMany(length => NameChar.ArrayOf(length)).Select(string.Concat);

    /// <summary>
    /// The comm a task named <paramref name="name"/> gets, as the kernel keeps it (strscpy into a
    /// 16-byte field: the bytes up to a NUL, at most 15) and as /proc and the BPF records read it
    /// back (UTF-8; a character cut at the 15th byte becomes U+FFFD). Written here from the
    /// kernel's rule, not from the code under test.
    /// </summary>
    internal static string KernelComm(string name) => Encoding.UTF8.GetString(KernelCommBytes(name));

    internal static byte[] KernelCommBytes(string name)
    {
        var bytes = Encoding.UTF8.GetBytes(name);
        int end = Array.IndexOf(bytes, (byte)0);
        return bytes[..Math.Min(end < 0 ? bytes.Length : end, 15)];
    }

    /// <summary>Generated text that FsCheck shrinks on failure (as it does any string), so that a failure prints a short case.</summary>
    internal static Arbitrary<string> Shrinking(this Gen<string> gen) => Arb.From(gen, ArbMap.Default.ArbFor<string>().Shrinker);

    /// <summary>Generated values that FsCheck shrinks on failure: fewer of them, and smaller.</summary>
    internal static Arbitrary<List<ulong>> Shrinking(this Gen<List<ulong>> gen) => Arb.From(gen, ArbMap.Default.ArbFor<List<ulong>>().Shrinker);

    /// <summary>The ASCII letters of <paramref name="text"/> in the other case, chosen by <paramref name="mask"/>; nothing else changes.</summary>
    internal static string FlipAsciiCase(string text, ulong mask)
    {
        var chars = text.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            if (((mask >> (i % 64)) & 1) != 0 && char.IsAsciiLetter(chars[i]))
            {
                chars[i] = char.IsAsciiLetterUpper(chars[i]) ? char.ToLowerInvariant(chars[i]) : char.ToUpperInvariant(chars[i]);
            }
        }
        return new string(chars);
    }

    private static string Decimal(int n, int places)
    {
        var digits = n.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(places + 1, '0');
        return places == 0 ? digits : digits[..^places] + "." + digits[^places..];
    }
}

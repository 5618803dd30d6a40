using System.Management.Automation;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace SchedTrace.Tests.Properties;

/// <summary>
/// The core's <see cref="NamePattern"/>, which both front ends match task names with, against
/// PowerShell's own WildcardPattern (the System.Management.Automation that pwsh 7.6.9 loads), on
/// generated patterns and names: brackets, ranges, escapes, malformed sets, and characters whose
/// case is not ASCII's. The oracle is WildcardPattern with IgnoreCase and CultureInvariant, the
/// options the core's matching stands for (a kernel name has no culture).
/// </summary>
/// <remarks>
/// PowerShell takes two shortcuts past its own matcher, both comparing the pattern as text,
/// linguistically (ICU ignores a control character there): a pattern with no wildcard and no
/// backtick, and one whose only wildcard is a final *. The core matches those character by
/// character as it does every other pattern, which is what PowerShell's matcher says of the same
/// pattern written so that the shortcut does not apply (a backtick before its first character, or
/// alone for the empty pattern; a second final *). For those two shapes that rewrite is the oracle;
/// <see cref="NamePatternTests.PowerShellsTextShortcut_IsLinguistic_WhereItsMatcherAndTheCoreAreNot"/>
/// pins what the shortcut does instead.
/// </remarks>
public sealed class NamePatternProperties
{
    private const WildcardOptions Oracle = WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant;

    /// <summary>Characters of names and patterns: those of task names, wildcard syntax, and what a regular expression set reads as syntax.</summary>
    private static readonly Gen<string> PatternChar = Gen.Frequency(
        (6, Inputs.NameChar),
        (3, Gen.Elements("*", "?", "[", "]", "`", "-")),
        (1, Gen.Elements("^", "!", "\\", ".", ":", "$", "+", "|", "(", "{")));

    /// <summary>Sets: ranges (in order and reversed), a ] or - as a member, escapes inside, what .NET reads as a subtraction or a POSIX class.</summary>
    private static readonly Gen<string> SetText = Gen.OneOf(
        Gen.Elements("[a-z]", "[A-Z]", "[!x]", "[^a]", "[z-a]", "[]]", "[`]]", "[a`-c]", "[-a]", "[a-]", "[k]", "[K]", "[\u212a]", "[s]",
            "[\u03c3]", "[\u03a3]", "[\u00e9-\u00ff]", "[0-9]", "[b[-[a-z]", "[[:a:]]", "[a-c-e]", "[\\]", "[`]", "[]", "[*?]", "[i]", "[\u0130]"),
        from low in PatternChar
        from high in PatternChar
        select $"[{low}-{high}]",
        from members in PatternChar.ArrayOf().Select(string.Concat)
        select $"[{members}]");

    private static readonly Gen<string> Piece = Gen.Frequency(
        (8, PatternChar),
        (2, SetText),
        (1, PatternChar.Select(c => "`" + c)));

    private static readonly Gen<string> PatternText =
        Gen.Choose(0, 7).SelectMany(n => Piece.ArrayOf(n)).Select(string.Concat);

    /// <summary>A name made to fit the pattern (roughly: sets, escapes and case are not read exactly), or one of random characters.</summary>
    private static Gen<string> NameFor(string pattern) => Gen.Frequency(
        (3, Witness(pattern)),
        (1, Gen.Choose(0, 8).SelectMany(n => PatternChar.ArrayOf(n)).Select(string.Concat)));

    [Property(MaxTest = 10000)]
    public Property TheCorePattern_AgreesWithPowerShellsWildcardPattern() =>
        Prop.ForAll(PatternText.SelectMany(p => NameFor(p).Select(n => (Pattern: p, Name: n))).ToArbitrary(), c =>
        {
            var (pattern, name) = c;
            string oracleText = MatcherForm(pattern);
            bool? expected;
            string? refusal = null;
            try
            {
                expected = WildcardPattern.Get(oracleText, Oracle).IsMatch(name);
            }
            catch (Exception e) when (e is WildcardPatternException or ArgumentException)
            {
                expected = null;
                refusal = e.Message;
            }
            bool parsed = NamePattern.TryParse(pattern, out var core, out var error);
            bool? actual = parsed ? core!.IsMatch(name) : null;
            string label = $"'{Show(pattern)}' (oracle '{Show(oracleText)}') vs '{Show(name)}': PowerShell {expected?.ToString() ?? "refused: " + refusal}, core {actual?.ToString() ?? "refused: " + error!.Message}";
            bool agree = expected is null
                ? error is { ErrorId: NamePattern.InvalidPatternId, Kind: SchedTraceErrorKind.InvalidArgument }
                    // The oracle's text differs from the pattern only when nothing in it can be refused.
                    && error.Message == $"'{pattern}' is not a valid wildcard pattern: {refusal}"
                : actual == expected;
            return agree.Label(label)
                .Classify(expected == true, "matches")
                .Classify(expected == false, "does not match")
                .Classify(expected is null, "refused")
                .Classify(oracleText != pattern, "shortcut shape");
        });

    [Property(MaxTest = 3000)]
    public Property WildcardsAndUnescaping_AreWildcardPatterns() =>
        Prop.ForAll(PatternText.ToArbitrary(), text =>
            (NamePattern.ContainsWildcards(text) == WildcardPattern.ContainsWildcardCharacters(text)
                && NamePattern.Unescape(text) == WildcardPattern.Unescape(text))
            .Label($"'{Show(text)}': wildcards {NamePattern.ContainsWildcards(text)} / {WildcardPattern.ContainsWildcardCharacters(text)}, unescaped '{Show(NamePattern.Unescape(text))}' / '{Show(WildcardPattern.Unescape(text))}'"));

    /// <summary>An escaped name is that name, to the filter and to PowerShell: what the completer inserts and a user types for a comm with [ or * in it.</summary>
    [Property(MaxTest = 2000)]
    public Property AnEscapedName_MatchesItself_AsWildcardPatternSays() =>
        Prop.ForAll(Gen.Choose(0, 15).SelectMany(n => PatternChar.ArrayOf(n)).Select(string.Concat).ToArbitrary(), name =>
        {
            string escaped = WildcardPattern.Escape(name);
            bool core = NamePattern.Parse(escaped).IsMatch(name);
            bool powerShell = WildcardPattern.Get(MatcherForm(escaped), Oracle).IsMatch(name);
            bool filter = new NameFilter([escaped]).Matches(CommName.Of(name));
            return (core && powerShell && filter)
                .Label($"'{Show(escaped)}' vs '{Show(name)}': core {core}, PowerShell {powerShell}, filter on the comm {filter}");
        });

    /// <summary>
    /// The pattern PowerShell's matcher reads for <paramref name="pattern"/>: the pattern itself,
    /// unless it has a shape PowerShell compares as text (see the remarks).
    /// </summary>
    internal static string MatcherForm(string pattern)
    {
        int special = pattern.AsSpan().IndexOfAny("*?[]`");
        if (special < 0)
        {
            // A lone backtick is PowerShell's matcher's form of the empty pattern.
            return "`" + pattern;
        }
        return special == pattern.Length - 1 && pattern[special] == '*' && pattern != "*" ? pattern + "*" : pattern;
    }

    /// <summary>Text shaped like a name the pattern matches: wildcards filled in, escapes dropped, a set's first member, ASCII case flipped at random.</summary>
    private static Gen<string> Witness(string pattern) =>
        from fill in PatternChar.ArrayOf(pattern.Length * 2 + 2)
        from stars in Gen.Choose(0, 2).ArrayOf(pattern.Length + 1)
        from mask in Inputs.UInt64
        select Inputs.FlipAsciiCase(Fill(pattern, fill, stars), mask);

    private static string Fill(string pattern, string[] fill, int[] stars)
    {
        var name = new StringBuilder();
        int next = 0;
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            switch (c)
            {
                case '`' when i + 1 < pattern.Length:
                    name.Append(pattern[++i]);
                    break;
                case '*':
                    for (int n = 0; n < stars[i]; n++)
                    {
                        name.Append(fill[next++ % fill.Length]);
                    }
                    break;
                case '?':
                    name.Append(fill[next++ % fill.Length]);
                    break;
                case '[':
                    int close = i + 2 <= pattern.Length ? pattern.IndexOf(']', i + 2) : -1;
                    if (close < 0)
                    {
                        name.Append(c);
                        break;
                    }
                    name.Append(pattern[i + 1]);
                    i = close;
                    break;
                default:
                    name.Append(c);
                    break;
            }
        }
        return name.ToString();
    }

    internal static string Show(string text) =>
        string.Concat(text.Select(c => char.IsControl(c) || char.IsSurrogate(c) || c > '\u007e' ? $"\\u{(int)c:x4}" : c.ToString()));
}

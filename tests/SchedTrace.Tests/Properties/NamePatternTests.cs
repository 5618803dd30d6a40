using System.Management.Automation;

namespace SchedTrace.Tests.Properties;

/// <summary>
/// The edges of PowerShell's wildcard language that <see cref="NamePatternProperties"/> probes,
/// pinned as facts: each is checked against the core and against PowerShell's WildcardPattern.
/// </summary>
public sealed class NamePatternTests
{
    private const WildcardOptions Oracle = WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant;

    [Theory]
    [InlineData("[]]", "]", true)] // a ] right after the [ is a member
    [InlineData("[`]]", "]", true)]
    [InlineData("`", "", true)] // a lone backtick is the empty pattern
    [InlineData("`", "`", false)]
    [InlineData("a`", "a`", true)] // a final backtick is itself
    [InlineData("a``", "a`", true)]
    [InlineData("`*", "*", true)]
    [InlineData("`*", "x", false)]
    [InlineData("[-a]", "-", true)] // a - at the edge of a set is itself
    [InlineData("[a-]", "-", true)]
    [InlineData("[a-c]", "-", false)]
    [InlineData("[a-c]", "B", true)]
    [InlineData("[a`-c]", "-", true)] // an escaped - is a member, not a range
    [InlineData("[a`-c]", "b", false)]
    [InlineData("[a-c-e]", "d", false)] // a-c, then - and e
    [InlineData("[a-c-e]", "-", true)]
    [InlineData("[!x]", "!", true)] // no negation: ! and ^ are members
    [InlineData("[!x]", "a", false)]
    [InlineData("[^a]", "^", true)]
    [InlineData("[*?]", "?", true)]
    [InlineData("[*?]", "a", false)]
    [InlineData("[k]", "\u212a", true)] // the Kelvin sign is a K to a set, as to a regular expression
    [InlineData("\u212a?", "kx", true)] // and lowers to k
    [InlineData("\u03c3?", "\u03c2x", false)] // a final sigma lowers to itself
    [InlineData("[\u03c3]", "\u03a3", true)]
    [InlineData("[[:a:]]", "a", false)] // .NET skips [:name:] in a set
    [InlineData("a.c", "abc", false)] // what a regular expression reads as syntax is literal
    [InlineData("a+", "aa", false)]
    [InlineData("[\\]", "\\", true)]
    [InlineData("a*", "A\nb", true)] // * and ? span line breaks: a comm may hold one
    [InlineData("a?b", "a\nb", true)]
    [InlineData("a*c", "abc\n", false)] // the end of the pattern is the end of the name
    [InlineData("*", "", true)]
    [InlineData("**", "", true)]
    [InlineData("?", "", false)]
    [InlineData("a[b]*", "a\u0001b", false)]
    [InlineData("\ud83d\ude00?", "\ud83d\ude00x", true)] // one UTF-16 unit per ?
    [InlineData("?", "\ud83d\ude00", false)]
    public void APattern_MatchesAsWildcardPatternDoes(string pattern, string name, bool matches)
    {
        Assert.Equal(matches, WildcardPattern.Get(NamePatternProperties.MatcherForm(pattern), Oracle).IsMatch(name));
        Assert.Equal(matches, NamePattern.Parse(pattern).IsMatch(name));
    }

    /// <summary>Refused by PowerShell's parser (unclosed, empty, reversed) or by the regular expression it makes of a set (a subtraction, "-[").</summary>
    [Theory]
    [InlineData("a[")]
    [InlineData("[]")]
    [InlineData("[z-a]")]
    [InlineData("a[b`]")]
    [InlineData("a[b[-[a-z]")]
    [InlineData("[!-[]")]
    public void AMalformedPattern_IsRefused_WithPowerShellsReason(string pattern)
    {
        var powerShell = Assert.ThrowsAny<Exception>(() => WildcardPattern.Get(pattern, Oracle).IsMatch(""));
        var e = Assert.Throws<SchedTraceException>(() => NamePattern.Parse(pattern));
        Assert.Equal((SchedTraceErrorKind.InvalidArgument, "InvalidNamePattern"), (e.Kind, e.ErrorId));
        Assert.Equal($"'{pattern}' is not a valid wildcard pattern: {powerShell.Message}", e.Message);
        Assert.NotEmpty(e.RecommendedAction);
        Assert.Throws<SchedTraceException>(() => new NameFilter(["ok", pattern]));
    }

    /// <summary>
    /// PowerShell compares a pattern whose only wildcard is a final * as text, with ICU, which
    /// ignores a control character: 'a\u0001*' matches "ab" there, while PowerShell's own matcher
    /// (reached by a second *) does not, nor does the core, which matches every pattern as that matcher does.
    /// </summary>
    [Fact]
    public void PowerShellsTextShortcut_IsLinguistic_WhereItsMatcherAndTheCoreAreNot()
    {
        Assert.True(WildcardPattern.Get("a\u0001*", Oracle).IsMatch("ab"));
        Assert.False(WildcardPattern.Get("a\u0001**", Oracle).IsMatch("ab"));
        Assert.False(NamePattern.Parse("a\u0001*").IsMatch("ab"));
        Assert.False(NamePattern.Parse("a\u0001**").IsMatch("ab"));
        // A pattern without wildcards is compared as text too: the empty one "matches" a DEL there.
        Assert.True(WildcardPattern.Get("", Oracle).IsMatch("\u007f"));
        Assert.False(WildcardPattern.Get("`", Oracle).IsMatch("\u007f"));
        Assert.False(NamePattern.Parse("").IsMatch("\u007f"));
    }

    /// <summary>A name without wildcards is the name it unescapes to; only one such name can go to the kernel.</summary>
    [Theory]
    [InlineData("sshd", "sshd")]
    [InlineData("`*", "*")]
    [InlineData("a`[1`]", "a[1]")]
    [InlineData("`a", "`a")] // a backtick before a plain character stays, as WildcardPattern.Unescape keeps it
    [InlineData("a`", "a`")]
    public void ALiteralName_IsUnescaped_AndGoesToTheKernelAlone(string typed, string literal)
    {
        Assert.Equal(WildcardPattern.Unescape(typed), literal);
        var filter = new NameFilter([typed]);
        Assert.Equal(literal, filter.SingleLiteral);
        Assert.True(filter.Matches(literal.ToUpperInvariant()));
        Assert.Equal([literal], filter.LiteralMisses(["other"]));
        Assert.Null(new NameFilter([typed, "x"]).SingleLiteral);
        Assert.Null(new NameFilter(["a*"]).SingleLiteral);
        Assert.Null(new NameFilter(null).Filter);
    }

    /// <summary>A literal longer than a comm is compared as the kernel keeps it; a pattern is matched against the comm as it is.</summary>
    [Fact]
    public void ALongLiteral_IsCutToAComm_APatternIsNot()
    {
        Assert.True(new NameFilter(["abcdefghijklmnopq"]).Matches("ABCDEFGHIJKLMNO"));
        Assert.False(new NameFilter(["abcdefghijklmnop*"]).Matches("abcdefghijklmno"));
        Assert.True(new NameFilter(["abcdefghijklm*"]).Matches("abcdefghijklmno"));
    }

    /// <summary>A stream's filter remembers which literal names met a task, for the misses reported at its end.</summary>
    [Fact]
    public void AStreamsFilter_TellsTheLiteralsThatNeverMatched()
    {
        var filter = new NameFilter(["bash", "sshd", "kworker*"]);
        Assert.True(filter.MatchesAny(["swapper/0", "BASH"]));
        Assert.True(filter.MatchesAny(["kworker/0:1"]));
        Assert.False(filter.MatchesAny(["systemd"]));
        Assert.Equal(["sshd"], filter.UnmatchedLiterals);
    }
}

namespace SchedTrace.Tests.Surface;

public sealed class CmdletNamingTests
{
    [Fact]
    public void EveryCmdlet_HasAPascalCaseNoun()
    {
        var malformed = CmdletMetadata.All.Where(c => !System.Text.RegularExpressions.Regex.IsMatch(c.Noun, "^[A-Z][A-Za-z0-9]*$")).Select(c => c.Name);
        Assert.Empty(malformed);
    }

    [Fact]
    public void EveryCmdlet_HasASingularNoun()
    {
        var plural = CmdletMetadata.All.Where(c => LooksPlural(c.Noun)).Select(c => c.Name);
        Assert.Empty(plural);
    }

    [Theory]
    [InlineData("ContextSwitchCount", false)]
    [InlineData("ProcessCpuTime", false)]
    [InlineData("RunQueueLatency", false)]
    [InlineData("OffCpuTime", false)]
    [InlineData("SchedTrace", false)]
    [InlineData("Process", false)]
    [InlineData("Status", false)]
    [InlineData("Analysis", false)]
    [InlineData("ContextSwitches", true)]
    [InlineData("SchedTraces", true)]
    public void LooksPlural_ReadsTheLastWordOfTheNoun(string noun, bool plural) => Assert.Equal(plural, LooksPlural(noun));

    /// <summary>
    /// The rule PSScriptAnalyzer's PSUseSingularNouns applies, reduced to English nouns we might
    /// use: the last word of the noun ends in s but is not a singular -ss, -us or -is word.
    /// </summary>
    private static bool LooksPlural(string noun)
    {
        var lastWord = System.Text.RegularExpressions.Regex.Match(noun, "[A-Z][a-z0-9]*$").Value.ToLowerInvariant();
        return lastWord.EndsWith('s') && !lastWord.EndsWith("ss", StringComparison.Ordinal) && !lastWord.EndsWith("us", StringComparison.Ordinal) && !lastWord.EndsWith("is", StringComparison.Ordinal);
    }

    [Fact]
    public void EveryCmdlet_IsSealedAndNamedVerbNounCommand()
    {
        // Convention of PowerShell's own cmdlets (GetProcessCommand): the class is findable from the cmdlet name.
        var misnamed = CmdletMetadata.All.Where(c => c.Type.Name != $"{c.Verb}{c.Noun}Command" || !c.Type.IsSealed).Select(c => $"{c.Name}: {c.Type.FullName}");
        Assert.Empty(misnamed);
    }
}

using System.Management.Automation;
using SchedTrace.Engine;
using SchedTrace.PowerShell;

using SchedTrace.Measures;

namespace SchedTrace.Tests.Properties;

/// <summary>
/// The smallest inputs the properties shrank to at the edges they probe, pinned as facts so that
/// every run checks them, whatever the seed draws.
/// </summary>
public sealed class EdgeCaseTests
{
    /// <summary>"[z-a]" fails in PowerShell's wildcard parser, "a[b[-[a-z]" in the regular expression PowerShell makes of it.</summary>
    [Theory]
    [InlineData("[z-a]")]
    [InlineData("a[b[-[a-z]")]
    public void AMalformedNamePattern_IsInvalidNamePattern_WhenTheFilterIsBuilt(string pattern)
    {
        var e = Assert.Throws<TerminatingError>(() => new ProcessNameFilter([pattern], new FilteringCmdlet()));
        Assert.Equal("InvalidNamePattern", e.Record.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, e.Record.CategoryInfo.Category);
        Assert.Equal(pattern, e.Record.TargetObject);
    }

    /// <summary>
    /// 14 ASCII letters and an é are 16 bytes; the kernel keeps 15, the first byte of the é,
    /// which reads back as U+FFFD. The name's first 15 characters would end in é instead.
    /// </summary>
    [Fact]
    public void ALiteralNameLongerThanAComm_MatchesTheCommTheKernelKeeps_CutAtTheFifteenthByte()
    {
        const string name = "abcdefghijklmn\u00e9";
        Assert.Equal("abcdefghijklmn\ufffd", CommName.Of(name));
        Assert.True(new ProcessNameFilter([name], new FilteringCmdlet()).Matches("ABCDEFGHIJKLMN\ufffd"));
        Assert.False(new ProcessNameFilter([name], new FilteringCmdlet()).Matches("abcdefghijklmn"));
    }

    /// <summary>The BPF side folds only ASCII letters of the comm, so the filter must leave É and the Kelvin sign as they are.</summary>
    [Theory]
    [InlineData("CAF\u00c9", new byte[] { (byte)'c', (byte)'a', (byte)'f', 0xc3, 0x89 })]
    [InlineData("\u212a", new byte[] { 0xe2, 0x84, 0xaa })]
    [InlineData("abcdefghijklmn\u00e9", new byte[] { 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 0xc3 })]
    public unsafe void TheKernelFilter_FoldsOnlyAsciiLetters_AndKeepsFifteenBytes(string name, byte[] expected)
    {
        var config = default(BpfEventsConfig);
        config.SetFilterComm(name);
        var filter = new ReadOnlySpan<byte>(config.FilterComm, 16).ToArray();
        Assert.Equal([.. expected, .. new byte[16 - expected.Length]], filter);
    }

    /// <summary>
    /// The CLI's --name: a literal is compared on the comm the kernel keeps; a wildcard spans a
    /// line break in a comm; the end of the pattern is the end of the comm, not a line break before it.
    /// </summary>
    [Theory]
    [InlineData("abcdefghijklmnopq", "abcdefghijklmno", true)]
    [InlineData("abcdefghijklmn\u00e9", "abcdefghijklmn\ufffd", true)]
    [InlineData("**", "\na", true)]
    [InlineData("a?b", "a\nb", true)]
    [InlineData("abc", "abc\n", false)]
    [InlineData("ab*", "abc\n", true)]
    [InlineData("a*c", "abc\n", false)]
    [InlineData("[ab]c", "Bc", true)] // the cmdlets' wildcard language: sets, and ` to escape
    [InlineData("a`*", "a*", true)]
    [InlineData("a`*", "ab", false)]
    public void TheCliNameFilter_MatchesCommsAsTheKernelKeepsThem(string pattern, string comm, bool matches)
    {
        Assert.Equal(matches, SchedTrace.Cli.Options.Parse(["--name", pattern]).Pattern("name")!(comm));
    }

    /// <summary>17179869185 × 2^30 is 2^64 + 2^30, which a long would wrap to 1 GiB, a valid ring buffer.</summary>
    [Theory]
    [InlineData("17179869185G")]
    [InlineData("9007199254740992K")]
    [InlineData("9223372036854775807M")]
    public void ASizePastALong_IsRefused_NotWrapped(string size)
    {
        var e = Assert.Throws<SchedTrace.Cli.UsageException>(() => SchedTrace.Cli.Options.Parse(["--buffer-size", size]).ByteSize("buffer-size"));
        Assert.Equal($"--buffer-size needs a size such as 4M or 65536, not '{size}'", e.Message);
    }

    /// <summary>
    /// A watch's --count and --duration are read before the session starts: with --verbose, a
    /// session that started would have said what it attached, and without root the mistake would
    /// have been exit 3. A watch of no time is refused like a reading of no time.
    /// </summary>
    [Theory]
    [InlineData("events", "--count", "0")]
    [InlineData("events", "--duration", "x")]
    [InlineData("events", "--duration", "0")]
    [InlineData("inversions", "--duration", "-1")]
    public void AWatchsBadCountOrDuration_IsExitTwo_BeforeAnythingIsAttached(string verb, string option, string value)
    {
        var stderr = new StringWriter();
        Assert.Equal(SchedTrace.Cli.CommandLine.ExitUsage, SchedTrace.Cli.CommandLine.Run([verb, "--verbose", option, value], TextWriter.Null, stderr));
        Assert.Single(stderr.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>A --name PowerShell would refuse as a wildcard pattern is a usage error, said in one line before anything is attached.</summary>
    [Theory]
    [InlineData("cputime", "a[")]
    [InlineData("events", "[z-a]")]
    [InlineData("runqlat", "x[b[-[a-z]")]
    [InlineData("inversions", "[]")]
    public void AMalformedCliName_IsExitTwo_BeforeAnythingIsAttached(string verb, string name)
    {
        var stderr = new StringWriter();
        Assert.Equal(SchedTrace.Cli.CommandLine.ExitUsage, SchedTrace.Cli.CommandLine.Run([verb, "--verbose", "--name", name], TextWriter.Null, stderr));
        var line = Assert.Single(stderr.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"schedtrace: --name: '{name}' is not a valid wildcard pattern; escape [ and ] with a backtick, or close the bracket (see schedtrace --help)", line);
    }

    /// <summary>An argument with a line break in it ($'x\ny' in bash) still gives one line on stderr, the break shown as \n.</summary>
    [Theory]
    [InlineData("switches", "x\ny")]
    [InlineData("switches", "--duration=1\nx")]
    [InlineData("events", "--type=swi\u2028tch")]
    public void AnErrorQuotingALineBreak_IsStillOneLine(string verb, string argument)
    {
        var stderr = new StringWriter();
        Assert.Equal(SchedTrace.Cli.CommandLine.ExitUsage, SchedTrace.Cli.CommandLine.Run([verb, argument], TextWriter.Null, stderr));
        var line = Assert.Single(stderr.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain(line, c => c is '\n' or '\r' or '\u2028');
        Assert.StartsWith("schedtrace: ", line, StringComparison.Ordinal);
    }

    /// <summary>
    /// Both readings hold ulong.MaxValue ns, in the open-ended last slot, so the interval's maximum
    /// is an estimate; it must not be below the value recorded in the interval.
    /// </summary>
    [Fact]
    public void AnIntervalsEstimatedMaximum_InTheLastSlot_IsNotBelowItsValues()
    {
        var earlier = Histogram(ulong.MaxValue);
        var interval = Histogram(ulong.MaxValue, ulong.MaxValue).Since(earlier);
        Assert.False(interval.MaxExact);
        Assert.Equal(ulong.MaxValue, interval.MaxNs);
    }

    /// <summary>A value past long's range saturates MinNs and MaxNs at long.MaxValue; the percentiles and the mean with them.</summary>
    [Fact]
    public void ARowsFiguresPastALong_SaturateTogether()
    {
        var row = LatencyStatistics.Create(Histogram(9223372036854776833), LatencyMeasure.RunQueue, "", "", DateTime.UnixEpoch, DateTime.UnixEpoch, TimeSpan.Zero);
        Assert.Equal(long.MaxValue, row.MaxNs);
        Assert.True(row.P50Ns <= row.MaxNs && row.P999Ns <= row.MaxNs && row.MeanNs <= row.MaxNs, $"p50 {row.P50Ns}, p99.9 {row.P999Ns}, mean {row.MeanNs}, max {row.MaxNs}");
    }

    private static LatencyHistogram Histogram(params ulong[] values)
    {
        var slots = new ulong[LatencyHistogram.Slots];
        foreach (var value in values)
        {
            slots[LatencyHistogram.SlotOf(value)]++;
        }
        return LatencyHistogram.FromCounters((ulong)values.Length, values.Aggregate(0UL, (sum, v) => unchecked(sum + v)), values.Min(), values.Max(), slots);
    }

    /// <summary>Decimal text is that many ticks exactly; a double product of 367487479.5100725 and 10^7 is a tick short.</summary>
    [Theory]
    [InlineData("367487479.5100725", 3674874795100725L)]
    [InlineData("123456789012345678us", 1234567890123456780L)]
    [InlineData("-0.0000001s", -1L)]
    [InlineData("1.5e3ms", 15_000_000L)]
    public void ADurationInDecimalText_IsThatManyTicks(string text, long ticks)
    {
        Assert.True(DurationParser.TryParse(text, out var duration));
        Assert.Equal(ticks, duration.Ticks);
    }
}

using SchedTrace.Cli;

namespace SchedTrace.Tests.Unit;

public sealed class CliOptionsTests
{
    [Fact]
    public void ParsesValuesFlagsAndEqualsForms()
    {
        var options = Options.Parse(new[] { "--duration=0.5", "--total", "--pid", "42", "--json" });
        options.Allow("duration", "total", "pid", "json");
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.Duration("duration"));
        Assert.True(options.Flag("total"));
        Assert.Equal(42, options.Int("pid"));
        Assert.Equal(OutputFormat.Json, options.OutputFormat());
        Assert.Equal(SamplingMode.Duration, options.SamplingPlan().Mode);
    }

    [Fact]
    public void IntervalWithCountIsASamplingPlan()
    {
        var plan = Options.Parse(new[] { "--interval", "2", "--count", "5" }).SamplingPlan();
        Assert.Equal((SamplingMode.Interval, TimeSpan.FromSeconds(2), (int?)5), (plan.Mode, plan.Interval, plan.Count));
    }

    [Fact]
    public void DefaultIsOneSecondTable()
    {
        var options = Options.Parse(ReadOnlySpan<string>.Empty);
        Assert.Equal(TimeSpan.FromSeconds(1), options.SamplingPlan().Duration);
        Assert.Equal(OutputFormat.Table, options.OutputFormat());
    }

    [Fact]
    public void RejectsRepeatsAndUnknownOptions()
    {
        Assert.Throws<UsageException>(() => Options.Parse(new[] { "--pid", "1", "--pid", "2" }));
        Assert.Throws<UsageException>(() => Options.Parse(new[] { "--what" }).Allow("pid"));
        Assert.Throws<UsageException>(() => Options.Parse(new[] { "--interval", "1", "--duration", "1" }).SamplingPlan());
        Assert.Throws<UsageException>(() => Options.Parse(new[] { "stray" }));
    }
}

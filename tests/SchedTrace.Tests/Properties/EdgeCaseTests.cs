using System.Management.Automation;
using SchedTrace.PowerShell;

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
}

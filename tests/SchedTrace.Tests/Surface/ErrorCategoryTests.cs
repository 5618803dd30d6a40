using System.Management.Automation;
using SchedTrace.PowerShell;

namespace SchedTrace.Tests.Surface;

/// <summary>How core failures become PowerShell error categories (what $error[0].CategoryInfo shows).</summary>
public sealed class ErrorCategoryTests
{
    [Theory]
    [InlineData(SchedTraceErrorKind.PermissionDenied, ErrorCategory.PermissionDenied)]
    [InlineData(SchedTraceErrorKind.NotSupported, ErrorCategory.NotEnabled)]
    [InlineData(SchedTraceErrorKind.NotInstalled, ErrorCategory.NotInstalled)]
    [InlineData(SchedTraceErrorKind.AttachFailed, ErrorCategory.ResourceUnavailable)]
    [InlineData(SchedTraceErrorKind.InvalidArgument, ErrorCategory.InvalidArgument)]
    [InlineData(SchedTraceErrorKind.SessionStopped, ErrorCategory.InvalidOperation)]
    [InlineData(SchedTraceErrorKind.AlreadyExists, ErrorCategory.ResourceExists)]
    [InlineData(SchedTraceErrorKind.LimitReached, ErrorCategory.LimitsExceeded)]
    public void CategoryFor_MapsEachKind(SchedTraceErrorKind kind, ErrorCategory expected)
    {
        Assert.Equal(expected, SchedTraceCmdlet.CategoryFor(kind));
    }

    [Fact]
    public void CategoryFor_GivesEveryKindASpecificCategory()
    {
        // NotSpecified tells a script nothing to branch on; a new kind must get a mapping of its own.
        var unmapped = Enum.GetValues<SchedTraceErrorKind>().Where(k => SchedTraceCmdlet.CategoryFor(k) == ErrorCategory.NotSpecified);
        Assert.Empty(unmapped);
    }
}

using SchedTrace.Tests.Support;

namespace SchedTrace.Tests.Surface;

/// <summary>The repository's PowerShell files, parsed by pwsh-lint in place of pwsh.</summary>
public sealed class PowerShellSyntaxTests
{
    [Fact]
    public void EveryPowerShellFileInTheRepo_Parses()
    {
        var files = RepoFiles.Matching("*.ps1", "*.psm1", "*.psd1");
        Assert.Contains(Path.Combine(RepoPaths.RepoRoot, "SchedTrace.psd1"), files);
        var result = PwshLint.Syntax(files);
        Assert.True(result.ExitCode == 0, $"{files.Count} files checked; {result}");
    }

    [Fact]
    public void SyntaxCheck_RejectsABrokenScript()
    {
        // Proves the check above can fail: an unclosed script block.
        var broken = Path.Combine(Path.GetTempPath(), $"schedtrace-broken-{Guid.NewGuid():N}.ps1");
        File.WriteAllText(broken, "Get-ChildItem | ForEach-Object {\n    $_.Name\n");
        try
        {
            Assert.Equal(1, PwshLint.Syntax([broken]).ExitCode);
        }
        finally
        {
            File.Delete(broken);
        }
    }
}

using System.Text.Json;
using SchedTrace.Tests.Support;

namespace SchedTrace.Tests.Surface;

/// <summary>SchedTrace.psd1 at the repository root, the manifest the build stamps into the layout.</summary>
public sealed class ManifestTests
{
    private static readonly Lazy<JsonElement> Manifest = new(() => PwshLint.ReadManifest(Path.Combine(RepoPaths.RepoRoot, "SchedTrace.psd1")));

    [Theory]
    [InlineData("FunctionsToExport")]
    [InlineData("VariablesToExport")]
    [InlineData("AliasesToExport")]
    public void OtherExports_AreExplicitlyEmpty(string key)
    {
        // Left out, these default to '*': PowerShell then has to load the module to learn what it exports.
        Assert.Empty(PwshLint.StringArray(Manifest.Value, key));
    }

    [Fact]
    public void RootModule_IsTheCmdletAssembly()
    {
        Assert.Equal(
            Path.GetFileName(CmdletMetadata.CmdletAssembly.Location),
            PwshLint.StringArray(Manifest.Value, "RootModule").Single());
    }

    [Fact]
    public void RequiredAssemblies_IsTheCoreAssembly()
    {
        Assert.Equal(
            [Path.GetFileName(typeof(SchedTraceSession).Assembly.Location)],
            PwshLint.StringArray(Manifest.Value, "RequiredAssemblies"));
    }

    [Theory]
    [InlineData("RootModule")]
    [InlineData("RequiredAssemblies")]
    [InlineData("FormatsToProcess")]
    public void FilesTheManifestNames_AreInTheLayout(string key)
    {
        var missing = PwshLint.StringArray(Manifest.Value, key)
            .Where(file => !File.Exists(Path.Combine(RepoFiles.ModuleLayout, file)));
        Assert.Empty(missing);
    }
}

using System.Text.Json.Nodes;
using SchedTrace.Tests.Support;

namespace SchedTrace.Tests.Surface;

/// <summary>out/SchedTrace/&lt;version&gt;/ as the LayoutModule target writes it on build.</summary>
public sealed class ModuleLayoutTests
{
    private const string GeneratedHelp = "en-US/SchedTrace.PowerShell.dll-Help.xml";

    /// <summary>
    /// Everything Import-Module needs and nothing else: no pdb, deps.json or SMA copy; and the
    /// libbpf the build made (scripts/build-libbpf.sh), which a build that could not get it lacks,
    /// and CI never does.
    /// </summary>
    private static readonly string[] ExpectedFiles =
    [
        "SchedTrace.psd1",
        "SchedTrace.PowerShell.dll",
        "SchedTrace.Core.dll",
        "SchedTrace.format.ps1xml",
        "en-US/about_SchedTrace.help.txt",
        GeneratedHelp,
        .. File.Exists(Path.Combine(RepoPaths.RepoRoot, ".tools", "libbpf", "libbpf.so.1")) || KernelTestEnvironment.InCi ? ["libbpf.so.1"] : Array.Empty<string>(),
    ];

    private static List<string> LayoutFiles() =>
        Directory.EnumerateFiles(RepoFiles.ModuleLayout, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(RepoFiles.ModuleLayout, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)
            .ToList();

    [Fact]
    public void Layout_HoldsExactlyTheModuleFiles()
    {
        // The generated help is asserted on its own (Layout_HasGeneratedHelp) so that this test
        // does not depend on when the help build lands; any other file, missing or extra, fails here.
        Assert.Equal(
            ExpectedFiles.Where(f => f != GeneratedHelp).Order(StringComparer.Ordinal),
            LayoutFiles().Where(f => f != GeneratedHelp));
    }

    [Fact]
    public void Layout_HasGeneratedHelp()
    {
        Assert.Contains(GeneratedHelp, LayoutFiles());
    }

    [Fact]
    public void LayoutManifest_ModuleVersion_IsTheVersionInDirectoryBuildProps()
    {
        var manifest = PwshLint.ReadManifest(Path.Combine(RepoFiles.ModuleLayout, "SchedTrace.psd1"));
        Assert.Equal(RepoFiles.Version, manifest.GetProperty("ModuleVersion").GetString());
    }

    [Fact]
    public void LayoutManifest_DiffersFromTheSourceManifestOnlyInModuleVersion()
    {
        // Stamping rewrites the text with a regular expression; this catches it touching anything else.
        var built = JsonNode.Parse(PwshLint.ReadManifest(Path.Combine(RepoFiles.ModuleLayout, "SchedTrace.psd1")).GetRawText())!.AsObject();
        var source = JsonNode.Parse(PwshLint.ReadManifest(Path.Combine(RepoPaths.RepoRoot, "SchedTrace.psd1")).GetRawText())!.AsObject();
        built.Remove("ModuleVersion");
        source.Remove("ModuleVersion");
        Assert.True(JsonNode.DeepEquals(source, built), $"source:\n{source}\nbuilt:\n{built}");
    }

    [Fact]
    public void LayoutFormatFile_IsTheSourceFile()
    {
        Assert.Equal(
            File.ReadAllBytes(Path.Combine(RepoPaths.RepoRoot, "src", "SchedTrace.PowerShell", "SchedTrace.format.ps1xml")),
            File.ReadAllBytes(Path.Combine(RepoFiles.ModuleLayout, "SchedTrace.format.ps1xml")));
    }
}

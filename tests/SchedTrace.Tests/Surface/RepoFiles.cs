using SchedTrace.Tests.Support;

namespace SchedTrace.Tests.Surface;

/// <summary>The repository's own files, as git sees them, and the built module layout.</summary>
public static class RepoFiles
{
    /// <summary>
    /// Files git tracks or would track (untracked but not ignored), so a script added but not yet
    /// committed is checked too, while bin/, obj/ and out/ stay out. Absolute paths.
    /// </summary>
    public static IReadOnlyList<string> Matching(params string[] patterns)
    {
        var result = ExternalTool.Run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", .. patterns], RepoPaths.RepoRoot);
        Assert.True(result.ExitCode == 0, $"git ls-files failed in {RepoPaths.RepoRoot}: {result}");
        return result.StandardOutput
            .Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(relative => Path.Combine(RepoPaths.RepoRoot, relative))
            .Where(File.Exists) // a tracked file deleted in the working tree is not there to check
            .Distinct()
            .ToList();
    }

    /// <summary>The one version source, &lt;Version&gt; in Directory.Build.props.</summary>
    public static string Version
    {
        get
        {
            var props = System.Xml.Linq.XDocument.Load(Path.Combine(RepoPaths.RepoRoot, "Directory.Build.props"));
            var version = props.Descendants("Version").Select(v => v.Value.Trim()).SingleOrDefault();
            Assert.False(string.IsNullOrEmpty(version), "Directory.Build.props has no <Version>.");
            return version!;
        }
    }

    /// <summary>out/SchedTrace/&lt;version&gt;/, written by the LayoutModule target on every build.</summary>
    public static string ModuleLayout
    {
        get
        {
            var layout = Path.Combine(RepoPaths.RepoRoot, "out", "SchedTrace", Version);
            Assert.True(Directory.Exists(layout), $"The module layout {layout} does not exist: build the solution first.");
            return layout;
        }
    }
}

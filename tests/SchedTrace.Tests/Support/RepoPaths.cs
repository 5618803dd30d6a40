namespace SchedTrace.Tests.Support;

/// <summary>Where the repository and the shared folder next to it are, found from the test binaries.</summary>
public static class RepoPaths
{
    /// <summary>The folder holding SchedTrace.slnx, found by walking up from the test's output folder.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>../shared from the repository: schemas and tools the team shares.</summary>
    public static string SharedDir => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));

    private static string FindRepoRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "SchedTrace.slnx")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"No SchedTrace.slnx above {AppContext.BaseDirectory}.");
    }
}

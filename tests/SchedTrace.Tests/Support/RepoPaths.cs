namespace SchedTrace.Tests.Support;

/// <summary>
/// Where the repository and the shared folder (schemas, pwsh-lint) are, found from the test
/// binaries rather than the working directory, which differs between dotnet test, IDEs and CI.
/// A missing folder throws: tests that need it must fail, never skip.
/// </summary>
public static class RepoPaths
{
    /// <summary>The folder holding SchedTrace.slnx.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The shared folder next to the repository (../shared).</summary>
    public static string SharedDir { get; } = FindSharedDir();

    /// <summary>
    /// The major.minor of the libbpf the build made (scripts/build-libbpf.sh: .tools/libbpf), which
    /// the engine and the native CLI call; null when the build could not get it, which CI never allows.
    /// </summary>
    public static string? BuiltLibBpfVersion()
    {
        var version = Path.Combine(RepoRoot, ".tools", "libbpf", "VERSION");
        if (!File.Exists(version))
        {
            Assert.False(KernelTestEnvironment.InCi, $"{version} is missing: scripts/build-libbpf.sh did not build libbpf");
            return null;
        }
        return string.Join('.', File.ReadAllText(version).Trim().Split('.')[..2]);
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SchedTrace.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException($"No folder above {AppContext.BaseDirectory} contains SchedTrace.slnx.");
    }

    private static string FindSharedDir()
    {
        var shared = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));
        return Directory.Exists(shared)
            ? shared
            : throw new DirectoryNotFoundException($"The shared folder {shared} (schemas, pwsh-lint) is missing next to the repository {RepoRoot}.");
    }
}

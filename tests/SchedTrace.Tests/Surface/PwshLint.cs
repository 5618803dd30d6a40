using System.Text.Json;
using SchedTrace.Tests.Support;

namespace SchedTrace.Tests.Surface;

/// <summary>../shared/tools/pwsh-lint: PowerShell parsing for a machine without pwsh.</summary>
public static class PwshLint
{
    private static string Runner
    {
        get
        {
            var runner = Path.Combine(RepoPaths.SharedDir, "tools", "pwsh-lint", "run");
            Assert.True(File.Exists(runner), $"pwsh-lint is missing: {runner}");
            return runner;
        }
    }

    /// <summary>Parses every file in one process; exit code 1 names each syntax error.</summary>
    public static ToolResult Syntax(IReadOnlyCollection<string> files)
    {
        Assert.NotEmpty(files);
        return ExternalTool.Run(Runner, new[] { "syntax" }.Concat(files), RepoPaths.RepoRoot);
    }

    /// <summary>A manifest's data as JSON; fails the test if it is not a pure data file.</summary>
    public static JsonElement ReadManifest(string psd1Path)
    {
        var result = ExternalTool.Run(Runner, ["psd1", psd1Path], RepoPaths.RepoRoot);
        Assert.True(result.ExitCode == 0, $"pwsh-lint psd1 {psd1Path} failed: {result}");
        using var document = JsonDocument.Parse(result.StandardOutput);
        return document.RootElement.Clone();
    }

    public static string[] StringArray(JsonElement manifest, string key)
    {
        Assert.True(manifest.TryGetProperty(key, out var value), $"The manifest has no {key}.");
        return value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Select(v => v.GetString()!).ToArray()
            : [value.GetString()!];
    }
}

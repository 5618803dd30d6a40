namespace SchedTrace.Timeline;

/// <summary>
/// Writes a timeline's files: the one call Export-SchedTimeline and `schedtrace events
/// --perfetto/--svg` make, so both refuse, overwrite and fail in the same way.
/// </summary>
public static class TimelineExport
{
    /// <summary>The file exists and overwriting was not asked for.</summary>
    public const string FileExistsErrorId = "TimelineFileExists";

    /// <summary>The file could not be created or written (missing folder, no permission, disk full).</summary>
    public const string WriteFailedErrorId = "TimelineWriteFailed";

    /// <summary>The key in <see cref="Exception.Data"/> of a file error that holds the file's path.</summary>
    public const string PathKey = "Path";

    /// <summary>Both paths name the same file.</summary>
    public const string SamePathErrorId = "TimelineSamePath";

    /// <summary>Neither a Perfetto nor an SVG path was given.</summary>
    public const string NoOutputErrorId = "TimelineNoOutput";

    /// <summary>Builds the timeline from <paramref name="events"/> and writes the files asked for; returns the files written.</summary>
    /// <param name="perfettoPath">Full path of the Chrome/Perfetto JSON trace, or null.</param>
    /// <param name="svgPath">Full path of the SVG, or null.</param>
    /// <param name="overwrite">Replace existing files; without it an existing file is an error and nothing is written.</param>
    public static IReadOnlyList<FileInfo> Write(IEnumerable<SchedEvent> events, string? perfettoPath, string? svgPath, bool overwrite)
    {
        ArgumentNullException.ThrowIfNull(events);
        Check(perfettoPath, svgPath, overwrite);
        var targets = new List<(string Path, Action<SchedTimeline, Stream> Write)>();
        if (perfettoPath is not null)
        {
            targets.Add((perfettoPath, PerfettoTrace.Write));
        }
        if (svgPath is not null)
        {
            targets.Add((svgPath, (t, s) => SvgTimeline.Write(t, s)));
        }

        var timeline = SchedTimeline.Build(events);
        var written = new List<FileInfo>();
        foreach (var (path, write) in targets)
        {
            FileStream stream;
            try
            {
                stream = new FileStream(path, overwrite ? FileMode.Create : FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
            }
            catch (IOException e) when (!overwrite && File.Exists(path))
            {
                // Created by someone else between the check above and CreateNew.
                throw Exists(path, e);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw WriteFailed(path, e);
            }
            try
            {
                using (stream)
                {
                    write(timeline, stream);
                }
            }
            catch (IOException e)
            {
                throw WriteFailed(path, e);
            }
            written.Add(new FileInfo(path));
        }
        return written;
    }

    /// <summary>
    /// The checks <see cref="Write"/> makes before writing anything. Front ends call it before they
    /// start watching too, so a bad path fails at once rather than after a long watch.
    /// </summary>
    public static void Check(string? perfettoPath, string? svgPath, bool overwrite)
    {
        var paths = new[] { perfettoPath, svgPath }.OfType<string>().ToList();
        if (paths.Count == 0)
        {
            throw new SchedTraceException(SchedTraceErrorKind.InvalidArgument, NoOutputErrorId, "No timeline file was asked for.", "Give a path for the Perfetto trace, the SVG, or both.");
        }
        if (paths.Count == 2 && string.Equals(Path.GetFullPath(paths[0]), Path.GetFullPath(paths[1]), StringComparison.Ordinal))
        {
            throw WithPath(new SchedTraceException(SchedTraceErrorKind.InvalidArgument, SamePathErrorId, $"The Perfetto trace and the SVG would both be written to {paths[0]}.", "Give the two files different paths."), paths[0]);
        }
        // Every target is checked before any is written, so a refusal leaves no half-done export behind.
        foreach (var path in paths)
        {
            if (Directory.Exists(path) || (!overwrite && File.Exists(path)))
            {
                throw Exists(path, null);
            }
            var folder = Path.GetDirectoryName(Path.GetFullPath(path));
            if (folder is not null && !Directory.Exists(folder))
            {
                throw WriteFailed(path, new DirectoryNotFoundException($"The folder {folder} does not exist."));
            }
        }
    }

    private static SchedTraceException Exists(string path, Exception? inner) =>
        WithPath(new(SchedTraceErrorKind.InvalidArgument, FileExistsErrorId, $"The file {path} already exists.", $"Use {SchedTraceOption.Named("Force")} to overwrite it, or choose another path.", inner), path);

    private static SchedTraceException WriteFailed(string path, Exception inner) =>
        WithPath(new(SchedTraceErrorKind.InvalidArgument, WriteFailedErrorId, $"Could not write {path}: {inner.Message}", "Check that the folder exists and that you may write to it.", inner), path);

    private static SchedTraceException WithPath(SchedTraceException e, string path)
    {
        e.Data[PathKey] = path;
        return e;
    }
}

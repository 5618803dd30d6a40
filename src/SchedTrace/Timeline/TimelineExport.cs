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

    /// <summary>Neither a Perfetto nor an SVG path was given.</summary>
    public const string NoOutputErrorId = "TimelineNoOutput";

    /// <summary>Builds the timeline from <paramref name="events"/> and writes the files asked for; returns the files written.</summary>
    /// <param name="perfettoPath">Full path of the Chrome/Perfetto JSON trace, or null.</param>
    /// <param name="svgPath">Full path of the SVG, or null.</param>
    /// <param name="overwrite">Replace existing files; without it an existing file is an error and nothing is written.</param>
    public static IReadOnlyList<FileInfo> Write(IEnumerable<SchedEvent> events, string? perfettoPath, string? svgPath, bool overwrite)
    {
        ArgumentNullException.ThrowIfNull(events);
        var targets = new List<(string Path, Action<SchedTimeline, Stream> Write)>();
        if (perfettoPath is not null)
        {
            targets.Add((perfettoPath, PerfettoTrace.Write));
        }
        if (svgPath is not null)
        {
            targets.Add((svgPath, (t, s) => SvgTimeline.Write(t, s)));
        }
        if (targets.Count == 0)
        {
            throw new SchedTraceException(SchedTraceErrorKind.InvalidArgument, NoOutputErrorId, "No timeline file was asked for.", "Give a path for the Perfetto trace, the SVG, or both.");
        }
        if (perfettoPath is not null && svgPath is not null && string.Equals(Path.GetFullPath(perfettoPath), Path.GetFullPath(svgPath), StringComparison.Ordinal))
        {
            throw new SchedTraceException(SchedTraceErrorKind.InvalidArgument, "TimelineSamePath", $"The Perfetto trace and the SVG would both be written to {perfettoPath}.", "Give the two files different paths.");
        }
        // Check every target before writing any, so a refusal leaves no half-done export behind.
        foreach (var (path, _) in targets)
        {
            if (!overwrite && (File.Exists(path) || Directory.Exists(path)))
            {
                throw Exists(path, null);
            }
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

    private static SchedTraceException Exists(string path, Exception? inner) =>
        WithPath(new(SchedTraceErrorKind.InvalidArgument, FileExistsErrorId, $"The file {path} already exists.", "Use -Force to overwrite it, or choose another path.", inner), path);

    private static SchedTraceException WriteFailed(string path, Exception inner) =>
        WithPath(new(SchedTraceErrorKind.InvalidArgument, WriteFailedErrorId, $"Could not write {path}: {inner.Message}", "Check that the folder exists and that you may write to it.", inner), path);

    private static SchedTraceException WithPath(SchedTraceException e, string path)
    {
        e.Data[PathKey] = path;
        return e;
    }
}

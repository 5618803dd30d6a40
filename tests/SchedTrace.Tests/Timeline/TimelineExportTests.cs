using SchedTrace.Timeline;
using static SchedTrace.Tests.Timeline.Synthetic;

namespace SchedTrace.Tests.Timeline;

/// <summary>What Export-SchedTimeline and the CLI share: refusing, overwriting and failing on files.</summary>
public sealed class TimelineExportTests : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("st-timeline-");

    private static readonly SchedEvent[] Events =
    {
        Switch(100, 0, Idle, new SimTask(5, 5, "five")),
        Switch(900, 0, new SimTask(5, 5, "five"), Idle, prevRuntimeNs: 800),
    };

    private string In(string name) => Path.Combine(folder.FullName, name);

    public void Dispose() => folder.Delete(recursive: true);

    [Fact]
    public void WritesBothFiles_AndReturnsThem()
    {
        var written = TimelineExport.Write(Events, In("t.json"), In("t.svg"), overwrite: false);
        Assert.Equal(new[] { In("t.json"), In("t.svg") }, written.Select(f => f.FullName));
        Assert.All(written, f => Assert.True(f.Length > 100));
        Assert.StartsWith("{\"displayTimeUnit\"", File.ReadAllText(In("t.json")));
    }

    [Fact]
    public void AnExistingFile_IsRefused_AndNothingIsWritten_UnlessOverwriting()
    {
        File.WriteAllText(In("t.svg"), "keep");
        var e = Assert.Throws<SchedTraceException>(() => TimelineExport.Write(Events, In("t.json"), In("t.svg"), overwrite: false));
        Assert.Equal(TimelineExport.FileExistsErrorId, e.ErrorId);
        Assert.Equal(In("t.svg"), e.Data[TimelineExport.PathKey]);
        Assert.False(File.Exists(In("t.json")), "a refusal writes neither file");
        Assert.Equal("keep", File.ReadAllText(In("t.svg")));

        TimelineExport.Write(Events, In("t.json"), In("t.svg"), overwrite: true);
        Assert.StartsWith("<?xml", File.ReadAllText(In("t.svg")));
    }

    [Fact]
    public void BadPaths_FailBeforeAnythingIsWritten()
    {
        Assert.Equal(TimelineExport.NoOutputErrorId, Assert.Throws<SchedTraceException>(() => TimelineExport.Check(null, null, false)).ErrorId);
        Assert.Equal(TimelineExport.SamePathErrorId, Assert.Throws<SchedTraceException>(() => TimelineExport.Check(In("x"), In("./x"), true)).ErrorId);
        var missing = Assert.Throws<SchedTraceException>(() => TimelineExport.Write(Events, In("no/such/t.json"), In("t.svg"), overwrite: true));
        Assert.Equal(TimelineExport.WriteFailedErrorId, missing.ErrorId);
        Assert.False(File.Exists(In("t.svg")));
        Assert.Equal(TimelineExport.FileExistsErrorId, Assert.Throws<SchedTraceException>(() => TimelineExport.Check(folder.FullName, null, true)).ErrorId);
    }
}

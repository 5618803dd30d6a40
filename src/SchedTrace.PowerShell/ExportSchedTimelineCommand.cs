using System.Management.Automation;
using SchedTrace.Timeline;

namespace SchedTrace.PowerShell;

/// <summary>Writes piped scheduler events as a Perfetto trace and/or an SVG timeline.</summary>
[Cmdlet(VerbsData.Export, "SchedTimeline")]
[OutputType(typeof(FileInfo))]
public sealed class ExportSchedTimelineCommand : SchedTraceCmdlet
{
    private readonly List<SchedEvent> events = new();

    /// <summary>The events, usually piped from Watch-SchedEvent.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [AllowNull]
    public SchedEvent? InputObject { get; set; }

    /// <summary>Where to write the Chrome/Perfetto JSON trace.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Where to write the SVG timeline.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SvgPath { get; set; }

    /// <summary>Overwrite existing files.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Write the files' FileInfo objects to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private string? perfettoPath;
    private string? svgPath;
    private volatile bool checkedPaths;
    private bool written;

    protected override void BeginProcessing()
    {
        perfettoPath = Path is null ? null : GetUnresolvedProviderPathFromPSPath(Path);
        svgPath = SvgPath is null ? null : GetUnresolvedProviderPathFromPSPath(SvgPath);
        // Refuse a bad or existing path before a long Watch-SchedEvent upstream has run, not after.
        Export(() => TimelineExport.Check(perfettoPath, svgPath, Force));
        checkedPaths = true;
    }

    protected override void ProcessRecord()
    {
        lock (events)
        {
            if (InputObject is not null && !written)
            {
                events.Add(InputObject);
            }
        }
    }

    protected override void EndProcessing() => Export(() =>
    {
        foreach (var file in WriteFiles())
        {
            if (PassThru)
            {
                WriteObject(file);
            }
        }
    });

    /// <summary>
    /// A stopped pipeline (Stop-Job, a remote session's stop, Ctrl+C where it cannot be read as a
    /// key) never reaches EndProcessing: the files are written here instead, from the events
    /// received. StopProcessing runs on another thread than ProcessRecord, hence the lock.
    /// </summary>
    protected override void StopProcessing()
    {
        WriteFilesOnStop();
        base.StopProcessing();
    }

    /// <summary>
    /// The pipeline thread may dispose this command before StopProcessing reaches it, or while it
    /// writes; a job's process can end as soon as the pipeline reports it stopped. Either way the
    /// files are written, once, before then.
    /// </summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing && Stopping)
        {
            WriteFilesOnStop();
        }
        base.Dispose(disposing);
    }

    /// <summary>A stopped pipeline can neither write output nor throw: a failure to write is lost with it.</summary>
    private void WriteFilesOnStop()
    {
        if (!checkedPaths)
        {
            return; // stopped before the paths were known to be good: nothing was received
        }
        try
        {
            WriteFiles();
        }
        catch (SchedTraceException)
        {
            // Nothing is left to report it to.
        }
    }

    /// <summary>Writes the files once, from the events received so far; later events are dropped.</summary>
    private IReadOnlyList<FileInfo> WriteFiles()
    {
        lock (events)
        {
            if (written)
            {
                return Array.Empty<FileInfo>();
            }
            written = true;
            return TimelineExport.Write(events, perfettoPath, svgPath, Force);
        }
    }

    private void Export(Action action)
    {
        try
        {
            action();
        }
        catch (SchedTraceException e)
        {
            // PowerShell's own file cmdlets (Export-Csv -NoClobber, Out-File) use these categories.
            var category = e.ErrorId switch
            {
                TimelineExport.FileExistsErrorId => ErrorCategory.ResourceExists,
                TimelineExport.WriteFailedErrorId => ErrorCategory.WriteError,
                _ => CategoryFor(e.Kind),
            };
            ThrowTerminatingError(new ErrorRecord(e, e.ErrorId, category, e.Data[TimelineExport.PathKey])
            {
                ErrorDetails = new ErrorDetails(PowerShellSyntax.Format(e.MessageText)) { RecommendedAction = PowerShellSyntax.Format(e.RecommendedActionText) },
            });
        }
    }
}

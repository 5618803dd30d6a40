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

    protected override void BeginProcessing()
    {
        perfettoPath = Path is null ? null : GetUnresolvedProviderPathFromPSPath(Path);
        svgPath = SvgPath is null ? null : GetUnresolvedProviderPathFromPSPath(SvgPath);
        // Refuse a bad or existing path before a long Watch-SchedEvent upstream has run, not after.
        Export(() => TimelineExport.Check(perfettoPath, svgPath, Force));
    }

    protected override void ProcessRecord()
    {
        if (InputObject is not null)
        {
            events.Add(InputObject);
        }
    }

    protected override void EndProcessing() => Export(() =>
    {
        foreach (var file in TimelineExport.Write(events, perfettoPath, svgPath, Force))
        {
            if (PassThru)
            {
                WriteObject(file);
            }
        }
    });

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
                ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = e.RecommendedAction },
            });
        }
    }
}

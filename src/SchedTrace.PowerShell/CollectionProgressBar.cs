using System.Globalization;
using System.Management.Automation;

namespace SchedTrace.PowerShell;

/// <summary>
/// Write-Progress for a collection: the share done and the time left over a fixed duration, or,
/// for an open-ended one (until Ctrl+C), only the time collected so far. Completed once, at the end.
/// </summary>
internal sealed class CollectionProgressBar
{
    private readonly Cmdlet cmdlet;
    private readonly string activity;
    private ProgressRecord? last;

    internal CollectionProgressBar(Cmdlet cmdlet, string activity)
    {
        this.cmdlet = cmdlet;
        this.activity = activity;
    }

    internal void Report(CollectionProgress progress)
    {
        // A new record each time: a host (or PowerShell.Streams.Progress) may keep the one it got.
        var record = progress.Remaining is { } remaining
            ? new ProgressRecord(1, activity, "Collecting in the kernel")
            {
                PercentComplete = progress.PercentComplete,
                SecondsRemaining = (int)Math.Ceiling(remaining.TotalSeconds),
            }
            // Open-ended: no percentage to show, only how long it has been running.
            : new ProgressRecord(1, activity, string.Create(CultureInfo.InvariantCulture, $"Press Ctrl+C to stop and write the reading ({(int)progress.Elapsed.TotalHours}:{progress.Elapsed:mm\\:ss} so far)"));
        cmdlet.WriteProgress(record);
        last = record;
    }

    /// <summary>Takes the bar down (when one was shown).</summary>
    internal void Complete()
    {
        if (last is null)
        {
            return;
        }
        cmdlet.WriteProgress(new ProgressRecord(last.ActivityId, last.Activity, last.StatusDescription)
        {
            PercentComplete = last.PercentComplete,
            RecordType = ProgressRecordType.Completed,
        });
        last = null;
    }
}

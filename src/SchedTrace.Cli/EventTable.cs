using System.Globalization;

namespace SchedTrace.Cli;

/// <summary>
/// Events as lines a person reads, in the lab's layout: time since the first event, CPU, the
/// event, the task it is about and what happened to it. The task and detail texts are the
/// events' own (<see cref="SchedEvent.FormatTask"/>, <see cref="SchedEvent.FormatDetail"/>), as
/// in the module's format view; here each event stays on one line, for grep.
/// </summary>
internal sealed class EventTable : IRecordSink<SchedEvent>
{
    private readonly TextWriter output;
    private ulong? firstNs;

    internal EventTable(TextWriter output) => this.output = output;

    public void Write(IEnumerable<SchedEvent> records)
    {
        foreach (var e in records)
        {
            if (firstNs is null)
            {
                firstNs = e.TimestampNs;
                output.WriteLine(" TIME(ms) CPU  EVENT       TASK                     DETAIL");
                output.WriteLine(" -------- ---  -----       ----                     ------");
            }
            var ms = ((e.TimestampNs - firstNs.Value) / 1e6).ToString("F3", CultureInfo.InvariantCulture).PadLeft(9);
            var cpu = e.Cpu.ToString(CultureInfo.InvariantCulture).PadLeft(3);
            output.WriteLine($"{ms} {cpu}  {Name(e.Type),-11} {e.FormatTask(),-24} {e.FormatDetail()}");
        }
    }

    /// <summary>The event as --type names it.</summary>
    private static string Name(SchedEventType type) => type switch
    {
        SchedEventType.Switch => "switch",
        SchedEventType.Wakeup => "wakeup",
        SchedEventType.WakeupNew => "wakeup-new",
        SchedEventType.Migrate => "migrate",
        _ => type.ToString().ToLowerInvariant(),
    };
}

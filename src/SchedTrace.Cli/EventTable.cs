using System.Globalization;

namespace SchedTrace.Cli;

/// <summary>
/// Events as lines a person reads, in the lab's layout: time since the first event, CPU, the task
/// leaving (with how long it ran and why it left) and the task arriving.
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
                output.WriteLine(" TIME(ms) CPU  EVENT        TASK                                  DETAIL");
                output.WriteLine(" -------- ---  -----        ----                                  ------");
            }
            var ms = ((e.TimestampNs - firstNs.Value) / 1e6).ToString("F3", CultureInfo.InvariantCulture).PadLeft(9);
            var cpu = e.Cpu.ToString(CultureInfo.InvariantCulture).PadLeft(3);
            output.WriteLine(e switch
            {
                SchedSwitchEvent s => $"{ms} {cpu}  switch       {Task(s.PrevName, s.PrevThreadId),-30} {Micros(s.PrevRuntimeNs),10} {s.PrevState,-3} -> {Task(s.NextName, s.NextThreadId)}",
                SchedWakeupEvent w => $"{ms} {cpu}  {(w.Type == SchedEventType.WakeupNew ? "wakeup-new" : "wakeup"),-12} {Task(w.Name, w.ThreadId),-30}                -> CPU {w.TargetCpu}",
                SchedMigrateEvent m => $"{ms} {cpu}  migrate      {Task(m.Name, m.ThreadId),-30}                CPU {m.OrigCpu} -> CPU {m.DestCpu}",
                _ => $"{ms} {cpu}  {e.Type}",
            });
        }
    }

    private static string Task(string name, int tid) => $"{name} [{tid}]";

    private static string Micros(ulong ns) => ns == 0 ? "?" : (ns / 1000.0).ToString("F1", CultureInfo.InvariantCulture) + "us";
}

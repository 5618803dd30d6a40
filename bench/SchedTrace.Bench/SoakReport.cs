using System.Globalization;
using System.Text;

namespace SchedTrace.Bench;

/// <summary>The soak run as markdown: memory over time, and every reader's totals against /proc.</summary>
internal static class SoakReport
{
    internal static string Markdown(SoakResult soak, string commandLine, MachineInfo machine)
    {
        var md = new StringBuilder();
        md.AppendLine("# SchedTrace soak run").AppendLine();
        md.AppendLine(Inv($"Run {soak.Started:yyyy-MM-dd HH:mm} UTC with `{commandLine}`: {soak.LoadDuration.TotalSeconds:F0} s of `{soak.Workload}`, {soak.SwitchesPerSecond:N0} switches/s of its {soak.WorkloadThreads} threads on average. Load average at the end: {soak.LoadAverage}.")).AppendLine();
        md.AppendLine($"Machine: {machine.CpuModel}, {machine.Cpus} CPUs; kernel {machine.Kernel}; libbpf {machine.LibBpf}; {machine.DotNet}.").AppendLine();

        md.AppendLine(Inv($"Readings every {soak.Interval} s.")).AppendLine();
        md.AppendLine("### Memory (resident set, sampled every second)").AppendLine();
        md.AppendLine("| process | first minute mean | last minute mean | change | slope (least squares) | slope, second half | max | max first reached |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        double end = soak.LoadDuration.TotalSeconds;
        foreach (var series in soak.Memory)
        {
            double first = series.MeanBetween(0, 60), last = series.MeanBetween(end - 60, end + 1);
            double reached = series.Samples.FirstOrDefault(s => s.MiB == series.Max).Seconds;
            md.AppendLine(Inv($"| {series.Process} | {first:F1} MiB | {last:F1} MiB | {last - first:+0.0;-0.0} MiB | {Slope(series.SlopeMiBPerHour())} | {Slope(series.SlopeMiBPerHour(end / 2))} | {series.Max:F1} MiB | {reached:F0} s |"));
        }
        md.AppendLine();

        md.AppendLine("### Totals against the kernel's counters for the load's threads").AppendLine();
        md.AppendLine(Inv($"The load was frozen (SIGSTOP) before the last readings; /proc, summed over its threads: **{soak.Oracle.Switches:N0}** switches ({soak.Oracle.Voluntary:N0} voluntary, {soak.Oracle.Involuntary:N0} involuntary), **{soak.Oracle.RuntimeNs:N0} ns** on CPU.")).AppendLine();
        md.AppendLine("| reader | readings | longest gap | switches | voluntary | involuntary | CPU time (ns) | dropped | warnings | exit |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |");
        foreach (var r in soak.Readers)
        {
            md.AppendLine(Inv($"| {r.Name} | {r.Readings:N0} | {r.LongestGapSeconds:F2} s | {r.Switches:N0} ({Diff(r.Switches, soak.Oracle.Switches)}) | {r.Voluntary:N0} ({Diff(r.Voluntary, soak.Oracle.Voluntary)}) | {r.Involuntary:N0} ({Diff(r.Involuntary, soak.Oracle.Involuntary)}) | {(r.CpuTimeNs is long ns ? $"{ns:N0} ({Diff(ns, soak.Oracle.RuntimeNs)})" : "-")} | {(r.DroppedTasks is long d ? d.ToString("N0", CultureInfo.InvariantCulture) : "-")} | {(r.Warnings.Count == 0 ? "none" : string.Join("; ", r.Warnings))} | {r.ExitCode} |"));
        }
        md.AppendLine();
        bool totalsExact = soak.Readers.All(r => r.Switches == soak.Oracle.Switches && (r.CpuTimeNs is null || r.CpuTimeNs == soak.Oracle.RuntimeNs));
        long splitOff = soak.Readers.Max(r => Math.Abs(r.Voluntary - soak.Oracle.Voluntary));
        bool quiet = soak.Readers.All(r => r.Warnings.Count == 0 && r.ExitCode == 0 && (r.DroppedTasks ?? 0) == 0);
        md.AppendLine(Inv($"Totals (switches, CPU time): **{(totalsExact ? "exact for every reader" : "NOT exact")}**. Voluntary/involuntary split: {(splitOff == 0 ? "exact" : $"off by {splitOff}")} (allowed: one per thread, {soak.WorkloadThreads}: the readers that classify at `sched_switch` count a thread that SIGSTOP finds about to sleep as preempted, where the kernel counts it as voluntary, the README's one known difference; `cputime` copies the kernel's own counters). Drops, losses and warnings: {(quiet ? "none, and none unreported" : "see the table")}."));
        md.AppendLine();
        md.AppendLine("Commands:").AppendLine();
        foreach (var r in soak.Readers)
        {
            md.AppendLine($"- {r.Name}: `{r.Command}`");
        }
        return md.ToString();
    }

    /// <summary>MiB per hour with its sign; a slope that rounds to zero is written 0.00, not -0.00.</summary>
    private static string Slope(double mibPerHour) => Math.Round(mibPerHour, 2) == 0 ? "0.00 MiB/h" : Inv($"{mibPerHour:+0.00;-0.00} MiB/h");

    private static string Diff(long ours, long kernel) => ours == kernel ? "exact" : Inv($"{ours - kernel:+0;-0}");

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

using System.Diagnostics;
using System.Text.RegularExpressions;
using SchedTrace.Engine;

namespace SchedTrace.Bench;

/// <summary>Something that traces while a workload runs, and owns a known set of BPF programs.</summary>
internal interface ITracer : IDisposable
{
    /// <summary>How long from the call (or process spawn) until every program was attached.</summary>
    TimeSpan AttachTime { get; }

    /// <summary>The kind of hook the programs are attached with, for the report.</summary>
    string Hook { get; }

    /// <summary>The current statistics of every program this tracer owns, and no others.</summary>
    IReadOnlyList<ProgramStats> ReadPrograms();

    /// <summary>
    /// For tracers that hand events to user space: stops consuming and returns the events
    /// delivered to the consumer over the tracer's life and those reported lost; null otherwise.
    /// </summary>
    EventCounts? FinishEvents();

    /// <summary>
    /// What a one-shot reading does at the end of its window, timed with the workload: a CpuTime
    /// session's ReadTaskStats (its programs' run time counts); nothing for the others.
    /// </summary>
    void ReadOnce();
}

/// <summary>Events a streaming tracer delivered to its consumer and lost, over its whole life.</summary>
internal readonly record struct EventCounts(long Delivered, long Lost);

/// <summary>Our engine, in-process: a session whose programs we read through their own fds.</summary>
internal sealed class SchedTraceTracer : ITracer
{
    private readonly SchedTraceSession session;
    private readonly CancellationTokenSource stopConsumer = new();
    private readonly Thread? consumer;
    private long delivered;
    private Exception? consumerFailure;

    private SchedTraceTracer(SchedTraceSession session, TimeSpan attachTime)
    {
        this.session = session;
        AttachTime = attachTime;
        if (session.Features.HasFlag(SchedTraceFeature.Events))
        {
            // The real reader loop, on a thread of its own (not pinned), for as long as the session runs.
            consumer = new Thread(Consume) { IsBackground = true, Name = "events consumer" };
            consumer.Start();
        }
    }

    private void Consume()
    {
        try
        {
            foreach (var _ in SchedEventWatch.Watch(session, count: null, duration: null, filter: null, stopConsumer.Token))
            {
                delivered++;
            }
        }
        catch (Exception e)
        {
            consumerFailure = e;
        }
    }

    public void ReadOnce()
    {
        if (session.Features.HasFlag(SchedTraceFeature.CpuTime))
        {
            session.ReadTaskStats();
        }
    }

    public EventCounts? FinishEvents()
    {
        if (consumer is null)
        {
            return null;
        }
        stopConsumer.Cancel();
        consumer.Join();
        if (consumerFailure is not null)
        {
            throw new InvalidOperationException($"events consumer failed: {consumerFailure.Message}", consumerFailure);
        }
        return new EventCounts(delivered, session.LostEvents);
    }

    public TimeSpan AttachTime { get; }

    public string Hook => session.Hook == SchedTraceHook.BtfTracepoint ? "tp_btf" : "raw_tp";

    internal static SchedTraceTracer Start(SchedTraceSessionOptions options)
    {
        long start = Stopwatch.GetTimestamp();
        var session = SchedTraceSession.Start(options);
        return new SchedTraceTracer(session, Stopwatch.GetElapsedTime(start));
    }

    public IReadOnlyList<ProgramStats> ReadPrograms() =>
        session.ProgramFds().Values.Select(ProgramStats.ReadByFd).ToList();

    public void Dispose()
    {
        if (consumer is not null && !stopConsumer.IsCancellationRequested)
        {
            stopConsumer.Cancel();
            consumer.Join();
        }
        session.Dispose();
        stopConsumer.Dispose();
    }
}

/// <summary>
/// A bpftrace process running one script. Its programs are exactly the BPF program fds the
/// process holds (/proc/PID/fdinfo/N, "prog_id:"), so nothing else on the machine is mixed in.
/// </summary>
internal sealed partial class BpftraceTracer : ITracer
{
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(5);

    private readonly Process process;
    private readonly IDisposable killOnExit;
    private readonly System.Text.StringBuilder output = new();
    private int expectedPrograms = -1;

    private readonly string? outputFile;

    private BpftraceTracer(Process process, string hook, string? outputFile)
    {
        this.process = process;
        this.outputFile = outputFile;
        Hook = hook;
        killOnExit = Cleanup.Register($"stop bpftrace (pid {process.Id})", Stop);
        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public TimeSpan AttachTime { get; private set; }

    public string Hook { get; }

    /// <summary>
    /// Spawns bpftrace and returns once it is attached: it has printed "Attaching N probes...",
    /// holds N programs, and each has run at least once (run_cnt moves only when attached and
    /// kernel.bpf_stats_enabled=1). Only then may the workload start.
    /// </summary>
    /// <param name="outputFile">
    /// Where bpftrace writes what it prints (<c>-o FILE</c>), for scripts that print per event: its
    /// output then costs it a buffered write and nothing of ours, and the lines it delivered and its
    /// "Lost N events" messages can be counted afterwards. Null: its stdout comes to us.
    /// </param>
    internal static BpftraceTracer Start(string bpftrace, string script, string hook, TimeSpan timeout, CancellationToken cancel, string? outputFile = null)
    {
        long start = Stopwatch.GetTimestamp();
        string[] args = outputFile is null ? ["-e", script] : ["-o", outputFile, "-e", script];
        var tracer = new BpftraceTracer(Run.Start(bpftrace, args), hook, outputFile);
        try
        {
            tracer.WaitUntilAttached(start, timeout, cancel);
            return tracer;
        }
        catch
        {
            tracer.Dispose();
            throw;
        }
    }

    private void WaitUntilAttached(long start, TimeSpan timeout, CancellationToken cancel)
    {
        long lastNudge = start;
        while (true)
        {
            cancel.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                throw new InvalidOperationException($"bpftrace exited with {process.ExitCode} before attaching:\n{Output}");
            }
            if (outputFile is not null && Volatile.Read(ref expectedPrograms) <= 0 && File.Exists(outputFile))
            {
                // With -o, "Attaching N probes..." is the file's first line.
                using var reader = new StreamReader(new FileStream(outputFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
                if (reader.ReadLine() is { } first)
                {
                    Collect(first);
                }
            }
            int expected = Volatile.Read(ref expectedPrograms);
            if (expected > 0)
            {
                var programs = ReadPrograms();
                if (programs.Count >= expected && programs.All(p => p.RunCount > 0))
                {
                    AttachTime = Stopwatch.GetElapsedTime(start);
                    return;
                }
                if (programs.Count >= expected && Stopwatch.GetElapsedTime(start) > ProcessPrograms.NudgeAfter && Stopwatch.GetElapsedTime(lastNudge) > ProcessPrograms.NudgeAfter)
                {
                    ProcessPrograms.Nudge();
                    lastNudge = Stopwatch.GetTimestamp();
                }
            }
            if (Stopwatch.GetElapsedTime(start) > timeout)
            {
                throw new TimeoutException($"bpftrace did not attach within {timeout.TotalSeconds:0} s:\n{Output}");
            }
            Thread.Sleep(2);
        }
    }

    private string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    private void Collect(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (output)
        {
            output.AppendLine(line);
        }
        var attaching = AttachingLine().Match(line);
        if (attaching.Success)
        {
            Volatile.Write(ref expectedPrograms, int.Parse(attaching.Groups[1].Value));
        }
    }

    // bpftrace closes its BEGIN program once it has run: a program gone between the listing and
    // the read is skipped, it is not the sched_switch program.
    public IReadOnlyList<ProgramStats> ReadPrograms() => ProcessPrograms.Of(process.Id);

    // bpftrace reads its maps in user space when it exits, with no BPF program run.
    public void ReadOnce()
    {
    }

    public EventCounts? FinishEvents()
    {
        if (outputFile is null)
        {
            return null;
        }
        Stop(); // flushes its output
        long delivered = 0, lost = 0;
        foreach (var line in File.ReadLines(outputFile))
        {
            var lostLine = LostLine().Match(line);
            if (lostLine.Success)
            {
                lost += long.Parse(lostLine.Groups[1].Value);
            }
            else if (line.Length > 0 && char.IsAsciiDigit(line[0]))
            {
                delivered++;
            }
        }
        return new EventCounts(delivered, lost);
    }

    /// <summary>SIGINT (bpftrace detaches, prints its maps, exits); SIGKILL if it will not.</summary>
    private void Stop()
    {
        if (process.HasExited)
        {
            return;
        }
        Native.kill(process.Id, Native.SigInt);
        if (!process.WaitForExit(ExitGrace))
        {
            Native.kill(process.Id, Native.SigKill);
            process.WaitForExit(ExitGrace);
        }
    }

    public void Dispose()
    {
        killOnExit.Dispose();
        process.Dispose();
    }

    [GeneratedRegex(@"^Attaching (\d+) probes?\.\.\.")]
    private static partial Regex AttachingLine();

    [GeneratedRegex(@"Lost (\d+) events")]
    private static partial Regex LostLine();
}

/// <summary>
/// A libbpf-tools program (cpudist, runqlat) built by the user, never part of the repository,
/// started as its user starts it, with no interval: it traces until SIGINT, then prints its
/// histogram and exits. Its programs are exactly the BPF program fds its process holds.
/// </summary>
internal sealed class LibbpfToolTracer : ITracer
{
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(5);

    private readonly Process process;
    private readonly IDisposable killOnExit;
    private readonly System.Text.StringBuilder output = new();

    private LibbpfToolTracer(Process process)
    {
        this.process = process;
        killOnExit = Cleanup.Register($"stop {process.StartInfo.FileName} (pid {process.Id})", Stop);
        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public TimeSpan AttachTime { get; private set; }

    /// <summary>What the tool chose, as libbpf-tools do (tp_btf when the kernel has it, else raw_tp).</summary>
    public string Hook { get; private set; } = "-";

    /// <summary>
    /// Spawns the tool and returns once it holds its programs and each has run at least once
    /// (run_cnt moves only when attached and kernel.bpf_stats_enabled=1). Its "Tracing..." line
    /// cannot tell: its stdout is a pipe, so that line stays in its buffer until it exits.
    /// </summary>
    internal static LibbpfToolTracer Start(string path, LibbpfTool tool, TimeSpan timeout, CancellationToken cancel)
    {
        long start = Stopwatch.GetTimestamp();
        var tracer = new LibbpfToolTracer(Run.Start(path, tool.Args));
        try
        {
            tracer.WaitUntilAttached(tool, start, timeout, cancel);
            return tracer;
        }
        catch
        {
            tracer.Dispose();
            throw;
        }
    }

    private void WaitUntilAttached(LibbpfTool tool, long start, TimeSpan timeout, CancellationToken cancel)
    {
        long lastNudge = start;
        while (true)
        {
            cancel.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{tool.Label} exited with {process.ExitCode} before attaching:\n{Output}");
            }
            var programs = ReadPrograms();
            if (programs.Count >= tool.Programs && programs.All(p => p.RunCount > 0))
            {
                AttachTime = Stopwatch.GetElapsedTime(start);
                Hook = string.Join(", ", programs.Select(p => p.Type switch { "tracing" => "tp_btf", "raw_tracepoint" => "raw_tp", _ => p.Type }).Distinct());
                return;
            }
            if (programs.Count >= tool.Programs && Stopwatch.GetElapsedTime(start) > ProcessPrograms.NudgeAfter && Stopwatch.GetElapsedTime(lastNudge) > ProcessPrograms.NudgeAfter)
            {
                ProcessPrograms.Nudge();
                lastNudge = Stopwatch.GetTimestamp();
            }
            if (Stopwatch.GetElapsedTime(start) > timeout)
            {
                throw new TimeoutException($"{tool.Label} did not attach within {timeout.TotalSeconds:0} s:\n{Output}");
            }
            Thread.Sleep(2);
        }
    }

    private string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    private void Collect(string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    public IReadOnlyList<ProgramStats> ReadPrograms() => ProcessPrograms.Of(process.Id);

    // The tool reads its maps in user space when it exits, with no BPF program run.
    public void ReadOnce()
    {
    }

    public EventCounts? FinishEvents() => null;

    /// <summary>SIGINT (the tool detaches, prints its histogram, exits); SIGKILL if it will not.</summary>
    private void Stop()
    {
        if (process.HasExited)
        {
            return;
        }
        Native.kill(process.Id, Native.SigInt);
        if (!process.WaitForExit(ExitGrace))
        {
            Native.kill(process.Id, Native.SigKill);
            process.WaitForExit(ExitGrace);
        }
    }

    public void Dispose()
    {
        killOnExit.Dispose();
        process.Dispose();
    }
}

/// <summary>What the harness reads of a tracer that is another process (bpftrace, libbpf-tools).</summary>
internal static class ProcessPrograms
{
    /// <summary>How long a tracer may hold its programs with some not yet fired before <see cref="Nudge"/>.</summary>
    internal static readonly TimeSpan NudgeAfter = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The programs whose fds the process holds (/proc/PID/fdinfo/N, "prog_id:"), so nothing
    /// else on the machine is mixed in. A program that goes between the listing and the read is skipped.
    /// </summary>
    internal static IReadOnlyList<ProgramStats> Of(int pid)
    {
        var ids = new HashSet<uint>();
        // A bpf_link fd also names its program: the set keeps each program once.
        foreach (var fdinfo in Directory.EnumerateFiles($"/proc/{pid}/fdinfo"))
        {
            try
            {
                foreach (var line in File.ReadLines(fdinfo))
                {
                    if (line.StartsWith("prog_id:", StringComparison.Ordinal))
                    {
                        ids.Add(uint.Parse(line["prog_id:".Length..].Trim()));
                    }
                }
            }
            catch (IOException)
            {
                // The fd closed while we listed them: skip it.
            }
        }
        return ids.Order().Select(ProgramStats.TryReadById).OfType<ProgramStats>().ToList();
    }

    /// <summary>
    /// A program on sched_wakeup_new fires only when a task is created: make one, so an idle
    /// machine does not hold up the attach (the workload comes later).
    /// </summary>
    internal static void Nudge()
    {
        using var child = Process.Start(new ProcessStartInfo("/bin/true") { UseShellExecute = false });
        child?.WaitForExit();
    }
}

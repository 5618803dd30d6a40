using System.Globalization;
using System.Management.Automation.Host;
using System.Management.Automation.Runspaces;

namespace SchedTrace.PowerShell;

/// <summary>
/// Ctrl+C read as a key while a cmdlet collects in pwsh's console. PowerShell answers the Ctrl+C
/// signal by stopping the whole pipeline: every later WriteObject throws and no downstream command
/// reaches EndProcessing, so a reading could not write what it gathered (nor Export-SchedTimeline
/// its files). With the terminal's signal turned off (Console.TreatControlCAsInput) the key
/// arrives as input instead; a poller reads it and ends every collection in progress the way
/// -Duration would, and the pipeline then completes normally, as the CLI does on SIGINT.
/// </summary>
/// <remarks>
/// The setting is the terminal's, so it is shared: the first collection turns it on, and it is
/// restored when the last one ends or as soon as the key is read. A second Ctrl+C is then the
/// signal again and stops the pipeline, should writing what was gathered take long. Other keys
/// typed while collecting are read and dropped: they cannot be handed back to the prompt. The
/// terminal's other signal keys (Ctrl+Z, Ctrl+\) are plain keys meanwhile too, and a command
/// downstream that reads the console during the collection (Read-Host) competes for its keys.
/// </remarks>
internal sealed class ConsoleInterrupt : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly object Gate = new();
    private static readonly List<ConsoleInterrupt> Active = new();
    private static Poller? poller;
    private static bool previousSetting;

    private readonly Action interrupted;

    private ConsoleInterrupt(Action interrupted) => this.interrupted = interrupted;

    /// <summary>
    /// Whether Ctrl+C can be read as a key here: pwsh's own console host, running this runspace
    /// (not a thread job or ForEach-Object -Parallel that streams to it), with the terminal on
    /// stdin and this process in its foreground. Remoting, jobs and redirected input have no key
    /// to read; a background process that changed the terminal would be stopped by SIGTTOU, and
    /// Ctrl+C does not reach it anyway.
    /// </summary>
    internal static bool IsAvailable(PSHost host)
    {
        try
        {
            return host.Name == "ConsoleHost"
                && host is IHostSupportsInteractiveSession { IsRunspacePushed: false } interactive
                && interactive.Runspace is { } console
                && ReferenceEquals(console, Runspace.DefaultRunspace)
                && !Console.IsInputRedirected
                && InTerminalForeground();
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException or NotImplementedException)
        {
            return false;
        }
    }

    /// <summary>
    /// Reads Ctrl+C as a key until disposed, where <see cref="IsAvailable"/>; null elsewhere (the
    /// signal then stops the pipeline as usual). <paramref name="interrupted"/> runs on another
    /// thread when the key is pressed.
    /// </summary>
    internal static ConsoleInterrupt? TryStart(PSHost host, Action interrupted)
    {
        if (!IsAvailable(host))
        {
            return null;
        }
        var scope = new ConsoleInterrupt(interrupted);
        lock (Gate)
        {
            if (Active.Count == 0)
            {
                try
                {
                    previousSetting = Console.TreatControlCAsInput;
                    Console.TreatControlCAsInput = true;
                }
                catch (IOException)
                {
                    return null; // the terminal refused the setting: Ctrl+C stays a signal
                }
                poller = new Poller();
                poller.Thread.Start();
            }
            Active.Add(scope);
        }
        return scope;
    }

    /// <summary>Stops reading Ctrl+C for this collection; the last one restores the terminal.</summary>
    public void Dispose()
    {
        Poller? stopped = null;
        lock (Gate)
        {
            if (Active.Remove(this) && Active.Count == 0)
            {
                stopped = EndPolling();
            }
        }
        // Outside the lock, which the poller takes when it reads the key. Once it has returned,
        // no key typed after the collection can be taken from the prompt.
        stopped?.Thread.Join(TimeSpan.FromSeconds(1));
    }

    /// <summary>Restores the terminal and tells the poller to stop; under <see cref="Gate"/>.</summary>
    private static Poller? EndPolling()
    {
        try
        {
            Console.TreatControlCAsInput = previousSetting;
        }
        catch (IOException)
        {
            // The terminal went away: there is nothing left to restore.
        }
        var stopped = poller;
        poller = null;
        stopped?.Stop();
        return stopped;
    }

    /// <summary>Ends every collection in progress and gives the terminal its Ctrl+C signal back at once.</summary>
    private static void Interrupt(Poller from)
    {
        lock (Gate)
        {
            if (!ReferenceEquals(from, poller))
            {
                return; // the last collection ended meanwhile; the terminal is restored
            }
            // Under the lock: a collection's Dispose, and so its cmdlet's, cannot run meanwhile.
            foreach (var scope in Active)
            {
                scope.interrupted();
            }
            Active.Clear();
            EndPolling();
        }
    }

    private static bool IsCtrlC(ConsoleKeyInfo key) =>
        key.KeyChar == '\u0003' || (key.Key == ConsoleKey.C && key.Modifiers.HasFlag(ConsoleModifiers.Control));

    /// <summary>
    /// /proc/self/stat: this process's group (field 5) is the terminal's foreground group (field 8).
    /// The fields are counted after the command name, which is in parentheses and may hold spaces.
    /// </summary>
    private static bool InTerminalForeground()
    {
        string stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is the state (field 3): the process group is fields[2], the foreground group fields[5].
        return fields.Length > 5
            && int.TryParse(fields[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out int group)
            && int.TryParse(fields[5], NumberStyles.Integer, CultureInfo.InvariantCulture, out int foreground)
            && group == foreground;
    }

    /// <summary>The thread that reads keys while any collection runs.</summary>
    private sealed class Poller
    {
        private readonly object signal = new();
        private bool stopped;

        internal Poller() => Thread = new Thread(Run) { IsBackground = true, Name = "SchedTrace Ctrl+C" };

        internal Thread Thread { get; }

        internal void Stop()
        {
            lock (signal)
            {
                stopped = true;
                Monitor.PulseAll(signal);
            }
        }

        private void Run()
        {
            try
            {
                while (WaitForKeys())
                {
                    var key = Console.ReadKey(intercept: true);
                    if (IsCtrlC(key))
                    {
                        Interrupt(this);
                        return;
                    }
                }
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
                // The console went away (the terminal closed): there is no key left to read.
            }
        }

        /// <summary>True when a key is waiting; false once stopped.</summary>
        private bool WaitForKeys()
        {
            lock (signal)
            {
                while (!stopped)
                {
                    if (Console.KeyAvailable)
                    {
                        return true;
                    }
                    Monitor.Wait(signal, PollInterval);
                }
                return false;
            }
        }
    }
}

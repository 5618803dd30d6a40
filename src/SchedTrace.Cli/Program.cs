using SchedTrace.Cli;

// Before anything else: the signal handlers need SIGINT's disposition fixed before .NET's
// signal layer first looks at it (Console does, below).
using var stopSignals = StopSignals.Install();

// Console.Out flushes on every line; at hundreds of thousands of events per second that is a
// write(2) per event. Buffer stdout and let each verb flush when a batch is done.
var stdout = new StreamWriter(Console.OpenStandardOutput(), bufferSize: 1 << 16) { AutoFlush = false };
int exit = CommandLine.Run(args, stdout, Console.Error, stopSignals.Token);
return CommandLine.Close(stdout, Console.Error, exit);

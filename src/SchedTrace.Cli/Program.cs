using SchedTrace.Cli;

// Console.Out flushes on every line; at hundreds of thousands of events per second that is a
// write(2) per event. Buffer stdout and let each verb flush when a batch is done.
using var stdout = new StreamWriter(Console.OpenStandardOutput(), bufferSize: 1 << 16) { AutoFlush = false };
int exit = CommandLine.Run(args, stdout, Console.Error);
stdout.Flush();
return exit;

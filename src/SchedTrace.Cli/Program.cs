using SchedTrace;
using SchedTrace.Cli;

return CommandLine.Run(args, Console.Out, Console.Error);

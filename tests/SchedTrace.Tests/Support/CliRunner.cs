using SchedTrace.Cli;

namespace SchedTrace.Tests.Support;

/// <summary>Runs the CLI in-process, as its Main does, capturing what it writes.</summary>
public static class CliRunner
{
    public static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = CommandLine.Run(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}

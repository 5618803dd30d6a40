using System.Globalization;

namespace SchedTrace.PowerShell;

/// <summary>
/// The options and commands that core messages name (<see cref="SchedTraceOption"/>), as
/// PowerShell writes them: -PerCpu, -Kind RunQueue, -Name 'build', Start-SchedTrace.
/// </summary>
internal static class PowerShellSyntax
{
    /// <summary><paramref name="message"/> in PowerShell's words.</summary>
    internal static string Format(SchedTraceMessage message) => message.Format(Spell);

    internal static string Spell(SchedTraceOption option) => option.IsCommand
        ? option.Name switch
        {
            nameof(SchedTraceOption.StartSession) => "Start-SchedTrace",
            nameof(SchedTraceOption.StopSession) => "Stop-SchedTrace",
            nameof(SchedTraceOption.StopSessions) => "Get-SchedTrace | Stop-SchedTrace",
            _ => throw new ArgumentOutOfRangeException(nameof(option), option.Name, "A command the module does not have."),
        }
        : option.Value is null ? "-" + option.Name : $"-{option.Name} {Argument(option.Value)}";

    /// <summary>An argument as typed: keywords and numbers bare, text in single quotes.</summary>
    private static string Argument(object value) => value switch
    {
        string text => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}

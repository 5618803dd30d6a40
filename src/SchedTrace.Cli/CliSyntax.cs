using System.Globalization;
using System.Text;

namespace SchedTrace.Cli;

/// <summary>
/// The options that core messages name (<see cref="SchedTraceOption"/>), as the CLI spells them:
/// --per-cpu, --pid, --kind runqueue. The CLI keeps no sessions, so it has none of the session
/// commands: a message that names one leaves it out.
/// </summary>
internal static class CliSyntax
{
    /// <summary><paramref name="message"/> in the CLI's words.</summary>
    internal static string Format(SchedTraceMessage message) => message.Format(Spell);

    internal static string? Spell(SchedTraceOption option) => option.IsCommand
        ? null
        : option.Value is null ? "--" + Flag(option.Name) : $"--{Flag(option.Name)} {Argument(option.Value)}";

    /// <summary>The flag for a neutral option name: the cmdlets' parameter, in kebab case, where the CLI has no shorter word.</summary>
    private static string Flag(string name) => name switch
    {
        "Id" => "pid",
        "ThreadId" => "tid",
        "MaxAlertsPerSecond" => "max-alerts",
        _ => Kebab(name),
    };

    /// <summary>Keywords as the CLI's parsers take them (runqueue, wakeup-new), numbers bare, text quoted for a shell where it needs it.</summary>
    private static string Argument(object value) => value switch
    {
        PriorityInversionKind kind => kind.ToString().ToLowerInvariant(),
        Enum keyword => Kebab(keyword.ToString()),
        string text => text.Length > 0 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/') ? text : "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Kebab(string pascal)
    {
        var text = new StringBuilder(pascal.Length + 4);
        for (int i = 0; i < pascal.Length; i++)
        {
            if (i > 0 && char.IsUpper(pascal[i]))
            {
                text.Append('-');
            }
            text.Append(char.ToLowerInvariant(pascal[i]));
        }
        return text.ToString();
    }
}

using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace SchedTrace;

/// <summary>
/// An option or a command of the front ends, as a core message names it: by a neutral name that
/// each front end spells in its own syntax (PowerShell <c>-PerCpu</c>, the CLI <c>--per-cpu</c>).
/// Names are those of the cmdlets' parameters (PerCpu, Id, Kind); commands are named for what
/// they do (<see cref="StartSession"/>).
/// </summary>
public sealed class SchedTraceOption
{
    private SchedTraceOption(string name, object? value, bool isCommand)
    {
        Name = name;
        Value = value;
        IsCommand = isCommand;
    }

    /// <summary>The option's or command's neutral name.</summary>
    public string Name { get; }

    /// <summary>The value given with the option: an enum member (a keyword), a number, or text
    /// (which a front end quotes); null for a switch or a bare option.</summary>
    public object? Value { get; }

    public bool IsCommand { get; }

    /// <summary>The option <paramref name="name"/>, with <paramref name="value"/> when there is one.</summary>
    public static SchedTraceOption Named(string name, object? value = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new(name, value, isCommand: false);
    }

    /// <summary>Starting a session that is kept and read later.</summary>
    public static SchedTraceOption StartSession { get; } = new(nameof(StartSession), null, isCommand: true);

    /// <summary>Stopping a kept session (its final figures stay readable).</summary>
    public static SchedTraceOption StopSession { get; } = new(nameof(StopSession), null, isCommand: true);

    /// <summary>Stopping every kept session.</summary>
    public static SchedTraceOption StopSessions { get; } = new(nameof(StopSessions), null, isCommand: true);

    /// <summary>The neutral spelling: the name, then the value (text in single quotes).</summary>
    public override string ToString() => Value switch
    {
        null => Name,
        string text => $"{Name} '{text}'",
        IFormattable formattable => $"{Name} {formattable.ToString(null, CultureInfo.InvariantCulture)}",
        var other => $"{Name} {other}",
    };
}

/// <summary>
/// A message of the core (an error's text and its recommended action, a warning) with the options
/// it names kept apart from its words, so that each front end writes them in its own syntax
/// (<see cref="Format"/>). Written as an interpolated string: <c>$"Leave out {SchedTraceOption.Named("PerCpu")}."</c>;
/// plain text converts to one without options.
/// </summary>
public sealed class SchedTraceMessage
{
    /// <summary>Text (string) and options (<see cref="SchedTraceOption"/>) in order.</summary>
    private readonly IReadOnlyList<object> parts;

    private SchedTraceMessage(IReadOnlyList<object> parts) => this.parts = parts;

    /// <summary>The options and commands the message names, in order.</summary>
    public IEnumerable<SchedTraceOption> Options => parts.OfType<SchedTraceOption>();

    /// <summary>
    /// The message with each option written by <paramref name="spell"/>. A front end that has no
    /// such option or command returns null for it: it is left out, and so are the parentheses it
    /// stood in alone ("stop them (Get-SchedTrace | Stop-SchedTrace)" becomes "stop them").
    /// </summary>
    public string Format(Func<SchedTraceOption, string?> spell)
    {
        ArgumentNullException.ThrowIfNull(spell);
        var text = new StringBuilder();
        bool dropParenthesis = false;
        foreach (var part in parts)
        {
            if (part is SchedTraceOption option)
            {
                if (spell(option) is { } spelled)
                {
                    text.Append(spelled);
                }
                else if (text.Length >= 2 && text[^2] == ' ' && text[^1] == '(')
                {
                    text.Length -= 2;
                    dropParenthesis = true;
                }
                continue;
            }
            var literal = (string)part;
            text.Append(dropParenthesis && literal.StartsWith(')') ? literal[1..] : literal);
            dropParenthesis = false;
        }
        return text.ToString();
    }

    /// <summary>The neutral text: each option by its neutral name (<see cref="SchedTraceOption.ToString"/>).</summary>
    public override string ToString() => Format(option => option.ToString());

    public static implicit operator SchedTraceMessage(string text) => new(new object[] { text });

    /// <summary>Builds a <see cref="SchedTraceMessage"/> from an interpolated string: values are
    /// formatted as string interpolation formats them, options are kept as options.</summary>
    [InterpolatedStringHandler]
    public ref struct Builder
    {
        private DefaultInterpolatedStringHandler text;
        private List<object>? parts;

        public Builder(int literalLength, int formattedCount)
        {
            text = new DefaultInterpolatedStringHandler(literalLength, formattedCount);
            parts = null;
        }

        public void AppendLiteral(string value) => text.AppendLiteral(value);

        public void AppendFormatted(SchedTraceOption option)
        {
            ArgumentNullException.ThrowIfNull(option);
            Flush();
            parts!.Add(option);
        }

        public void AppendFormatted(string? value) => text.AppendFormatted(value);

        public void AppendFormatted<T>(T value) => text.AppendFormatted(value);

        public void AppendFormatted<T>(T value, string? format) => text.AppendFormatted(value, format);

        public void AppendFormatted<T>(T value, int alignment) => text.AppendFormatted(value, alignment);

        public void AppendFormatted<T>(T value, int alignment, string? format) => text.AppendFormatted(value, alignment, format);

        /// <summary>The message built so far; the builder is spent.</summary>
        public SchedTraceMessage ToMessage()
        {
            Flush();
            return new SchedTraceMessage(parts!);
        }

        public static implicit operator Builder(string text)
        {
            var builder = new Builder(text?.Length ?? 0, 0);
            builder.AppendLiteral(text ?? "");
            return builder;
        }

        /// <summary>Another message as it is, options and all (a failure passed on under another id).</summary>
        public static implicit operator Builder(SchedTraceMessage message)
        {
            ArgumentNullException.ThrowIfNull(message);
            var builder = new Builder(0, 0);
            foreach (var part in message.parts)
            {
                if (part is SchedTraceOption option)
                {
                    builder.AppendFormatted(option);
                }
                else
                {
                    builder.AppendLiteral((string)part);
                }
            }
            return builder;
        }

        private void Flush()
        {
            parts ??= new List<object>();
            var literal = text.ToStringAndClear();
            // A cleared handler is not to be appended to again: the next text gets a new one.
            text = new DefaultInterpolatedStringHandler(0, 0);
            if (literal.Length > 0)
            {
                parts.Add(literal);
            }
        }
    }
}

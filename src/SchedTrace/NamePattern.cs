using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SchedTrace;

/// <summary>
/// One task-name pattern in PowerShell's wildcard language, matched as PowerShell's
/// WildcardPattern matches with IgnoreCase and CultureInvariant: * any run of characters (line
/// breaks included), ? one character, [abc] and [a-z] one character of a set, ` makes the next
/// character literal. The core cannot reference System.Management.Automation (it is compiled
/// NativeAOT into the CLI too), so the language is read here; a property test holds it to
/// PowerShell's own WildcardPattern.
/// </summary>
/// <remarks>
/// Characters are compared one UTF-16 unit at a time, each lowered by the invariant culture, as
/// PowerShell's matcher does. A set is the .NET regular expression PowerShell makes of it, so
/// its ranges and case rules (the Kelvin sign in [k], say) are PowerShell's too. PowerShell
/// compares a pattern whose only wildcard is a final * as text, linguistically (where a control
/// character is ignored); here every pattern is matched character by character, as kernel names
/// are bytes, not words.
/// </remarks>
public sealed class NamePattern
{
    /// <summary>The error id of a pattern that is not valid (an unclosed [, a range in reverse order).</summary>
    public const string InvalidPatternId = "InvalidNamePattern";

    private const char Escape = '`';

    private readonly Element[] elements;

    private NamePattern(string text, Element[] elements)
    {
        Text = text;
        this.elements = elements;
    }

    /// <summary>The pattern as given.</summary>
    public string Text { get; }

    /// <summary>
    /// Whether <paramref name="text"/> has a *, ?, [ or ] that no backtick escapes: a pattern
    /// rather than a name (PowerShell's WildcardPattern.ContainsWildcardCharacters).
    /// </summary>
    public static bool ContainsWildcards(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        for (int i = 0; i < text.Length; i++)
        {
            if (IsWildcard(text[i]))
            {
                return true;
            }
            if (text[i] == Escape)
            {
                i++;
            }
        }
        return false;
    }

    /// <summary>
    /// The name that a text without wildcards stands for (PowerShell's WildcardPattern.Unescape):
    /// a backtick before a wildcard character, or before another backtick, is dropped; any other
    /// backtick is kept, a final one included.
    /// </summary>
    public static string Unescape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.IndexOf(Escape) < 0)
        {
            return text;
        }
        var name = new StringBuilder(text.Length);
        bool escaped = false;
        foreach (char c in text)
        {
            if (c == Escape)
            {
                if (escaped)
                {
                    name.Append(c);
                }
                escaped = !escaped;
                continue;
            }
            if (escaped && !IsWildcard(c))
            {
                name.Append(Escape);
            }
            name.Append(c);
            escaped = false;
        }
        if (escaped)
        {
            name.Append(Escape);
        }
        return name.ToString();
    }

    /// <summary>Reads a pattern; one that is not valid is an InvalidArgument <see cref="SchedTraceException"/> (<see cref="InvalidPatternId"/>).</summary>
    public static NamePattern Parse(string pattern) =>
        TryParse(pattern, out var parsed, out var error) ? parsed : throw error;

    /// <summary>Reads a pattern, or says why it is not one (the error <see cref="Parse"/> would throw).</summary>
    public static bool TryParse(string pattern, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out NamePattern? parsed, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out SchedTraceException? error)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        parsed = null;
        error = null;
        var elements = new List<Element>();
        // Inside [...]: the characters of the set, and for each whether it is an unescaped '-'.
        StringBuilder? set = null;
        var dashes = new List<bool>();
        bool escaped = false, setJustOpened = false;
        foreach (char c in pattern)
        {
            if (set is not null)
            {
                // A ] right after the [ is a member, so "[]]" is the set of ']'; sets do not nest.
                if (c == ']' && !setJustOpened && !escaped)
                {
                    if (SetElement(set.ToString(), dashes, pattern, out var element, out error))
                    {
                        elements.Add(element);
                    }
                    else
                    {
                        return false;
                    }
                    set = null;
                }
                else if (c != Escape || escaped)
                {
                    set.Append(c);
                    dashes.Add(c == '-' && !escaped);
                }
                setJustOpened = false;
            }
            else if (c == '*' && !escaped)
            {
                elements.Add(Element.Star);
            }
            else if (c == '?' && !escaped)
            {
                elements.Add(Element.AnyOne);
            }
            else if (c == '[' && !escaped)
            {
                set = new StringBuilder();
                dashes.Clear();
                setJustOpened = true;
            }
            else if (c != Escape || escaped)
            {
                elements.Add(Element.Literal(Lower(c)));
            }
            escaped = c == Escape && !escaped;
        }
        if (set is not null)
        {
            error = Invalid(pattern, InvalidDetail(pattern));
            return false;
        }
        // A final backtick escapes nothing and stands for itself; a pattern of only a backtick is
        // the empty name, as in PowerShell.
        if (escaped && pattern != "`")
        {
            elements.Add(Element.Literal(Escape));
        }
        parsed = new NamePattern(pattern, elements.ToArray());
        return true;
    }

    /// <summary>Whether <paramref name="name"/>, all of it, matches the pattern, ignoring case.</summary>
    public bool IsMatch(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        int count = elements.Length;
        // The positions in the pattern that the name read so far can have reached (an NFA walk:
        // time in pattern length times name length, no backtracking).
        Span<bool> reached = count < 256 ? stackalloc bool[count + 1] : new bool[count + 1];
        Span<bool> next = count < 256 ? stackalloc bool[count + 1] : new bool[count + 1];
        reached.Clear();
        reached[0] = true;
        PassStars(reached);
        foreach (char raw in name)
        {
            char c = Lower(raw);
            next.Clear();
            bool any = false;
            for (int at = 0; at < count; at++)
            {
                if (!reached[at])
                {
                    continue;
                }
                var element = elements[at];
                if (element.Kind == ElementKind.Star)
                {
                    next[at] = any = true;
                }
                else if (element.Accepts(c))
                {
                    next[at + 1] = any = true;
                }
            }
            if (!any)
            {
                return false;
            }
            next.CopyTo(reached);
            PassStars(reached);
        }
        return reached[count];
    }

    public override string ToString() => Text;

    /// <summary>A * may match nothing: wherever one is reached, so is the element after it.</summary>
    private void PassStars(Span<bool> reached)
    {
        for (int at = 0; at < elements.Length; at++)
        {
            if (reached[at] && elements[at].Kind == ElementKind.Star)
            {
                reached[at + 1] = true;
            }
        }
    }

    private static bool IsWildcard(char c) => c is '*' or '?' or '[' or ']';

    private static char Lower(char c) => CultureInfo.InvariantCulture.TextInfo.ToLower(c);

    /// <summary>
    /// A set as the regular expression PowerShell makes of it: x-y between two members is a range
    /// (refused in reverse order), [ stands for itself, ] and - are escaped, and so is every other
    /// character a regular expression reads as syntax.
    /// </summary>
    private static bool SetElement(string members, List<bool> dashes, string pattern, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Element? element, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out SchedTraceException? error)
    {
        element = null;
        error = null;
        var regex = new StringBuilder("[", members.Length * 2 + 2);
        for (int i = 0; i < members.Length;)
        {
            if (i + 2 < members.Length && dashes[i + 1])
            {
                if (members[i] > members[i + 2])
                {
                    error = Invalid(pattern, InvalidDetail(pattern));
                    return false;
                }
                AppendSetMember(regex, members[i]);
                regex.Append('-');
                AppendSetMember(regex, members[i + 2]);
                i += 3;
            }
            else
            {
                AppendSetMember(regex, members[i]);
                i++;
            }
        }
        regex.Append(']');
        try
        {
            element = Element.Set(new Regex(regex.ToString(), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline));
            return true;
        }
        catch (ArgumentException e)
        {
            // A set the regular expression reads otherwise, as a subtraction ("[b[-[a-z]"):
            // PowerShell refuses it with the regular expression's own message.
            error = Invalid(pattern, e.Message);
            return false;
        }
    }

    private static void AppendSetMember(StringBuilder regex, char c)
    {
        switch (c)
        {
            case '[':
                regex.Append('[');
                break;
            case ']':
                regex.Append(@"\]");
                break;
            case '-':
                regex.Append(@"\x2d");
                break;
            case '(' or ')' or '.' or '?' or '*' or '{' or '}' or '^' or '$' or '+' or '|' or '\\':
                regex.Append('\\').Append(c);
                break;
            default:
                regex.Append(c);
                break;
        }
    }

    /// <summary>PowerShell's own words for a pattern its parser refuses.</summary>
    private static string InvalidDetail(string pattern) => $"The specified wildcard character pattern is not valid: {pattern}";

    private static SchedTraceException Invalid(string pattern, string detail) => new(
        SchedTraceErrorKind.InvalidArgument,
        InvalidPatternId,
        $"'{pattern}' is not a valid wildcard pattern: {detail}",
        "Escape [ and ] with a backtick, or close the bracket.");

    private enum ElementKind { Literal, AnyOne, Star, Set }

    private sealed class Element
    {
        private readonly char literal;
        private readonly Regex? set;

        private Element(ElementKind kind, char literal = '\0', Regex? set = null)
        {
            Kind = kind;
            this.literal = literal;
            this.set = set;
        }

        internal static readonly Element Star = new(ElementKind.Star);

        internal static readonly Element AnyOne = new(ElementKind.AnyOne);

        internal ElementKind Kind { get; }

        internal static Element Literal(char lowered) => new(ElementKind.Literal, lowered);

        internal static Element Set(Regex regex) => new(ElementKind.Set, set: regex);

        /// <summary>Whether this element takes <paramref name="lowered"/> as its one character (a * takes any number, elsewhere).</summary>
        internal bool Accepts(char lowered) => Kind switch
        {
            ElementKind.AnyOne => true,
            ElementKind.Literal => lowered == literal,
            ElementKind.Set => set!.IsMatch(new ReadOnlySpan<char>(in lowered)),
            _ => false,
        };
    }
}

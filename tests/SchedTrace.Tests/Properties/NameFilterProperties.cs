using System.Management.Automation;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using SchedTrace.Cli;
using SchedTrace.Engine;
using SchedTrace.PowerShell;

using SchedTrace.Measures;

namespace SchedTrace.Tests.Properties;

/// <summary>
/// The three places a task name is matched: the cmdlets' -Name (<see cref="ProcessNameFilter"/>),
/// the CLI's --name (both the core's <see cref="NameFilter"/>: PowerShell wildcards, any case), and the kernel's
/// compare of a single literal name (<see cref="BpfEventsConfig.SetFilterComm"/> and comm_matches() in
/// bpf/measures/events.bpf.h, ASCII case only). Each must accept the comm the kernel gives a task of
/// the name it was given, however long (a comm keeps 15 bytes) and whatever its characters.
/// </summary>
public sealed class NameFilterProperties
{
    private static readonly Gen<string> WildcardPiece = Gen.Elements("*", "?", "[", "]", "`", "[a-z]", "[!x]", "[z-a]", "[", "`*", "a[b");

    /// <summary>Names that may hold PowerShell's wildcard syntax, well formed or not.</summary>
    private static readonly Gen<string> PatternText =
        Gen.Choose(0, 8).SelectMany(n => Gen.Frequency((3, Inputs.NameChar), (1, WildcardPiece)).ArrayOf(n)).Select(string.Concat);

    /// <summary>A name, and the name of another task whose comm is, or nearly is, the comm of the first.</summary>
    private static readonly Gen<(string Name, string Other)> NameAndNearName =
        from name in Inputs.TaskName
        from change in Gen.Choose(0, 6)
        from mask in Inputs.UInt64
        from extra in Inputs.NameChar
        from at in Gen.Choose(0, 100)
        select (name, change switch
        {
            0 or 1 => Inputs.FlipAsciiCase(name, mask),
            2 => name + extra,
            3 => name.Length == 0 ? extra : name[..^1],
            4 => name.Length == 0 ? extra : name[..(at % name.Length)] + extra + name[((at % name.Length) + 1)..],
            5 => Inputs.KernelComm(name) + "\n",
            _ => name.ToUpperInvariant(),
        });

    [Property(MaxTest = 2000)]
    public Property CmdletNames_AreAFilter_OrTheInvalidNamePatternError() =>
        Prop.ForAll(PatternText.NonEmptyListOf().Select(l => l.Take(3).ToList()).ToArbitrary(), Inputs.TaskName.ListOf().ToArbitrary(), (names, comms) =>
        {
            var malformed = names.FirstOrDefault(IsMalformed);
            var cmdlet = new FilteringCmdlet();
            try
            {
                var filter = new ProcessNameFilter(names, cmdlet);
                // Built once, a filter answers for any comm without throwing.
                foreach (var comm in comms.Select(Inputs.KernelComm).Append(""))
                {
                    _ = filter.Matches(comm);
                    _ = filter.MatchesAny([comm]);
                }
                _ = filter.LiteralMisses(comms).ToList();
                return (malformed is null).Label("built a filter from a malformed pattern");
            }
            catch (TerminatingError e)
            {
                var record = e.Record;
                return (malformed is not null
                    && record.FullyQualifiedErrorId == "InvalidNamePattern"
                    && record.CategoryInfo.Category == ErrorCategory.InvalidArgument
                    && Equals(record.TargetObject, malformed)
                    && record.ErrorDetails.Message.StartsWith($"'{malformed}' is not a valid wildcard pattern", StringComparison.Ordinal)
                    && record.ErrorDetails.RecommendedAction.Length > 0).Label($"{record.FullyQualifiedErrorId} for {record.TargetObject}");
            }
        });

    [Property(MaxTest = 2000)]
    public Property ALiteralName_MatchesTheCommOfATaskOfThatName_InEveryFilter_InAnyAsciiCase() =>
        Prop.ForAll(Inputs.TaskName.Shrinking(), Inputs.UInt64.ToArbitrary(), (name, mask) =>
        {
            string typed = Inputs.FlipAsciiCase(name, mask);
            string comm = Inputs.KernelComm(name);
            var cmdlet = new ProcessNameFilter([WildcardPattern.Escape(typed)], new FilteringCmdlet());
            bool viaCmdlet = cmdlet.Matches(comm);
            bool viaCli = CliFilter(typed)(comm);
            bool viaKernel = KernelMatches(cmdlet.SingleLiteral, Inputs.KernelCommBytes(name));
            return (cmdlet.SingleLiteral == typed && viaCmdlet && viaCli && viaKernel)
                .Label($"-Name '{typed}' vs comm '{comm}': cmdlet {viaCmdlet}, CLI {viaCli}, kernel {viaKernel}, literal '{cmdlet.SingleLiteral}'");
        });

    /// <summary>
    /// A literal matches exactly the comms equal to its own comm: ignoring case (as .NET's ordinal
    /// case folding does) in the cmdlets and the CLI, ignoring ASCII case only in the kernel.
    /// </summary>
    [Property(MaxTest = 2000)]
    public Property ALiteralName_MatchesNothingElse() =>
        Prop.ForAll(NameAndNearName.ToArbitrary(), c =>
        {
            var (name, other) = c;
            string comm = Inputs.KernelComm(other);
            bool expected = string.Equals(Inputs.KernelComm(name), comm, StringComparison.OrdinalIgnoreCase);
            bool expectedInKernel = AsciiLower(Inputs.KernelCommBytes(name)).SequenceEqual(AsciiLower(Inputs.KernelCommBytes(other)));
            bool viaCmdlet = new ProcessNameFilter([WildcardPattern.Escape(name)], new FilteringCmdlet()).Matches(comm);
            bool viaCli = CliFilter(name)(comm);
            bool viaKernel = KernelMatches(name, Inputs.KernelCommBytes(other));
            return (viaCmdlet == expected && viaCli == expected && viaKernel == (expectedInKernel || name.Length == 0))
                .Label($"'{Escape(name)}' vs '{Escape(comm)}': expected {expected} (kernel {expectedInKernel}); cmdlet {viaCmdlet}, CLI {viaCli}, kernel {viaKernel}");
        });

    [Property(MaxTest = 2000)]
    public Property APatternMadeFromAComm_MatchesIt_InTheCmdletsAndTheCli() =>
        Prop.ForAll(Inputs.TaskName.Shrinking(), Gen.Choose(0, 3).ArrayOf(15).ToArbitrary(), Inputs.UInt64.ToArbitrary(), (name, edits, mask) =>
        {
            string comm = Inputs.KernelComm(name);
            // Each character kept (0, 1), replaced by ? (2), or dropped into a * (3). A character
            // outside the BMP is two UTF-16 units, and so two ?, in PowerShell and in .NET's regex alike.
            var cmdletPattern = new System.Text.StringBuilder();
            var cliPattern = new System.Text.StringBuilder();
            int i = 0;
            foreach (var rune in comm.EnumerateRunes())
            {
                string kept = Inputs.FlipAsciiCase(rune.ToString(), mask >> i);
                switch (edits[i++ % edits.Length])
                {
                    case 2:
                        cmdletPattern.Append('?', rune.Utf16SequenceLength);
                        cliPattern.Append('?', rune.Utf16SequenceLength);
                        break;
                    case 3:
                        cmdletPattern.Append('*');
                        cliPattern.Append('*');
                        break;
                    default:
                        cmdletPattern.Append(WildcardPattern.Escape(kept));
                        cliPattern.Append(kept);
                        break;
                }
            }
            bool viaCmdlet = new ProcessNameFilter([cmdletPattern.ToString()], new FilteringCmdlet()).Matches(comm);
            bool viaCli = CliFilter(cliPattern.ToString())(comm);
            return (viaCmdlet && viaCli).Label($"'{Escape(cmdletPattern.ToString())}' / '{Escape(cliPattern.ToString())}' vs '{Escape(comm)}': cmdlet {viaCmdlet}, CLI {viaCli}");
        });

    [Property(MaxTest = 1000)]
    public Property TheKernelFilter_IsTheFirst15BytesOfTheName_InAsciiLowerCase() =>
        Prop.ForAll(Inputs.TaskName.Shrinking(), name =>
        {
            var filter = FilterBytes(name);
            var expected = AsciiLower(Inputs.KernelCommBytes(name));
            return filter.AsSpan(0, expected.Length).SequenceEqual(expected) && filter.AsSpan(expected.Length).IndexOfAnyExcept((byte)0) < 0;
        });

    private static bool IsMalformed(string name)
    {
        if (!WildcardPattern.ContainsWildcardCharacters(name))
        {
            return false;
        }
        try
        {
            _ = WildcardPattern.Get(name, WildcardOptions.IgnoreCase).IsMatch(string.Empty);
            return false;
        }
        catch (Exception e) when (e is WildcardPatternException or ArgumentException)
        {
            return true;
        }
    }

    private static Func<string, bool> CliFilter(string name) => Options.Parse(["--name", name]).Pattern("name")!;

    private static unsafe byte[] FilterBytes(string? name)
    {
        var config = default(BpfEventsConfig);
        config.SetFilterComm(name);
        return new ReadOnlySpan<byte>(config.FilterComm, 16).ToArray();
    }

    /// <summary>comm_matches() of bpf/measures/events.bpf.h, line for line, on the filter <see cref="BpfEventsConfig.SetFilterComm"/> writes.</summary>
    private static bool KernelMatches(string? name, byte[] commBytes)
    {
        var filter = FilterBytes(name);
        var comm = new byte[16];
        commBytes.CopyTo(comm, 0);
        if (filter[0] == 0)
        {
            return true;
        }
        for (int i = 0; i < 16; i++)
        {
            byte c = comm[i] is >= (byte)'A' and <= (byte)'Z' ? (byte)(comm[i] + ('a' - 'A')) : comm[i];
            if (c != filter[i])
            {
                return false;
            }
            if (comm[i] == 0)
            {
                return true;
            }
        }
        return true;
    }

    private static byte[] AsciiLower(byte[] bytes) => bytes.Select(b => b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b + ('a' - 'A')) : b).ToArray();

    private static string Escape(string text) => text.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal);
}

using System.Globalization;
using System.Text.RegularExpressions;
using SchedTrace.Cli;
using SchedTrace.PowerShell;
using SchedTrace.Tests.Support;

namespace SchedTrace.Tests.Surface;

/// <summary>
/// Core messages name options neutrally (SchedTraceOption); the module writes them as PowerShell
/// parameters, the CLI as its flags, and neither front end's syntax is written in the core.
/// </summary>
public sealed partial class OptionSpellingTests
{
    private static readonly SchedTraceOption PerCpu = SchedTraceOption.Named("PerCpu");

    [Fact]
    public void CoreSource_WritesNoFrontEndsFlagsOrCommands()
    {
        // String literals of src/SchedTrace (comments may name cmdlets): no "--per-cpu", "-PerCpu"
        // or "Start-SchedTrace"; a message names those through SchedTraceOption.
        var found = new List<string>();
        foreach (var file in RepoFiles.Matching("src/SchedTrace/*.cs"))
        {
            var lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                if (CommentLine().IsMatch(lines[i]))
                {
                    continue;
                }
                foreach (Match literal in StringLiteral().Matches(lines[i]))
                {
                    if (FrontEndSyntax().Match(literal.Value) is { Success: true } syntax)
                    {
                        found.Add($"{Path.GetRelativePath(RepoPaths.RepoRoot, file)}:{i + 1}: {syntax.Value.Trim()} in {literal.Value}");
                    }
                }
            }
        }
        Assert.Empty(found);
    }

    [Theory]
    [InlineData("Leave out -PerCpu (see -Debug).", "Leave out --per-cpu (see --debug).")]
    public void EachFrontEnd_SpellsTheOptions_InItsOwnSyntax(string powerShell, string cli)
    {
        var message = Message($"Leave out {PerCpu} (see {SchedTraceOption.Named("Debug")}).");
        Assert.Equal(powerShell, PowerShellSyntax.Format(message));
        Assert.Equal(cli, CliSyntax.Format(message));
        Assert.Equal("Leave out PerCpu (see Debug).", message.ToString());
        Assert.Equal(["PerCpu", "Debug"], message.Options.Select(o => o.Name));
    }

    [Fact]
    public void Values_AreWrittenAsEachFrontEndTakesThem()
    {
        var message = Message($"{SchedTraceOption.Named("Kind", PriorityInversionKind.RunQueue)} {SchedTraceOption.Named("Id", 42)} {SchedTraceOption.Named("Name", "it's")} {SchedTraceOption.Named("Type", SchedEventType.WakeupNew)}");
        Assert.Equal("-Kind RunQueue -Id 42 -Name 'it''s' -Type WakeupNew", PowerShellSyntax.Format(message));
        Assert.Equal("--kind runqueue --pid 42 --name 'it'\\''s' --type wakeup-new", CliSyntax.Format(message));
    }

    [Fact]
    public void OtherValues_AreFormattedAsStringInterpolationFormatsThem()
    {
        var culture = CultureInfo.CurrentCulture;
        try
        {
            // A comma for the decimal point: interpolation uses the current culture, and so must a message.
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            var when = new DateTime(2026, 1, 2, 3, 4, 5, 600, DateTimeKind.Utc);
            double ratio = 1.25;
            Assert.Equal($"{ratio} at {when:yyyy-MM-dd HH:mm:ss.fff}Z [{7,4}] {(string?)null}.", Message($"{ratio} at {when:yyyy-MM-dd HH:mm:ss.fff}Z [{7,4}] {(string?)null}.").ToString());
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    [Fact]
    public void ACommandTheCliLacks_IsLeftOut_WithTheParenthesesItStoodIn()
    {
        var message = Message($"Stop sessions you no longer need ({SchedTraceOption.StopSessions}), or raise the limit.");
        Assert.Equal("Stop sessions you no longer need (Get-SchedTrace | Stop-SchedTrace), or raise the limit.", PowerShellSyntax.Format(message));
        Assert.Equal("Stop sessions you no longer need, or raise the limit.", CliSyntax.Format(message));
    }

    [Fact]
    public void TheModule_SpellsEveryCommandTheCoreNames()
    {
        foreach (var command in new[] { SchedTraceOption.StartSession, SchedTraceOption.StopSession, SchedTraceOption.StopSessions })
        {
            Assert.Matches("^[A-Z][a-z]+-SchedTrace", PowerShellSyntax.Spell(command));
            Assert.Null(CliSyntax.Spell(command));
        }
    }

    [Fact]
    public void ARefusal_ReachesEachFrontEnd_InItsSyntax_WithItsIdAndCategory()
    {
        var refusal = LatencyReport.Refusal(new LatencyQuery { PerProcess = true, PerCpu = true }, [], null);
        Assert.NotNull(refusal);
        const string action = "Ask for per-process rows ({0}) or per-CPU rows ({1}); per-process figures cover every CPU.";
        Assert.Equal(string.Format(CultureInfo.InvariantCulture, action, "PerProcess", "PerCpu"), refusal.RecommendedAction);

        var record = SchedTraceCmdlet.ToErrorRecord(refusal, null);
        Assert.Equal("PerProcessAndPerCpu", record.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, record.CategoryInfo.Category);
        Assert.Equal(string.Format(CultureInfo.InvariantCulture, action, "-PerProcess", "-PerCpu"), record.ErrorDetails.RecommendedAction);
        Assert.Equal(string.Format(CultureInfo.InvariantCulture, action, "--per-process", "--per-cpu"), CliSyntax.Format(refusal.RecommendedActionText));
    }

    [Fact]
    public void AFailurePassedOnUnderItsIdAgain_KeepsItsOptions()
    {
        var original = new SchedTraceException(SchedTraceErrorKind.LimitReached, "TooManyOpenFiles", $"Out of files.", $"Stop sessions ({SchedTraceOption.StopSessions}), or leave out {PerCpu}.");
        var passedOn = new SchedTraceException(original.Kind, original.ErrorId, original.MessageText, original.RecommendedActionText);
        Assert.Equal(PowerShellSyntax.Format(original.RecommendedActionText), PowerShellSyntax.Format(passedOn.RecommendedActionText));
        Assert.Equal("Stop sessions, or leave out --per-cpu.", CliSyntax.Format(passedOn.RecommendedActionText));
        Assert.Equal("Out of files.", passedOn.Message);
    }

    private static SchedTraceMessage Message(SchedTraceMessage.Builder builder) => builder.ToMessage();

    [GeneratedRegex(@"^\s*//")]
    private static partial Regex CommentLine();

    /// <summary>A string literal on one line, interpolated or not (its holes are inside it).</summary>
    [GeneratedRegex(@"""(?:[^""\\\n]|\\.)*""")]
    private static partial Regex StringLiteral();

    /// <summary>A CLI flag (--per-cpu), a PowerShell parameter (-PerCpu) or a cmdlet name (Start-SchedTrace).</summary>
    [GeneratedRegex(@"(?:^|[\s(""])--[a-z][a-z-]*|(?:^|[\s(""])-[A-Z][a-zA-Z]+|\b(?:Get|Start|Stop|Watch|Measure|Export)-[A-Z]\w*")]
    private static partial Regex FrontEndSyntax();
}

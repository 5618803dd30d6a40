using SchedTrace.PowerShell;
using SchedTrace.Tests.Support;

namespace SchedTrace.Tests.Kernel;

/// <summary>
/// Ids and names of kept sessions (what Start-SchedTrace and Get-SchedTrace show), with real
/// sessions: a catalog of its own per test, as a fresh PowerShell process has.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class SessionCatalogTests
{
    private static SchedTraceSessionOptions Named(string? name) => new() { Name = name };

    [KernelFact]
    public void KeptSessions_AreNumberedFromOne_AndSessionsStartedOnTheirOwnTakeNoId()
    {
        var catalog = new SessionCatalog();
        using var oneShot = SchedTraceSession.Start(new SchedTraceSessionOptions());
        using var first = catalog.Start(Named(null), SchedTraceSession.Start);
        using var alsoOneShot = SchedTraceSession.Start(new SchedTraceSessionOptions { Name = "ignored" });
        using var second = catalog.Start(Named("build"), SchedTraceSession.Start);
        using var third = catalog.Start(Named(null), SchedTraceSession.Start);

        Assert.Equal((0, ""), (oneShot.Id, oneShot.Name));
        Assert.Equal((0, ""), (alsoOneShot.Id, alsoOneShot.Name));
        Assert.StartsWith("one-shot reading", oneShot.Describe(), StringComparison.Ordinal);
        Assert.Equal(new[] { (1, "SchedTrace1"), (2, "build"), (3, "SchedTrace3") }, catalog.Sessions.Select(s => (s.Id, s.Name)));
        Assert.Equal("session 'build' (Id 2)", second.Describe());
        // -Verbose names the kept session by the Id and name it was given, and a one-shot one as such.
        Assert.Equal("Started session 'build' (Id 2): ContextSwitches.", second.DescribeSetup()[0]);
        Assert.Equal("Started a session for this command only (ContextSwitches).", oneShot.DescribeSetup()[0]);
    }

    [KernelFact]
    public void ANameInUse_IsRefused_IgnoringCase_BeforeAnythingIsAttached()
    {
        var catalog = new SessionCatalog();
        using var kept = catalog.Start(Named("build"), SchedTraceSession.Start);
        bool attached = false;

        var refused = Assert.Throws<SchedTraceException>(() => catalog.Start(Named("BUILD"), options =>
        {
            attached = true;
            return SchedTraceSession.Start(options);
        }));

        Assert.False(attached);
        Assert.Equal("SessionNameInUse", refused.ErrorId);
        Assert.Equal(SchedTraceErrorKind.AlreadyExists, refused.Kind);
        Assert.Contains("session 'build' (Id 1)", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Stop-SchedTrace -Name 'BUILD'", PowerShellSyntax.Format(refused.RecommendedActionText), StringComparison.Ordinal);
        Assert.Single(catalog.Sessions);
    }

    [KernelFact]
    public void AStoppedSessionsName_IsFreeAgain_ButItsIdIsNeverGivenAgain()
    {
        var catalog = new SessionCatalog();
        var first = catalog.Start(Named("build"), SchedTraceSession.Start);
        catalog.Stop(first);
        using var second = catalog.Start(Named("build"), SchedTraceSession.Start);

        Assert.Equal(SchedTraceState.Stopped, first.State);
        Assert.Equal((1, "build"), (first.Id, first.Name));
        Assert.Equal(2, second.Id);
        Assert.Equal(new[] { second }, catalog.Sessions);
    }

    [KernelFact]
    public void AStartThatFails_TakesNoId_AndFreesItsName()
    {
        var catalog = new SessionCatalog();
        var failure = new SchedTraceException(SchedTraceErrorKind.AttachFailed, "HookAttachFailed", "no hook", "none");

        Assert.Same(failure, Assert.Throws<SchedTraceException>(() => catalog.Start(Named("build"), _ => throw failure)));
        using var session = catalog.Start(Named("build"), SchedTraceSession.Start);

        Assert.Equal((1, "build"), (session.Id, session.Name));
    }

    [KernelFact]
    public void ADefaultName_ThatASessionWasGivenOnPurpose_IsSkipped()
    {
        var catalog = new SessionCatalog();
        using var named = catalog.Start(Named("SchedTrace2"), SchedTraceSession.Start);
        using var unnamed = catalog.Start(Named(null), SchedTraceSession.Start);

        Assert.Equal((1, "SchedTrace2"), (named.Id, named.Name));
        Assert.Equal((3, "SchedTrace3"), (unnamed.Id, unnamed.Name));
    }

    [KernelFact]
    public void StartsRacingForOneName_LeaveOneWinner_AndEveryOtherIsRefused()
    {
        var catalog = new SessionCatalog();
        const int racers = 8;
        using var ready = new Barrier(racers);
        var outcomes = Enumerable.Range(0, racers).Select(_ => Task.Run(() =>
        {
            ready.SignalAndWait();
            try
            {
                return (Session: catalog.Start(Named("race"), SchedTraceSession.Start), Error: (string?)null);
            }
            catch (SchedTraceException e)
            {
                return (Session: (SchedTraceSession?)null, Error: e.ErrorId);
            }
        })).ToArray();
        Task.WaitAll(outcomes);
        var results = outcomes.Select(t => t.Result).ToList();
        try
        {
            Assert.Single(results, r => r.Session is not null);
            Assert.Equal(racers - 1, results.Count(r => r.Error == "SessionNameInUse"));
            Assert.Equal(1, Assert.Single(catalog.Sessions).Id);
        }
        finally
        {
            catalog.DisposeAll();
        }
    }

    [KernelFact]
    public void UnnamedStartsInParallel_GetDistinctIds_OneToN()
    {
        var catalog = new SessionCatalog();
        const int racers = 8;
        using var ready = new Barrier(racers);
        var starts = Enumerable.Range(0, racers).Select(_ => Task.Run(() =>
        {
            ready.SignalAndWait();
            return catalog.Start(Named(null), SchedTraceSession.Start);
        })).ToArray();
        try
        {
            Task.WaitAll(starts);
            var sessions = starts.Select(t => t.Result).OrderBy(s => s.Id).ToList();
            Assert.Equal(Enumerable.Range(1, racers), sessions.Select(s => s.Id));
            Assert.All(sessions, s => Assert.Equal($"SchedTrace{s.Id}", s.Name));
            Assert.Equal(sessions, catalog.Sessions);
        }
        finally
        {
            catalog.DisposeAll();
        }
    }
}

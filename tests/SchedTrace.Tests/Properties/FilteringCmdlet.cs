using System.Management.Automation;
using System.Management.Automation.Host;
using SchedTrace.PowerShell;

namespace SchedTrace.Tests.Properties;

/// <summary>A cmdlet for <see cref="ProcessNameFilter"/> to raise its errors on, outside a pipeline.</summary>
internal sealed class FilteringCmdlet : Cmdlet
{
    public FilteringCmdlet() => CommandRuntime = new TerminatingErrorRuntime();
}

/// <summary>A terminating error as the pipeline would receive it.</summary>
internal sealed class TerminatingError(ErrorRecord record) : Exception(record.ToString())
{
    public ErrorRecord Record { get; } = record;
}

/// <summary>Turns ThrowTerminatingError into an exception that keeps the record; nothing else is expected of it.</summary>
internal sealed class TerminatingErrorRuntime : ICommandRuntime
{
    public PSHost Host => throw new NotSupportedException();

    public PSTransactionContext CurrentPSTransaction => throw new NotSupportedException();

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public void ThrowTerminatingError(ErrorRecord errorRecord) => throw new TerminatingError(errorRecord);

    public void WriteError(ErrorRecord errorRecord) => throw new NotSupportedException();

    public void WriteObject(object? sendToPipeline) => throw new NotSupportedException();

    public void WriteObject(object? sendToPipeline, bool enumerateCollection) => throw new NotSupportedException();

    public void WriteProgress(ProgressRecord progressRecord) => throw new NotSupportedException();

    public void WriteProgress(long sourceId, ProgressRecord progressRecord) => throw new NotSupportedException();

    public void WriteDebug(string text) => throw new NotSupportedException();

    public void WriteVerbose(string text) => throw new NotSupportedException();

    public void WriteWarning(string text) => throw new NotSupportedException();

    public void WriteCommandDetail(string text) => throw new NotSupportedException();

    public bool ShouldProcess(string? target) => throw new NotSupportedException();

    public bool ShouldProcess(string? target, string? action) => throw new NotSupportedException();

    public bool ShouldProcess(string? verboseDescription, string? verboseWarning, string? caption) => throw new NotSupportedException();

    public bool ShouldProcess(string? verboseDescription, string? verboseWarning, string? caption, out ShouldProcessReason shouldProcessReason) => throw new NotSupportedException();

    public bool ShouldContinue(string? query, string? caption) => throw new NotSupportedException();

    public bool ShouldContinue(string? query, string? caption, ref bool yesToAll, ref bool noToAll) => throw new NotSupportedException();

    public bool TransactionAvailable() => throw new NotSupportedException();
}

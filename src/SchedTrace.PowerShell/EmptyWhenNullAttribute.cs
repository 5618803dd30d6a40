using System.Management.Automation;

namespace SchedTrace.PowerShell;

/// <summary>
/// Reads $null as an empty list, so that -ThreadId bound by property name from an object without a
/// thread (a process row of Get-ProcessCpuTime has ThreadId $null) means "no thread filter" rather
/// than a validation error that would drop the whole piped object.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class EmptyWhenNullAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData) =>
        inputData is null || (inputData is PSObject { BaseObject: null }) ? Array.Empty<int>() : inputData;
}

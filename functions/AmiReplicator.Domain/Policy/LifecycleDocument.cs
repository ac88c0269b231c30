namespace AmiReplicator.Domain.Policy;

public sealed class LifecycleDocument
{
    /// <summary>Carry the source's deprecation time to its copies and follow later changes to it (default true).</summary>
    public bool? CopyDeprecation { get; set; }

    /// <summary>Deprecate every copy this many days after it was made (the earlier of this and the source's time wins).</summary>
    public int? DeprecateAfterDays { get; set; }

    /// <summary>Carry the source's deregistration protection to its copies and follow later changes to it (default true).</summary>
    public bool? CopyDeregistrationProtection { get; set; }

    /// <summary>Disable the copies of a source that is disabled (default false).</summary>
    public bool? DisableWithSource { get; set; }

    /// <summary>Deregister, with their snapshots, the copies of a source of the account that is deregistered (default false).</summary>
    public bool? DeregisterWithSource { get; set; }
}

namespace AmiReplicator.Domain.Jobs;

public enum CopyJobState
{
    /// <summary>Recorded; waits for a free slot (or for its NotBefore time after back-pressure or a failed copy).</summary>
    Waiting,

    /// <summary>Holds both slots; CopyImage is being called (or the caller died and the reconciler will call it again).</summary>
    Claimed,

    /// <summary>Holds both slots; EC2 is copying into TargetImageId.</summary>
    Copying,

    /// <summary>Done: the copy is available with launch permissions, tags and deprecation applied.</summary>
    Available,

    /// <summary>Done: refused, or failed more times than the policy retries; LastError says why.</summary>
    Failed,

    /// <summary>Done without a copy because someone decided so (its destination left the policy, a person stopped it); LastError says why.</summary>
    Cancelled,
}

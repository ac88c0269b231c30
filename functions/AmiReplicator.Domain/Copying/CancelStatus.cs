namespace AmiReplicator.Domain.Copying;

public enum CancelStatus
{
    /// <summary>The job ended CANCELLED (its copy, if any, deregistered with its snapshots).</summary>
    Cancelled,

    /// <summary>A claimed job keeps its slots until the copy its CopyImage call may start is found and removed, or cannot appear.</summary>
    Requested,

    /// <summary>The job had ended before: nothing to cancel.</summary>
    AlreadyEnded,

    /// <summary>Another worker moved the job meanwhile: look again.</summary>
    MovedOn,
}

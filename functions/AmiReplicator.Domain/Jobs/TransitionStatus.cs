namespace AmiReplicator.Domain.Jobs;

public enum TransitionStatus
{
    Applied,

    /// <summary>The job changed since it was read (another worker moved it): nothing was written.</summary>
    Conflict,

    /// <summary>The destination has no free slot: nothing was written.</summary>
    DestinationFull,

    /// <summary>
    /// The destination has room but not for another copy from this source region (no slot, or too little time-based copy
    /// throughput left): nothing was written.
    /// </summary>
    PairFull,

    /// <summary>The destination backs off after EC2's ResourceLimitExceeded: nothing was written.</summary>
    BackingOff,

    /// <summary>A counter the claim needs does not exist (never made, or deleted by a person): nothing was written.</summary>
    CounterMissing,
}

namespace AmiReplicator.Domain.Copying;

/// <summary>What trying to start a waiting job led to.</summary>
public enum StartOutcome
{
    /// <summary>EC2 accepted the copy (or the job adopted one it had already made).</summary>
    Started,

    /// <summary>Another worker moved the job first.</summary>
    MovedOn,

    /// <summary>The step raised an error, recorded on the job; the job waits or keeps its claim for the next pass.</summary>
    StepFailed,

    /// <summary>The job ended FAILED (EC2 refused the copy, or CopyImage kept failing).</summary>
    Ended,

    DestinationFull,
    PairFull,

    /// <summary>The destination backs off after an earlier ResourceLimitExceeded: no claim was made.</summary>
    BackingOff,

    /// <summary>EC2 answered ResourceLimitExceeded now: the job keeps its claim and the destination backs off.</summary>
    BackPressure,
}

namespace AmiReplicator.Domain.Copying;

public enum CopyOutcome
{
    StillCopying,
    Finished,
    Retried,
    Failed,
    Cancelled,

    /// <summary>An ended job's leftover image was removed (or given up on).</summary>
    CleanedUp,

    /// <summary>The step raised an error, recorded on the job; the next pass tries again.</summary>
    StepFailed,

    /// <summary>Another worker moved the job first.</summary>
    Skipped,
}

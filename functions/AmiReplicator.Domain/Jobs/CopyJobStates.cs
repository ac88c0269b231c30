namespace AmiReplicator.Domain.Jobs;

public static class CopyJobStates
{
    public static bool HoldsSlot(this CopyJobState state) => state is CopyJobState.Claimed or CopyJobState.Copying;

    public static bool IsTerminal(this CopyJobState state) => state is CopyJobState.Available or CopyJobState.Failed or CopyJobState.Cancelled;

    /// <summary>The job state machine. A move to the same state only updates what the job records (notes, errors, names).</summary>
    public static bool CanMoveTo(this CopyJobState from, CopyJobState to) => (from, to) switch
    {
        _ when from == to => true,
        // Available without a copy: a target in share mode given launch permission on the home account's copy.
        (CopyJobState.Waiting, CopyJobState.Claimed or CopyJobState.Available or CopyJobState.Failed or CopyJobState.Cancelled) => true,
        (CopyJobState.Claimed, CopyJobState.Copying or CopyJobState.Waiting or CopyJobState.Failed or CopyJobState.Cancelled) => true,
        (CopyJobState.Copying, CopyJobState.Available or CopyJobState.Failed or CopyJobState.Waiting or CopyJobState.Cancelled) => true,
        // Asked again: a failed or cancelled job starts over, and so does an available one whose copy a person deregistered.
        (CopyJobState.Failed or CopyJobState.Cancelled or CopyJobState.Available, CopyJobState.Waiting) => true,
        _ => false,
    };
}

using AmiReplicator.Domain.Policy;

namespace AmiReplicator.Domain.Jobs;

/// <summary>Where copy jobs and the slot counters live. Every method is one conditional write or a read.</summary>
public interface ICopyJobStore
{
    Task<CopyJob?> GetAsync(CopyJobKey key, CancellationToken cancellationToken);

    /// <summary>Writes the job unless one exists for its key; answers the stored job and whether it is the new one.</summary>
    Task<(CopyJob Job, bool Created)> CreateIfAbsentAsync(CopyJob job, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces <paramref name="from"/> by <paramref name="to"/> if the stored job is still <paramref name="from"/> (same version).
    /// Moving into a slot-holding state takes the destination slot and the source->destination slot within
    /// <paramref name="budget"/> in the same transaction; moving out of one releases both.
    /// </summary>
    Task<TransitionResult> TransitionAsync(CopyJob from, CopyJob to, SlotBudget budget, CancellationToken cancellationToken);

    /// <summary>Jobs in a non-terminal state for a destination, oldest first.</summary>
    Task<IReadOnlyList<CopyJob>> ListActiveAsync(string destinationRegion, CopyJobState state, int limit, CancellationToken cancellationToken);

    Task<IReadOnlyList<SlotCounter>> ListCountersAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Repairs a counter that disagrees with a job: adds the job as a holder when <paramref name="job"/> holds a slot,
    /// removes it when it does not (or is null: no such job). Written only if the job is still as read; answers whether it was.
    /// </summary>
    Task<bool> RepairHolderAsync(SlotScope scope, CopyJobKey holder, CopyJob? job, CancellationToken cancellationToken);

    /// <summary>Sets the counter's InFlight to its number of holders, if the counter is still as read.</summary>
    Task<bool> RepairInFlightAsync(SlotCounter counter, CancellationToken cancellationToken);
}

public enum TransitionStatus
{
    Applied,

    /// <summary>The job changed since it was read (another worker moved it): nothing was written.</summary>
    Conflict,

    /// <summary>The destination has no free slot: nothing was written.</summary>
    DestinationFull,

    /// <summary>The destination has room but not for another copy from this source region: nothing was written.</summary>
    PairFull,
}

public sealed record TransitionResult(TransitionStatus Status, CopyJob? Job)
{
    public bool Applied => Status == TransitionStatus.Applied;
}

using AmiReplicator.Domain.Slots;

namespace AmiReplicator.Domain.Jobs;

/// <summary>Where copy jobs and the slot counters live. Every method is one conditional write or a read.</summary>
public interface ICopyJobStore
{
    Task<CopyJob?> GetAsync(CopyJobKey key, CancellationToken cancellationToken);

    /// <summary>Those of the jobs that exist (consistent reads, many keys a call).</summary>
    Task<IReadOnlyList<CopyJob>> GetManyAsync(IReadOnlyCollection<CopyJobKey> keys, CancellationToken cancellationToken);

    /// <summary>
    /// Takes the sweep of a source region if none was taken within <paramref name="interval"/> before <paramref name="now"/> (one
    /// conditional write, so overlapping pollers never sweep the same region twice); answers whether this caller took it, and when
    /// the next sweep is due.
    /// </summary>
    Task<ScheduledTurn> TryStartSweepAsync(string sourceRegion, DateTimeOffset now, TimeSpan interval, CancellationToken cancellationToken);

    /// <summary>As <see cref="TryStartSweepAsync"/>, for the retention run of a destination (as <see cref="CopyDestination.KeyText"/> names it).</summary>
    Task<ScheduledTurn> TryStartRetentionAsync(string destination, DateTimeOffset now, TimeSpan interval, CancellationToken cancellationToken);

    /// <summary>
    /// Writes each job unless one exists for its key (the jobs of one source AMI, written together); answers, in order, the
    /// stored job and whether it is the new one. Each job written is counted on its distribution in the same write.
    /// </summary>
    Task<IReadOnlyList<(CopyJob Job, bool Created)>> CreateAllIfAbsentAsync(IReadOnlyList<CopyJob> jobs, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces <paramref name="from"/> by <paramref name="to"/> if the stored job is still <paramref name="from"/> (same version).
    /// Moving into a slot-holding state takes the destination slot and the source->destination slot within
    /// <paramref name="budget"/> in the same transaction (refused while the destination backs off, or when a counter is missing);
    /// moving out of one releases both. A time-based copy's <see cref="CopyJob.SnapshotCopyMiBps"/> is committed on the
    /// source->destination counter with its slot, within the budget's <see cref="SlotBudget.MaxSnapshotCopyMiBpsPerSource"/>
    /// (refused as <see cref="TransitionStatus.PairFull"/>), and given back with it. A move that changes the job's outcome or wave
    /// changes its distribution's counts in the same write (<see cref="DistributionTally.Change"/>) and asks for the distribution to be
    /// looked at (<see cref="Distribution.InspectAt"/> now). On a conflict the result carries the job as stored now.
    /// </summary>
    Task<TransitionResult> TransitionAsync(CopyJob from, CopyJob to, SlotBudget budget, CancellationToken cancellationToken);

    /// <summary>
    /// The jobs of a destination the poller looks after, waiting ones aside: claimed and copying (they hold slots), and ended
    /// ones that still have something to clean up (<see cref="CopyJob.NeedsCleanUp"/>); oldest first.
    /// </summary>
    Task<IReadOnlyList<CopyJob>> ListActiveAsync(CopyDestination destination, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Waiting jobs from one source region into one destination, in <see cref="CopyJob.StartOrder"/>; with
    /// <paramref name="readyBy"/>, only those ready by then (<see cref="CopyJob.IsReadyAt"/>). Reading one pair at a time is what
    /// keeps a long backlog of a pair that is full from hiding the jobs of another.
    /// </summary>
    Task<IReadOnlyList<CopyJob>> ListWaitingAsync(CopyDestination destination, string sourceRegion, DateTimeOffset? readyBy, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// How many jobs from one source region wait for one destination (state <see cref="CopyJobState.Waiting"/>, ready or not):
    /// the whole backlog of the pair, counted in full however long, without reading the jobs themselves.
    /// </summary>
    Task<int> CountWaitingAsync(CopyDestination destination, string sourceRegion, CancellationToken cancellationToken);

    Task<IReadOnlyList<SlotCounter>> ListCountersAsync(CancellationToken cancellationToken);

    /// <summary>Distributions whose <see cref="Distribution.InspectAt"/> is due by <paramref name="dueBy"/> (a sparse index: the rest cost nothing).</summary>
    Task<IReadOnlyList<Distribution>> ListDistributionsToInspectAsync(DateTimeOffset dueBy, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Writes a distribution's progress (everything but its counts, which only job writes change) if it is still as
    /// <paramref name="from"/> was read (same version); answers it as written, or null when it changed meanwhile.
    /// </summary>
    Task<Distribution?> SaveDistributionAsync(Distribution from, Distribution to, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the progress of several distributions at once (at most 100), each only if still as read: answers false, having written
    /// none of them, when any changed meanwhile (the caller saves each on its own then). One call for a pass's quiet distributions.
    /// </summary>
    Task<bool> SaveDistributionsAsync(IReadOnlyList<(Distribution From, Distribution To)> saves, CancellationToken cancellationToken);

    /// <summary>Held jobs (<see cref="CopyJob.Held"/>) of the distribution in waves up to <paramref name="throughWave"/>, lowest wave first.</summary>
    Task<IReadOnlyList<CopyJob>> ListHeldAsync(DistributionId key, int throughWave, int limit, CancellationToken cancellationToken);

    /// <summary>Writes the counter (its holders and their number) unless it exists; answers whether it was written.</summary>
    Task<bool> CreateCounterAsync(SlotCounter counter, CancellationToken cancellationToken);

    /// <summary>No claim takes a slot of the destination before <paramref name="until"/> (EC2 answered ResourceLimitExceeded there).</summary>
    Task BackOffAsync(CopyDestination destination, DateTimeOffset until, CancellationToken cancellationToken);

    /// <summary>
    /// Repairs a counter that disagrees with a job: adds the job as a holder when <paramref name="job"/> holds a slot,
    /// removes it when it does not (or is null: no such job); the holder's committed throughput goes with it (added at the job's
    /// <see cref="CopyJob.SnapshotCopyMiBps"/>; on removal the total is left for <see cref="RepairInFlightAsync"/>). Written only if the job is still as read and the counter exists;
    /// answers whether it was (false also when another transaction touched the same items at the same moment).
    /// </summary>
    Task<bool> RepairHolderAsync(SlotScope scope, CopyJobKey holder, CopyJob? job, CancellationToken cancellationToken);

    /// <summary>
    /// Sets the counter's InFlight to its number of holders and its committed throughput to the sum of its holders' throughput,
    /// if the counter is still as read.
    /// </summary>
    Task<bool> RepairInFlightAsync(SlotCounter counter, CancellationToken cancellationToken);
}

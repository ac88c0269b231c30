namespace AmiReplicator.Domain.Slots;

/// <summary>
/// Copies in flight allowed into one destination, in all and from any one source region, and the time-based copy throughput
/// (MiB/s) the copies from one source region may commit at once.
/// </summary>
public sealed record SlotBudget(int MaxInFlight, int MaxInFlightPerSource, int MaxSnapshotCopyMiBpsPerSource = SlotBudget.DefaultSnapshotCopyMiBpsPerSource)
{
    /// <summary>EC2's default time-based copy throughput per source->destination pair (adjustable by a quota increase).</summary>
    public const int DefaultSnapshotCopyMiBpsPerSource = 2_000;
}

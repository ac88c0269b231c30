namespace AmiReplicator.Domain.Policy;

public sealed class BudgetsDocument
{
    public int? MaxInFlightPerDestination { get; set; }
    public int? MaxInFlightPerSource { get; set; }

    /// <summary>The time-based copy throughput (MiB/s) per source->destination pair, for destinations that do not set their own.</summary>
    public int? MaxSnapshotCopyMiBpsPerSource { get; set; }
}

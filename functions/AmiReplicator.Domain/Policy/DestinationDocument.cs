namespace AmiReplicator.Domain.Policy;

public sealed class DestinationDocument
{
    public string? Region { get; set; }

    /// <summary>true: encrypt every snapshot (with KmsKeyId or the account's default EBS key). Absent: keep each snapshot's encryption.</summary>
    public bool? Encrypted { get; set; }

    public string? KmsKeyId { get; set; }
    public int? MaxInFlight { get; set; }
    public int? MaxInFlightPerSource { get; set; }

    /// <summary>Time-based copies: each snapshot of a copy into this region completes within this many minutes (15 to 2,880, in steps of 15).</summary>
    public int? SnapshotCopyCompletionDurationMinutes { get; set; }

    /// <summary>The time-based copy throughput (MiB/s) the copies from one source region into this one may commit at once.</summary>
    public int? MaxSnapshotCopyMiBpsPerSource { get; set; }

    /// <summary>true: no new copies into this region (waiting ones are cancelled), copies in flight finish; the step before removing it.</summary>
    public bool? Drain { get; set; }
}

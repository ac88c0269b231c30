namespace AmiReplicator.Domain.Jobs;

/// <summary>Replicate one source AMI: from its EC2 event, or asked by a person (backfill, retry).</summary>
public sealed record ReplicationRequest(
    string SourceRegion,
    string SourceImageId,
    IReadOnlyList<string>? Destinations,
    string RequestedBy,
    string? Reason,
    RequestOrigin Origin);

public enum RequestOrigin
{
    /// <summary>An EC2 AMI State Change event: the policy's selection decides.</summary>
    Event,

    /// <summary>Asked by hand: the person chose the AMI, so the selection is not applied, and a failed job is tried again.</summary>
    Manual,
}

namespace AmiReplicator.Domain.Jobs;

/// <summary>Replicate one source AMI: from its EC2 event, or asked by a person (backfill, retry).</summary>
public sealed record ReplicationRequest(
    string SourceRegion,
    string SourceImageId,
    IReadOnlyList<string>? Destinations,
    string RequestedBy,
    string? Reason,
    RequestOrigin Origin);

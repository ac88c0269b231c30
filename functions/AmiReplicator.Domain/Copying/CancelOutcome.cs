using AmiReplicator.Domain.Jobs;

namespace AmiReplicator.Domain.Copying;

/// <summary>What a cancel by hand did, the job as it is now, and the copy deregistered with it (if one was).</summary>
public sealed record CancelOutcome(CancelStatus Status, CopyJob Job, string? RemovedImageId = null);

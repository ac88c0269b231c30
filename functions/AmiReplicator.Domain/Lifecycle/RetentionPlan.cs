using AmiReplicator.Domain.Jobs;

namespace AmiReplicator.Domain.Lifecycle;

/// <summary>What retention keeps and removes in one destination, family by family, newest first.</summary>
public sealed record RetentionPlan(CopyDestination Destination, IReadOnlyList<RetentionDecision> Decisions);

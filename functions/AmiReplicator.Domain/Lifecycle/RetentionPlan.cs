using AmiReplicator.Contract;
using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Observability;
using AmiReplicator.Domain.Policy;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Domain.Lifecycle;

/// <summary>What retention keeps and removes in one destination, family by family, newest first.</summary>
public sealed record RetentionPlan(string DestinationRegion, IReadOnlyList<RetentionDecision> Decisions);

using AmiReplicator.Contract;
using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Observability;
using AmiReplicator.Domain.Policy;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Domain.Workflows;

/// <summary>
/// Keeps the newest copies of each image family in each destination (<see cref="RetentionPolicy"/>) and deregisters the older
/// ones with their snapshots, so no snapshot is left behind. Only images the replicator made are ever looked at (their provenance
/// tags say so), only available or disabled ones count (a copy still pending takes nobody's place), and an older copy with
/// deregistration protection or named in the keep list is kept and reported. A removal is noted on the job of the copy first, then
/// made: a worker dying between the two leaves a copy the next run removes again. With a latest-copy parameter, each family's is
/// pointed at its newest remaining copy after the removals (which also mends one a person changed).
/// </summary>
public sealed class CopyRetention(
    ICopyJobStore store,
    IImageGateway images,
    IImageLifecycle lifecycle,
    ReplicationPolicy policy,
    IMetrics metrics,
    TimeProvider clock,
    ILogger<CopyRetention> log,
    LatestCopyPointer? latestCopy = null)
{
    /// <summary>Each destination's run when due (every sweepIntervalMinutes, one poller at a time); answers the copies removed.</summary>
    public async Task<int> RunIfDueAsync(CancellationToken cancellationToken)
    {
        if (policy.Retention is null || policy.SweepInterval is not { } interval)
        {
            return 0;
        }

        var removed = 0;
        await EachDestination.RunAsync(policy.Destinations.Select(d => d.Region), "retention", log, async destination =>
        {
            if (await store.TryStartRetentionAsync(destination, clock.GetUtcNow(), interval, cancellationToken))
            {
                removed += await ApplyAsync(await PlanAsync(destination, cancellationToken), cancellationToken);
            }
        });

        return removed;
    }

    /// <summary>What retention keeps and removes in the destination now, and why; nothing is changed.</summary>
    public async Task<RetentionPlan> PlanAsync(string destinationRegion, CancellationToken cancellationToken)
    {
        var retention = policy.Retention ?? throw new InvalidOperationException("The policy has no retention.");
        var copies = new List<(ImageInfo Copy, string Family)>();
        await foreach (var copy in lifecycle.ListOwnCopiesAsync(destinationRegion, null, cancellationToken))
        {
            if (ProvenanceTags.IsReplicatorCopy(copy.Tags) && copy.State is ImageState.Available or ImageState.Disabled && retention.FamilyOf(copy) is { } family)
            {
                copies.Add((copy, family));
            }
        }

        var decisions = new List<RetentionDecision>();
        foreach (var family in copies.GroupBy(c => c.Family, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var newestFirst = family.Select(c => c.Copy).NewestFirst().ToList();
            for (var rank = 0; rank < newestFirst.Count; rank++)
            {
                var copy = newestFirst[rank];
                var sourceId = copy.Tags[ProvenanceTags.SourceImageId];
                decisions.Add(rank < retention.KeepLatest
                    ? new RetentionDecision(copy, family.Key, RetentionAction.Keep, $"one of the newest {retention.KeepLatest}")
                    : copy.Protection != DeregistrationProtection.Disabled
                        ? new RetentionDecision(copy, family.Key, RetentionAction.KeepProtected, "older than the newest, but has deregistration protection")
                        : retention.Keep.Contains(copy.ImageId) || retention.Keep.Contains(sourceId)
                            ? new RetentionDecision(copy, family.Key, RetentionAction.KeepListed, "older than the newest, but in retention.keep")
                            : new RetentionDecision(copy, family.Key, RetentionAction.Remove, $"{rank - retention.KeepLatest + 1} older than the newest {retention.KeepLatest}"));
            }
        }

        return new RetentionPlan(destinationRegion, decisions);
    }

    /// <summary>Removes what the plan removes, each copy on its own (one copy's error holds back no other); answers how many went.</summary>
    public async Task<int> ApplyAsync(RetentionPlan plan, CancellationToken cancellationToken)
    {
        var removed = 0;
        foreach (var decision in plan.Decisions)
        {
            if (decision.Action is RetentionAction.KeepProtected or RetentionAction.KeepListed)
            {
                log.LogInformation("Retention keeps {TargetImageId} ({Name}) of family {Family} in {Destination}: {Why}",
                    decision.Copy.ImageId, decision.Copy.Name, decision.Family, plan.DestinationRegion, decision.Why);
            }
            else if (decision.Action == RetentionAction.Remove)
            {
                try
                {
                    if (await RemoveAsync(plan.DestinationRegion, decision, cancellationToken))
                    {
                        removed++;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    log.LogError(e, "Retention could not remove {TargetImageId} ({Name}) in {Destination}; the next run tries again",
                        decision.Copy.ImageId, decision.Copy.Name, plan.DestinationRegion);
                }
            }
        }

        await PointAsync(plan, cancellationToken);
        log.LogInformation("Retention in {Destination}: {Removed} copies removed, {Kept} older copies kept, {Count} looked at",
            plan.DestinationRegion, removed, plan.Decisions.Count(d => d.Action is RetentionAction.KeepProtected or RetentionAction.KeepListed), plan.Decisions.Count);
        return removed;
    }

    private async Task PointAsync(RetentionPlan plan, CancellationToken cancellationToken)
    {
        var families = plan.Decisions.Select(d => d.Family).Distinct(StringComparer.Ordinal).ToList();
        if (latestCopy is null || families.Count == 0)
        {
            return;
        }

        try
        {
            // Refusals are logged by the pointer; nothing here to note them on.
            await latestCopy.PointAsync(plan.DestinationRegion, families, justAvailable: null, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogError(e, "Retention could not point the latest-copy parameters in {Destination}; the next run tries again", plan.DestinationRegion);
        }
    }

    private async Task<bool> RemoveAsync(string destinationRegion, RetentionDecision decision, CancellationToken cancellationToken)
    {
        var copy = decision.Copy;
        var key = new CopyJobKey(copy.Tags.GetValueOrDefault(ProvenanceTags.SourceRegion, ""), copy.Tags[ProvenanceTags.SourceImageId], destinationRegion);
        var note = $"{copy.ImageId} removed by retention with its snapshots: family {decision.Family}, {decision.Why}";
        if (key.SourceRegion.Length > 0 && await store.GetAsync(key, cancellationToken) is { } job && job.TargetImageId == copy.ImageId && !job.Notes.Contains(note))
        {
            // Recorded before it is done, so the copy never vanishes without its job saying why.
            var result = await store.TransitionAsync(job, job.WithNote(note) with { UpdatedAt = clock.GetUtcNow() }, policy.BudgetFor(destinationRegion), cancellationToken);
            if (!result.Applied)
            {
                log.LogInformation("{Job} was moved on by another worker ({Status}); retention looks at {TargetImageId} again next run", key, result.Status, copy.ImageId);
                return false;
            }
        }

        await images.DeregisterImageAsync(destinationRegion, copy.ImageId, cancellationToken);
        metrics.Record(ReplicatorMetrics.CopiesRemovedByRetention, 1, destinationRegion);
        log.LogWarning("Retention removed {TargetImageId} ({Name}) of family {Family} in {Destination} with its snapshots: {Why}",
            copy.ImageId, copy.Name, decision.Family, destinationRegion, decision.Why);
        return true;
    }
}

public enum RetentionAction
{
    /// <summary>One of the family's newest copies.</summary>
    Keep,

    /// <summary>Older than the newest, but protected from deregistration.</summary>
    KeepProtected,

    /// <summary>Older than the newest, but named (or its source named) in the keep list.</summary>
    KeepListed,

    /// <summary>Older than the newest: deregistered with its snapshots.</summary>
    Remove,
}

public sealed record RetentionDecision(ImageInfo Copy, string Family, RetentionAction Action, string Why);

/// <summary>What retention keeps and removes in one destination, family by family, newest first.</summary>
public sealed record RetentionPlan(string DestinationRegion, IReadOnlyList<RetentionDecision> Decisions);

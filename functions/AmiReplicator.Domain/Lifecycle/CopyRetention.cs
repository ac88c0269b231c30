using AmiReplicator.Contract;
using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Observability;
using AmiReplicator.Domain.Policy;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Domain.Lifecycle;

/// <summary>
/// Keeps the newest launchable copies of each image family in each destination (<see cref="RetentionPolicy"/>) and deregisters the
/// older ones with their snapshots, so no snapshot is left behind. It errs on keeping: only images this deployment made are ever
/// looked at (their provenance tags say so), copies are ranked by their build (<see cref="FamilyCopies"/>), a copy still pending takes
/// nobody's place, a disabled one counts as kept but not as one of the launchable copies kept (so the last launchable copy of a family
/// is never removed), and an older copy with deregistration protection, named in the keep list, or still in use (referenced by
/// instances or launch templates, or launched recently) is kept, with the reason noted on its job. A removal is noted on the job of the
/// copy first, then made: a worker dying between the two leaves a copy the next run removes again. With a latest-copy parameter, each
/// family's is pointed at its newest remaining copy after the removals (which also mends one a person changed). In a target account the
/// same is done with its spoke role (<see cref="DestinationAccounts"/>), among the account's own copies and what uses them there.
/// </summary>
public sealed class CopyRetention(
    ICopyJobStore store,
    DestinationAccounts accounts,
    ReplicationPolicy policy,
    IMetrics metrics,
    TimeProvider clock,
    ILogger<CopyRetention> log,
    LatestCopyPointer? latestCopy = null)
{
    private readonly FamilyBuilds _builds = new(accounts.Home);
    private readonly ScheduledTurns _turns = new(clock);

    /// <summary>
    /// Each destination's run when due (every sweepIntervalMinutes, one poller at a time), the home account's regions and the targets'
    /// (account, region)s; answers the copies removed. A destination refused (a target account's spoke role missing or denied) is
    /// skipped and counted, and holds back no other.
    /// </summary>
    public async Task<int> RunIfDueAsync(CancellationToken cancellationToken)
    {
        if (policy.Retention is null || policy.SweepInterval is not { } interval)
        {
            return 0;
        }

        var removed = 0;
        var skipped = await EachDestination.RunAsync(accounts.All, "retention", log, async destination =>
        {
            if (await _turns.TryTakeAsync(destination.KeyText, now => store.TryStartRetentionAsync(destination.KeyText, now, interval, cancellationToken)))
            {
                removed += await ApplyAsync(await PlanAsync(destination, cancellationToken), cancellationToken);
            }
        });
        if (skipped > 0)
        {
            log.LogWarning("Retention skipped {Skipped} destinations it was refused in (named above); they are tried again at the next run", skipped);
        }

        return removed;
    }

    /// <summary>
    /// What retention keeps and removes in the destination now, and why; nothing is changed. A copy whose use cannot be read (EC2
    /// refuses DescribeImageReferences, say) fails the plan: nothing is removed.
    /// </summary>
    public async Task<RetentionPlan> PlanAsync(CopyDestination destination, CancellationToken cancellationToken)
    {
        var retention = policy.Retention ?? throw new InvalidOperationException("The policy has no retention.");
        var copies = new List<ImageInfo>();
        await foreach (var copy in accounts.LifecycleIn(destination).ListOwnCopiesAsync(destination.Region, null, cancellationToken))
        {
            if (ProvenanceTags.BelongsTo(copy.Tags, policy.Deployment) && copy.State is ImageState.Available or ImageState.Disabled && retention.FamilyOf(copy) is not null)
            {
                copies.Add(copy);
            }
        }

        var families = (await _builds.WithBuildsAsync(copies, cancellationToken))
            .GroupBy(c => retention.FamilyOf(c) ?? "", StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (Family: g.Key, NewestFirst: g.NewestFirst().ToList()))
            .ToList();
        var older = families.SelectMany(f => OlderThanKept(f.NewestFirst, retention.KeepLatest)).ToHashSet();
        var inUse = await InUseAsync(destination, [.. older.Where(c => !IsProtected(c) && !IsListed(c, retention))], retention, cancellationToken);

        var decisions = new List<RetentionDecision>();
        foreach (var (family, newestFirst) in families)
        {
            var olderRank = 0;
            foreach (var copy in newestFirst)
            {
                decisions.Add(older.Contains(copy)
                    ? DecideOlder(copy, family, ++olderRank, retention, inUse)
                    : new RetentionDecision(copy, family, RetentionAction.Keep, copy.State == ImageState.Available
                        ? $"one of the newest {retention.KeepLatest} launchable"
                        : $"disabled, and not older than the newest {retention.KeepLatest} launchable (kept should its source be enabled again)"));
            }
        }

        return new RetentionPlan(destination, decisions);
    }

    /// <summary>
    /// The copies of one family (newest first) older than the newest <paramref name="keepLatest"/> launchable ones; none while the
    /// family has no more launchable copies than that, so its last launchable copy always stays.
    /// </summary>
    private static IEnumerable<ImageInfo> OlderThanKept(List<ImageInfo> newestFirst, int keepLatest)
    {
        var launchable = 0;
        for (var i = 0; i < newestFirst.Count; i++)
        {
            if (launchable == keepLatest)
            {
                return newestFirst.Skip(i);
            }

            if (newestFirst[i].State == ImageState.Available)
            {
                launchable++;
            }
        }

        return [];
    }

    /// <summary>What becomes of a copy older than the kept ones: <paramref name="olderRank"/> says how many places older (1: the first).</summary>
    private static RetentionDecision DecideOlder(ImageInfo copy, string family, int olderRank, RetentionPolicy retention, Dictionary<string, string> inUse) =>
        IsProtected(copy) ? new RetentionDecision(copy, family, RetentionAction.KeepProtected, "older than the newest, but has deregistration protection")
        : IsListed(copy, retention) ? new RetentionDecision(copy, family, RetentionAction.KeepListed, "older than the newest, but in retention.keep")
        : inUse.TryGetValue(copy.ImageId, out var use) ? new RetentionDecision(copy, family, RetentionAction.KeepInUse, $"older than the newest, but {use}")
        : new RetentionDecision(copy, family, RetentionAction.Remove, $"{olderRank} older than the newest {retention.KeepLatest}");

    private static bool IsProtected(ImageInfo copy) => copy.Protection != DeregistrationProtection.Disabled;

    private static bool IsListed(ImageInfo copy, RetentionPolicy retention) =>
        retention.Keep.Contains(copy.ImageId) || retention.Keep.Contains(copy.Tags[ProvenanceTags.SourceImageId]);

    /// <summary>
    /// Why each of these copies is still in use, if it is: referenced by the destination account's instances or launch templates (one
    /// DescribeImageReferences for all of them), or launched within the policy's window (one DescribeImageAttribute each, for those
    /// nothing references).
    /// </summary>
    private async Task<Dictionary<string, string>> InUseAsync(CopyDestination destination, IReadOnlyList<ImageInfo> candidates, RetentionPolicy retention,
        CancellationToken cancellationToken)
    {
        var lifecycle = accounts.LifecycleIn(destination);
        var why = new Dictionary<string, string>(StringComparer.Ordinal);
        if (candidates.Count == 0)
        {
            return why;
        }

        foreach (var (imageId, references) in await lifecycle.GetImageReferencesAsync(destination.Region, [.. candidates.Select(c => c.ImageId)], cancellationToken))
        {
            if (references.Count > 0)
            {
                const int Named = 3;
                why[imageId] = $"in use: referenced by {string.Join(", ", references.Take(Named))}{(references.Count > Named ? $" and {references.Count - Named} more" : "")}";
            }
        }

        if (retention.KeepIfLaunchedWithinDays == 0)
        {
            return why;
        }

        var since = clock.GetUtcNow().AddDays(-retention.KeepIfLaunchedWithinDays);
        foreach (var copy in candidates.Where(c => !why.ContainsKey(c.ImageId)))
        {
            if (await lifecycle.GetLastLaunchedTimeAsync(destination.Region, copy.ImageId, cancellationToken) is { } launched && launched >= since)
            {
                why[copy.ImageId] = $"in use: last launched {launched:u}, within retention.keepIfLaunchedWithinDays ({retention.KeepIfLaunchedWithinDays})";
            }
        }

        return why;
    }

    /// <summary>
    /// Removes what the plan removes, each copy on its own (one copy's error holds back no other), and notes on its job why an older
    /// copy in use is kept; answers how many went.
    /// </summary>
    public async Task<int> ApplyAsync(RetentionPlan plan, CancellationToken cancellationToken)
    {
        var removed = 0;
        foreach (var decision in plan.Decisions.Where(d => d.Action != RetentionAction.Keep))
        {
            try
            {
                if (decision.Action == RetentionAction.Remove)
                {
                    removed += await RemoveAsync(plan.Destination, decision, cancellationToken) ? 1 : 0;
                    continue;
                }

                log.LogInformation("Retention keeps {TargetImageId} ({Name}) of family {Family} in {Destination}: {Why}",
                    decision.Copy.ImageId, decision.Copy.Name, decision.Family, plan.Destination, decision.Why);
                if (decision.Action == RetentionAction.KeepInUse)
                {
                    await NoteOnJobAsync(plan.Destination, decision.Copy, $"{decision.Copy.ImageId} kept by retention: family {decision.Family}, {decision.Why}", cancellationToken);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogError(e, "Retention could not {Action} {TargetImageId} ({Name}) in {Destination}; the next run tries again",
                    decision.Action == RetentionAction.Remove ? "remove" : "note why it keeps", decision.Copy.ImageId, decision.Copy.Name, plan.Destination);
            }
        }

        await PointAsync(plan, cancellationToken);
        log.LogInformation("Retention in {Destination}: {Removed} copies removed, {Kept} older copies kept, {Count} looked at",
            plan.Destination, removed, plan.Decisions.Count(d => d.Action is not (RetentionAction.Keep or RetentionAction.Remove)), plan.Decisions.Count);
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
            await latestCopy.PointAsync(plan.Destination, families, justAvailable: null, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogError(e, "Retention could not point the latest-copy parameters in {Destination}; the next run tries again", plan.Destination);
        }
    }

    private async Task<bool> RemoveAsync(CopyDestination destination, RetentionDecision decision, CancellationToken cancellationToken)
    {
        var copy = decision.Copy;
        // Recorded before it is done, so the copy never vanishes without its job saying why.
        if (!await NoteOnJobAsync(destination, copy, $"{copy.ImageId} removed by retention with its snapshots: family {decision.Family}, {decision.Why}", cancellationToken))
        {
            return false;
        }

        await accounts.ImagesIn(destination).DeregisterImageAsync(destination.Region, copy.ImageId, cancellationToken);
        // Metrics are per region of the home account: a target account's removals are in the log and on its jobs.
        if (destination.IsHome)
        {
            metrics.Record(ReplicatorMetrics.CopiesRemovedByRetention, 1, destination.Region);
        }

        log.LogWarning("Retention removed {TargetImageId} ({Name}) of family {Family} in {Destination} with its snapshots: {Why}",
            copy.ImageId, copy.Name, decision.Family, destination, decision.Why);
        return true;
    }

    /// <summary>
    /// Notes on the job whose copy this is (once); answers false when another worker moved the job meanwhile (retention looks at the
    /// copy again next run). A copy no job names (an older copy of a source asked for again, a lost job) has nowhere to note it.
    /// </summary>
    private async Task<bool> NoteOnJobAsync(CopyDestination destination, ImageInfo copy, string note, CancellationToken cancellationToken)
    {
        var key = CopyJobKey.Into(copy.Tags.GetValueOrDefault(ProvenanceTags.SourceRegion, ""), copy.Tags[ProvenanceTags.SourceImageId], destination);
        if (key.SourceRegion.Length == 0 || await store.GetAsync(key, cancellationToken) is not { } job || job.TargetImageId != copy.ImageId || job.Notes.Contains(note))
        {
            return true;
        }

        var result = await store.TransitionAsync(job, job.WithNote(note) with { UpdatedAt = clock.GetUtcNow() }, policy.BudgetFor(key.Destination), cancellationToken);
        if (!result.Applied)
        {
            log.LogInformation("{Job} was moved on by another worker ({Status}); retention looks at {TargetImageId} again next run", key, result.Status, copy.ImageId);
        }

        return result.Applied;
    }
}

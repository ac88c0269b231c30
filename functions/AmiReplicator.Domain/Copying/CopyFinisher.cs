using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Lifecycle;
using AmiReplicator.Domain.Policy;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Domain.Copying;

/// <summary>
/// Moves a copying job on from what EC2 says of its target: finishes an available copy (launch permissions, tags,
/// deprecation, the latest-copy parameter, the launch templates tracking its family, then AVAILABLE and the slots released), retries or fails a failed one, and ends one that is gone.
/// Every step can be repeated: a worker that dies half way leaves the job COPYING and the next pass does it again. What EC2
/// refuses for good (a deprecation time in the past, a tag over the limit, sharing what cannot be shared) is noted on the job
/// and never retried; any other error is one failed pass of the job's step.
/// </summary>
public sealed class CopyFinisher(
    ICopyJobStore store,
    DestinationImages destinations,
    IKeyGateway keys,
    ReplicationPolicy policy,
    TrackingOptions options,
    JobSteps steps,
    TimeProvider clock,
    ILogger<CopyFinisher> log,
    DestinationAccounts? accounts = null,
    LatestCopyPointer? latestCopy = null,
    LaunchTemplateFollower? launchTemplates = null)
{
    private readonly CopySharing _sharing = new(destinations.Home, policy);

    public async Task<CopyOutcome> AdvanceAsync(CopyJob job, ImageInfo? target, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        switch (target?.State)
        {
            case null when now - job.CopyStartedAt < options.TargetNotFoundGrace:
            case ImageState.Pending or ImageState.Transient:
                return CopyOutcome.StillCopying;
            case ImageState.Available:
                return await FinishAsync(job, target, cancellationToken);
            case ImageState.Failed or ImageState.Invalid or ImageState.Error:
                var reason = $"copy {job.TargetImageId} {target.State.ToString().ToLowerInvariant()}: {target.StateReason ?? "no reason given"}";
                return await steps.RunAsync(job, JobStep.RetryCopy, () => RetryOrFailAsync(job, reason, cancellationToken),
                    (j, why) => FailAsync(j, FailureCodes.CopyFailed, $"{reason}; {why}", cancellationToken), CopyOutcome.StepFailed, cancellationToken);
            case null or ImageState.Deregistered:
                // Stopped before it finished (a person deregistered the pending copy, as the AMI copy guide describes): not a failure to retry.
                return await steps.RunAsync(job, JobStep.RetryCopy,
                    () => CancelAsync(job, $"target {job.TargetImageId} was deregistered before it finished; the copy was stopped", cancellationToken),
                    (j, why) => CancelAsync(j, why, cancellationToken), CopyOutcome.StepFailed, cancellationToken);
            default:
                return await steps.RunAsync(job, JobStep.RetryCopy,
                    () => FailAsync(job with { ImageToRemove = job.TargetImageId }, FailureCodes.CopyFailed,
                        $"target {job.TargetImageId} is {target.State.ToString().ToLowerInvariant()}; the copy was abandoned", cancellationToken),
                    (j, why) => FailAsync(j, FailureCodes.StepFailed, why, cancellationToken), CopyOutcome.StepFailed, cancellationToken);
        }
    }

    /// <summary>
    /// Applies what CopyImage does not copy, as the source had it when the copy was asked for (read once per source AMI then),
    /// then marks the job AVAILABLE and releases its slots.
    /// </summary>
    private async Task<CopyOutcome> FinishAsync(CopyJob job, ImageInfo target, CancellationToken cancellationToken)
    {
        using var scope = log.BeginScope(new Dictionary<string, object?> { ["TargetImageId"] = target.ImageId });
        var part = "sharing the copy";
        try
        {
            var notes = new List<string>();
            // Null: the launch permissions could not be read when the copy was asked for (the job's notes say why).
            await _sharing.ShareImageAsync(target, job.LaunchPermissions ?? [], notes, cancellationToken);
            part = "deprecating the copy";
            await DeprecateAsync(job, target, notes, cancellationToken);
            part = "protecting the copy";
            await ProtectAsync(job, target, notes, cancellationToken);
            part = "tagging the copy";
            await TagAsync(job, target, notes, cancellationToken);
            part = "tagging the copy's snapshots like the source's";
            await TagSnapshotsLikeSourceAsync(job, target, notes, cancellationToken);
            part = "sharing the copy's snapshots";
            await _sharing.ShareSnapshotsAsync(target, job.LaunchPermissions ?? [], notes, cancellationToken);
            var tagged = AsTagged(job, target);
            part = "pointing the latest-copy parameter";
            await PointAsync(job, tagged, notes, cancellationToken);
            part = "moving the launch templates of its family";
            await FollowLaunchTemplatesAsync(job, tagged, notes, cancellationToken);
            return await CompleteAsync(job, target, notes, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return await steps.RecordFailureAsync(job, JobStep.FinishCopy, e, part,
                (j, why) => CompleteAsync(j, target, [$"could not finish: {why}"], cancellationToken), CopyOutcome.StepFailed, cancellationToken);
        }
    }

    private async Task<CopyOutcome> CompleteAsync(CopyJob job, ImageInfo target, List<string> notes, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var finished = job.WithNotes(notes).MoveTo(CopyJobState.Available, now) with { CompletedAt = now, LastError = null };
        if (!await MoveAsync(job, finished, cancellationToken))
        {
            return CopyOutcome.Skipped;
        }

        log.LogInformation("{Job} is available as {TargetImageId}{Notes}", job.Key, target.ImageId, notes.Count == 0 ? "" : $" ({string.Join("; ", notes)})");
        if (finished.NeedsCleanUp)
        {
            await CleanUpAsync(finished with { Version = job.Version + 1 }, cancellationToken);
        }

        return CopyOutcome.Finished;
    }

    private async Task DeprecateAsync(CopyJob job, ImageInfo target, List<string> notes, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (policy.Lifecycle.DeprecationFor(job.SourceDeprecationTime, target.CreationDate ?? job.CopyStartedAt ?? now) is not { } deprecateAt)
        {
            return;
        }

        var at = LifecyclePolicy.DeprecationEc2Takes(deprecateAt, now);
        if (target.DeprecationTime is { } current && (current == at || (at != deprecateAt && current <= at)))
        {
            return;
        }

        if (at != deprecateAt)
        {
            notes.Add($"deprecated at {at:u}, the earliest EC2 takes: the deprecation time {deprecateAt:u} is past");
        }

        try
        {
            await destinations.For(job.Key.Destination).EnableDeprecationAsync(target.Region, target.ImageId, at, cancellationToken);
        }
        catch (ImageServiceException e) when (e.Kind == Ec2ErrorKind.Refused)
        {
            notes.Add($"deprecation at {at:u} refused: {e.Message}");
        }
    }

    /// <summary>The source's deregistration protection (as read when the copy was asked for) on the copy, cooldown and all.</summary>
    private async Task ProtectAsync(CopyJob job, ImageInfo target, List<string> notes, CancellationToken cancellationToken)
    {
        if (accounts is null || !policy.Lifecycle.CopyDeregistrationProtection
            || job.SourceDeregistrationProtection == DeregistrationProtection.Disabled || target.Protection == job.SourceDeregistrationProtection)
        {
            return;
        }

        try
        {
            await accounts.LifecycleIn(job.Key.Destination).EnableDeregistrationProtectionAsync(target.Region, target.ImageId,
                job.SourceDeregistrationProtection == DeregistrationProtection.EnabledWithCooldown, cancellationToken);
        }
        catch (ImageServiceException e) when (e.Kind == Ec2ErrorKind.Refused)
        {
            notes.Add($"deregistration protection refused: {e.Message}");
        }
    }

    /// <summary>The job's tags on the copy and its snapshots; those already there (given at creation) are not written again.</summary>
    private async Task TagAsync(CopyJob job, ImageInfo target, List<string> notes, CancellationToken cancellationToken)
    {
        var missing = job.Tags
            .Where(t => !target.Tags.TryGetValue(t.Key, out var value) || value != t.Value)
            .ToDictionary(t => t.Key, t => t.Value);
        if (missing.Count == 0)
        {
            return;
        }

        try
        {
            await destinations.For(job.Key.Destination).CreateTagsAsync(target.Region, [target.ImageId, .. target.Snapshots.Select(s => s.SnapshotId)], missing, cancellationToken);
        }
        catch (ImageServiceException e) when (e.Kind == Ec2ErrorKind.Refused)
        {
            // TagLimitExceeded: others tagged the copy meanwhile.
            notes.Add($"tags {string.Join(", ", missing.Keys)} refused: {e.Message}");
        }
    }

    /// <summary>
    /// A copy's snapshots are new snapshots, without their source's tags: each gets the tags of the source's snapshot of the same
    /// device, as recorded on the job when the copy was asked for (read once per source AMI, not once per destination). The
    /// account's own sources only (the copy's owner): another account's snapshot tags are that account's.
    /// </summary>
    private async Task TagSnapshotsLikeSourceAsync(CopyJob job, ImageInfo target, List<string> notes, CancellationToken cancellationToken)
    {
        if (target.Snapshots.Count == 0)
        {
            return;
        }

        var sourceSnapshots = job.SourceSnapshotTags ?? await ReadSourceSnapshotTagsAsync(job, target, notes, cancellationToken);
        foreach (var snapshot in target.Snapshots)
        {
            if (sourceSnapshots.FirstOrDefault(s => s.DeviceName == snapshot.DeviceName) is not { } from)
            {
                continue;
            }

            var (extra, leftOut) = CopyTags.ForSnapshot(job.Tags, from.Tags);
            if (leftOut.Count > 0)
            {
                notes.Add($"tags of source snapshot {from.SnapshotId} left out of {snapshot.SnapshotId}, EC2 allows {CopyTags.MaxTagsPerResource}: {string.Join(", ", leftOut)}");
            }

            if (extra.Count == 0)
            {
                continue;
            }

            try
            {
                await destinations.For(job.Key.Destination).CreateTagsAsync(target.Region, [snapshot.SnapshotId], extra, cancellationToken);
            }
            catch (ImageServiceException e) when (e.Kind == Ec2ErrorKind.Refused)
            {
                notes.Add($"tags of source snapshot {from.SnapshotId} refused on {snapshot.SnapshotId}: {e.Message}");
            }
        }
    }

    /// <summary>The source's snapshot tags as they are now, for a job recorded before they were kept on it.</summary>
    private async Task<IReadOnlyList<SourceSnapshotTags>> ReadSourceSnapshotTagsAsync(CopyJob job, ImageInfo target, List<string> notes, CancellationToken cancellationToken)
    {
        var source = await destinations.Home.DescribeImageAsync(job.Key.SourceRegion, job.Key.SourceImageId, cancellationToken);
        if (source is null || source.State == ImageState.Deregistered)
        {
            notes.Add("source snapshot tags not copied: the source is gone");
            return [];
        }

        return source.OwnerId == target.OwnerId ? await SourceSnapshotTagReader.ReadAsync(destinations.Home, source, cancellationToken) : [];
    }

    /// <summary>
    /// The family's latest-copy parameter on the copy, unless a newer copy of the family is there. Before the job is AVAILABLE:
    /// a worker dying between the two points again on the next pass.
    /// </summary>
    private async Task PointAsync(CopyJob job, ImageInfo tagged, List<string> notes, CancellationToken cancellationToken)
    {
        // In each home region; in a target account's only where its target asks for it.
        if (latestCopy is null || !policy.KeepsLatestCopyParameterIn(job.Key.Destination))
        {
            return;
        }

        if (await latestCopy.OnAvailableAsync(job.Key.Destination, tagged, cancellationToken) is { } problem)
        {
            notes.Add(problem);
        }
    }

    /// <summary>
    /// The launch templates of the copy's account and region that track its family, moved onto it unless they launch a newer build.
    /// Before the job is AVAILABLE, so a worker dying between the two moves them on the next pass; what EC2 refuses is only noted.
    /// </summary>
    private async Task FollowLaunchTemplatesAsync(CopyJob job, ImageInfo tagged, List<string> notes, CancellationToken cancellationToken)
    {
        if (launchTemplates is not null && destinations.LaunchTemplatesFor(job.Key.Destination) is { } templates)
        {
            await launchTemplates.FollowAsync(templates, destinations.For(job.Key.Destination), tagged, notes, cancellationToken);
        }
    }

    /// <summary>The copy as tagged just now: a family named by a tag the copy got after its creation counts.</summary>
    private static ImageInfo AsTagged(CopyJob job, ImageInfo target)
    {
        var tags = new Dictionary<string, string>(target.Tags, StringComparer.Ordinal);
        foreach (var (key, value) in job.Tags)
        {
            tags[key] = value;
        }

        return target with { Tags = tags };
    }

    private async Task<CopyOutcome> RetryOrFailAsync(CopyJob job, string reason, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (await KeyProblemAsync(job, cancellationToken) is { } keyProblem)
        {
            return await FailAsync(job with { ImageToRemove = job.TargetImageId }, FailureCodes.KmsDenied, $"{reason}; {keyProblem}", cancellationToken);
        }

        if (job.Attempt >= policy.Retries.MaxAttempts)
        {
            return await FailAsync(job with { ImageToRemove = job.TargetImageId }, FailureCodes.CopyFailed, $"{reason} (after {job.Attempt} attempts)", cancellationToken);
        }

        var retry = job.MoveTo(CopyJobState.Waiting, now) with
        {
            Attempt = job.Attempt + 1,
            TargetImageId = null,
            ImageToRemove = job.TargetImageId,
            ClaimedAt = null,
            CopyStartedAt = null,
            NotBefore = now + policy.Retries.DelayAfter(job.Attempt),
            WaitingSince = now,
            LastError = reason,
        };
        if (!await MoveAsync(job, retry.WithNote($"attempt {job.Attempt} failed: {reason}"), cancellationToken))
        {
            return CopyOutcome.Skipped;
        }

        log.LogWarning("{Job} attempt {Attempt} failed ({Reason}); retrying after {NotBefore}", job.Key, job.Attempt, reason, retry.NotBefore);
        return CopyOutcome.Retried;
    }

    /// <summary>
    /// EC2 checks a copy's KMS key only after accepting the copy, and reports a bad key as an internal error of the copy: the key is
    /// asked about, so that the job names it, and a copy no attempt can make is not retried. Null: no key given, or it is usable.
    /// </summary>
    private async Task<string?> KeyProblemAsync(CopyJob job, CancellationToken cancellationToken)
    {
        // A target account's key is the account's (by alias): the home account's KMS cannot say whether that account may use it.
        if (!job.Encrypt || job.KmsKeyId is not { } key || job.Key.DestinationAccount is not null)
        {
            return null;
        }

        var region = job.Key.DestinationRegion;
        return await keys.WhyUnusableAsync(region, key, cancellationToken) is { } why
            ? $"its KMS key {key} is not usable in {region} ({why}); give the destination a kmsKeyId of a key in {region} the account may use"
            : null;
    }

    /// <summary>
    /// Ends the job (its slots released) with the reason; an image it leaves behind (<see cref="CopyJob.ImageToRemove"/>) is removed
    /// right after, or by the poller's cleanup if this worker dies first: the job is recorded first, so no other worker meets a
    /// copy that vanished without its reason.
    /// </summary>
    public Task<CopyOutcome> FailAsync(CopyJob job, string failureCode, string reason, CancellationToken cancellationToken) =>
        EndAsync(job, job.FailWith(failureCode, reason, clock.GetUtcNow()), cancellationToken);

    /// <summary>Ends the job CANCELLED (stopped by a person, or its copy gone), as <see cref="FailAsync"/> ends one FAILED.</summary>
    public Task<CopyOutcome> CancelAsync(CopyJob job, string reason, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        return EndAsync(job, job.MoveTo(CopyJobState.Cancelled, now) with { CompletedAt = now, LastError = reason }, cancellationToken);
    }

    /// <summary>
    /// Ends an open job of an account that left the target: CANCELLED with <see cref="FailureCodes.TargetRemoved"/>, its slots released,
    /// and nothing of the account's removed (a copy it made or is making stays the account's). The home copy's share is taken back.
    /// </summary>
    public Task<CopyOutcome> EndTargetRemovedAsync(CopyJob job, string reason, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        return EndAsync(job, job.MoveTo(CopyJobState.Cancelled, now) with
        {
            CompletedAt = now,
            LastError = reason,
            FailureCode = FailureCodes.TargetRemoved,
            ImageToRemove = null,
        }, cancellationToken);
    }

    private async Task<CopyOutcome> EndAsync(CopyJob job, CopyJob ended, CancellationToken cancellationToken)
    {
        if (!await MoveAsync(job, ended, cancellationToken))
        {
            return CopyOutcome.Skipped;
        }

        if (ended.State == CopyJobState.Failed)
        {
            log.LogError("{Job} failed for good ({Code}): {Reason}", job.Key, ended.FailureCode, ended.LastError);
        }
        else
        {
            log.LogWarning("{Job} ended {State}: {Reason}", job.Key, ended.State, ended.LastError);
        }

        if (ended.NeedsCleanUp)
        {
            await CleanUpAsync(ended with { Version = job.Version + 1 }, cancellationToken);
        }

        return ended.State == CopyJobState.Failed ? CopyOutcome.Failed : CopyOutcome.Cancelled;
    }

    /// <summary>
    /// What an ended job leaves behind, removed, then forgotten in one write: its image (deregistered with its snapshots), and a
    /// target account's share of the home account's copy. Each call is harmless to repeat.
    /// </summary>
    public Task<CopyOutcome> CleanUpAsync(CopyJob ended, CancellationToken cancellationToken) => !ended.NeedsCleanUp
        ? Task.FromResult(CopyOutcome.Skipped)
        : steps.RunAsync(ended, JobStep.CleanUp, async () =>
        {
            if (ended.ImageToRemove is { } image)
            {
                await destinations.For(ended.Key.Destination).DeregisterImageAsync(ended.Key.DestinationRegion, image, cancellationToken);
                log.LogInformation("{Job}: deregistered {ImageId} with its snapshots", ended.Key, image);
            }

            if (ended.ShareToRemove)
            {
                await UnshareHomeCopyAsync(ended.Key, cancellationToken);
            }

            return await MoveAsync(ended, ended with { ImageToRemove = null, ShareToRemove = false, UpdatedAt = clock.GetUtcNow() }, cancellationToken)
                ? CopyOutcome.CleanedUp
                : CopyOutcome.Skipped;
        }, async (j, why) =>
        {
            log.LogError("{Job}: {Left} is left in {Destination}: {Reason}", j.Key, LeftBehind(j), j.Key.DestinationRegion, why);
            return await MoveAsync(j, j.WithNote($"{LeftBehind(j)} could not be removed and is left behind: {why}") with
            {
                ImageToRemove = null,
                ShareToRemove = false,
                UpdatedAt = clock.GetUtcNow(),
            }, cancellationToken) ? CopyOutcome.CleanedUp : CopyOutcome.Skipped;
        }, CopyOutcome.StepFailed, cancellationToken);

    private static string LeftBehind(CopyJob job) => string.Join(" and ", new[]
    {
        job.ImageToRemove,
        job.ShareToRemove ? $"the home account's copy shared with account {job.Key.DestinationAccount}" : null,
    }.OfType<string>());

    /// <summary>
    /// Takes back from a target account the home account's copy it was given to copy (its launch permission and its snapshots'
    /// createVolumePermission): the account's own copy needs neither. The home copy as its job names it now; one gone has no share left.
    /// </summary>
    private async Task UnshareHomeCopyAsync(CopyJobKey key, CancellationToken cancellationToken)
    {
        var account = key.DestinationAccount ?? throw new ArgumentException($"{key} is the home account's job", nameof(key));
        // Asked again meanwhile and shared (the target is in share mode now): the account launches the home copy, its share stays.
        if (accounts is null
            || await store.GetAsync(key, cancellationToken) is { SharedHomeCopy: true }
            || await store.GetAsync(key with { DestinationAccount = null }, cancellationToken) is not { TargetImageId: { } homeCopy }
            || await destinations.Home.DescribeImageAsync(key.DestinationRegion, homeCopy, cancellationToken) is not { } image)
        {
            return;
        }

        var lifecycle = accounts.LifecycleIn(CopyDestination.Home(key.DestinationRegion));
        await lifecycle.RemoveLaunchPermissionsAsync(key.DestinationRegion, homeCopy, [new LaunchPermission(LaunchPermissionKind.UserId, account)], cancellationToken);
        foreach (var snapshot in image.Snapshots)
        {
            await lifecycle.RemoveCreateVolumePermissionsAsync(key.DestinationRegion, snapshot.SnapshotId, [account], cancellationToken);
        }

        log.LogInformation("{Job}: the home account's copy {ImageId} is no longer shared with account {Account}", key, homeCopy, account);
    }

    private async Task<bool> MoveAsync(CopyJob from, CopyJob to, CancellationToken cancellationToken)
    {
        var result = await store.TransitionAsync(from, to, policy.BudgetFor(from.Key.Destination), cancellationToken);
        if (!result.Applied)
        {
            log.LogInformation("{Job} was moved on by another worker ({Status}); skipped", from.Key, result.Status);
        }

        return result.Applied;
    }
}

internal static class CopyOutcomes
{
    /// <summary>Whether a copying job that had this outcome gave its slots back.</summary>
    public static bool ReleasedSlots(this CopyOutcome outcome) =>
        outcome is CopyOutcome.Finished or CopyOutcome.Retried or CopyOutcome.Failed or CopyOutcome.Cancelled;
}

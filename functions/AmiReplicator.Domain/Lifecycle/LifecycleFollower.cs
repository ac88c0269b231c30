using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Domain.Lifecycle;

/// <summary>
/// Copies are independent of their source once made, so what happens to the source later reaches them only if someone carries
/// it over. With each sweep of a source region this looks at every copy the replicator made from it (its available jobs' targets,
/// listed by their provenance tags in each destination) and follows its source: its tags and launch permissions, as far as the
/// policy copies them (<see cref="FollowTagsAsync"/>, <see cref="FollowLaunchPermissionsAsync"/>), and as <see cref="LifecyclePolicy"/> asks the deprecation time,
/// deregistration protection, and (opt-in) a source disabled or deregistered. What it changes is recorded on the job: a change
/// that harms nothing (tags, shares, deprecation, protection) is applied first and recorded after (a worker dying between the two
/// leaves a difference the next sweep applies again); a destructive one is recorded first and applied after (the next sweep
/// repeats the call), so a copy never vanishes or stops working without its job saying why. Its cost: a listing per destination,
/// a DescribeImages and a read per 100 copies, a DescribeImageAttribute per source of the account's own, and calls only where
/// something changed. A target account's copies are followed the same way with its spoke role (<see cref="DestinationAccounts"/>),
/// but for launch permissions (a target account's copy has none of its own); only images carrying the provenance tags are touched.
/// </summary>
public sealed partial class LifecycleFollower(
    ICopyJobStore store,
    DestinationAccounts accounts,
    ReplicationPolicy policy,
    string ownAccountId,
    TimeProvider clock,
    ILogger<LifecycleFollower> log)
{
    private const int CopiesPerRead = 100;

    // The home account's copies only: a target account's jobs carry no launch permissions, so nothing of theirs is shared.
    private readonly CopySharing _sharing = new(accounts.Home, policy);

    public async Task<LifecycleReport> FollowAsync(string sourceRegion, CancellationToken cancellationToken)
    {
        var report = new LifecycleReport();
        var sourcePermissions = new SourcePermissions(accounts.Home, log);
        report.Skipped = await EachDestination.RunAsync(accounts.All.Where(d => d.Region != sourceRegion), "following the sources' lifecycle", log, async destination =>
        {
            var batch = new List<ImageInfo>();
            await foreach (var copy in accounts.LifecycleIn(destination).ListOwnCopiesAsync(destination.Region, sourceRegion, cancellationToken))
            {
                if (copy.State is not (ImageState.Available or ImageState.Disabled) || !ProvenanceTags.BelongsTo(copy.Tags, policy.Deployment))
                {
                    continue;
                }

                batch.Add(copy);
                if (batch.Count == CopiesPerRead)
                {
                    await FollowBatchAsync(sourceRegion, destination, batch, sourcePermissions, report, cancellationToken);
                    batch.Clear();
                }
            }

            await FollowBatchAsync(sourceRegion, destination, batch, sourcePermissions, report, cancellationToken);
        });

        log.LogInformation("Followed the lifecycle of {SourceRegion}'s copies: {Report}", sourceRegion, report);
        return report;
    }

    private async Task FollowBatchAsync(string sourceRegion, CopyDestination destination, List<ImageInfo> copies, SourcePermissions sourcePermissions, LifecycleReport report,
        CancellationToken cancellationToken)
    {
        if (copies.Count == 0)
        {
            return;
        }

        var sourceIds = copies.Select(c => c.Tags[ProvenanceTags.SourceImageId]).Distinct(StringComparer.Ordinal).ToList();
        var sources = await accounts.Home.DescribeImagesAsync(sourceRegion, sourceIds, cancellationToken);
        var jobs = (await store.GetManyAsync([.. sourceIds.Select(id => CopyJobKey.Into(sourceRegion, id, destination))], cancellationToken))
            .ToDictionary(j => j.Key.SourceImageId, StringComparer.Ordinal);
        foreach (var copy in copies)
        {
            var sourceId = copy.Tags[ProvenanceTags.SourceImageId];
            // Only the copy its job finished: older copies of the same source (asked for again) are not the job's to change.
            if (!jobs.TryGetValue(sourceId, out var job) || job is not { State: CopyJobState.Available } || job.TargetImageId != copy.ImageId)
            {
                continue;
            }

            report.Looked++;
            try
            {
                await FollowAsync(job, copy, sources.GetValueOrDefault(sourceId), sourcePermissions, report, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One copy's trouble stays with it: the next sweep tries again.
                log.LogError(e, "{Job}: following its source's lifecycle on {TargetImageId} failed", job.Key, copy.ImageId);
                report.Errors++;
            }
        }
    }

    private async Task FollowAsync(CopyJob job, ImageInfo copy, ImageInfo? source, SourcePermissions sourcePermissions, LifecycleReport report, CancellationToken cancellationToken)
    {
        if (source is null or { State: ImageState.Deregistered })
        {
            await FollowGoneSourceAsync(job, copy, report, cancellationToken);
            return;
        }

        var notes = new List<string>();
        await FollowProtectionAsync(job, copy, source, notes, report, cancellationToken);
        await FollowDeprecationAsync(job, copy, source, notes, report, cancellationToken);
        var recorded = job.SourceDeprecationTime == source.DeprecationTime && job.SourceDeregistrationProtection == source.Protection
            ? job
            : job with { SourceDeprecationTime = source.DeprecationTime, SourceDeregistrationProtection = source.Protection };
        if (await FollowWithdrawalAsync(job, recorded, notes, copy, source, report, cancellationToken) is { } withdrawn)
        {
            recorded = withdrawn;
        }
        else if (copy.State == ImageState.Available)
        {
            recorded = await FollowTagsAsync(recorded, copy, source, notes, report, cancellationToken);
            recorded = await FollowLaunchPermissionsAsync(recorded, copy, source, sourcePermissions, notes, report, cancellationToken);
        }

        if (recorded != job || notes.Count > 0)
        {
            await RecordAsync(job, recorded.WithNotes(notes), null, cancellationToken);
        }
    }

    /// <summary>
    /// A source withdrawn or brought back, as its own event says (EC2 sends <c>disabled</c>, <c>deregistered</c>, and <c>available</c>
    /// again when it is enabled): its copies follow within the minute the event takes, as the policy's lifecycle asks; the sweep
    /// does the same later for an event that was lost. One read of the source's jobs, one DescribeImages per destination.
    /// </summary>
    public async Task<LifecycleReport> FollowSourceAsync(string sourceRegion, string sourceImageId, ImageInfo? source, CancellationToken cancellationToken)
    {
        var report = new LifecycleReport();
        var keys = accounts.All.Where(d => d.Region != sourceRegion).Select(d => CopyJobKey.Into(sourceRegion, sourceImageId, d)).ToList();
        var jobs = (await store.GetManyAsync(keys, cancellationToken)).Where(j => j is { State: CopyJobState.Available, TargetImageId: not null }).ToList();
        foreach (var job in jobs)
        {
            report.Looked++;
            try
            {
                // Only a copy of the replicator's (its provenance tags say so), as the sweep lists them.
                if (await ImagesOf(job).DescribeImageAsync(job.Key.DestinationRegion, job.RequireTargetImageId(), cancellationToken)
                    is not { State: ImageState.Available or ImageState.Disabled } copy || !ProvenanceTags.BelongsTo(copy.Tags, policy.Deployment))
                {
                    continue;
                }

                if (source is null or { State: ImageState.Deregistered })
                {
                    await FollowGoneSourceAsync(job, copy, report, cancellationToken);
                }
                else
                {
                    var notes = new List<string>();
                    if (await FollowWithdrawalAsync(job, job, notes, copy, source, report, cancellationToken) is { } recorded && (recorded != job || notes.Count > 0))
                    {
                        await RecordAsync(job, recorded.WithNotes(notes), null, cancellationToken);
                    }
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One copy's trouble stays with it: the sweep follows it again.
                log.LogError(e, "{Job}: following its source's {State} on {TargetImageId} failed", job.Key, source?.State, job.TargetImageId);
                report.Errors++;
            }
        }

        log.LogInformation("Followed {SourceImageId} in {SourceRegion} ({State}): {Report}", sourceImageId, sourceRegion,
            source?.State.ToString().ToLowerInvariant() ?? "gone", report);
        return report;
    }

    /// <summary>
    /// A disabled source's copy is disabled (with disableWithSource); a source enabled again gets back the copies the replicator
    /// disabled, with their shares put back from the job's record (EC2 restores none on either). Answers the job as it is to be
    /// recorded, or null when neither applies. Disabling is destructive, so it is recorded first and done after; enabling harms
    /// nothing, so it is done first and recorded after (a worker dying between the two leaves it to be done again).
    /// </summary>
    private async Task<CopyJob?> FollowWithdrawalAsync(CopyJob job, CopyJob recorded, List<string> notes, ImageInfo copy, ImageInfo source, LifecycleReport report,
        CancellationToken cancellationToken)
    {
        if (source.State == ImageState.Disabled && copy.State == ImageState.Available && policy.Lifecycle.DisableWithSource)
        {
            const string why = "its source was disabled, so the copy is disabled (lifecycle.disableWithSource; EC2 removes its shares)";
            if (await RecordAsync(job, recorded.WithNotes(notes) with { DisabledWithSource = true }, why, cancellationToken))
            {
                await LifecycleOf(job).DisableImageAsync(copy.Region, copy.ImageId, cancellationToken);
                log.LogWarning("{Job}: {TargetImageId} disabled, as its source {SourceImageId} is", job.Key, copy.ImageId, job.Key.SourceImageId);
                report.Disabled++;
            }

            // Recorded (or moved on by another worker): nothing is left to record.
            notes.Clear();
            return job;
        }

        if (source.State != ImageState.Available || !job.DisabledWithSource)
        {
            return null;
        }

        if (copy.State == ImageState.Disabled)
        {
            await LifecycleOf(job).EnableImageAsync(copy.Region, copy.ImageId, cancellationToken);
        }

        var permissions = job.LaunchPermissions ?? [];
        await _sharing.ShareImageAsync(copy, permissions, notes, cancellationToken);
        await _sharing.ShareSnapshotsAsync(copy, permissions, notes, cancellationToken);
        notes.Add("its source was enabled again, so the copy is enabled and its launch permissions put back from the job's record (EC2 restores none); "
            + "from the next sweep they follow the source's again");
        log.LogWarning("{Job}: {TargetImageId} enabled again, as its source {SourceImageId} is", job.Key, copy.ImageId, job.Key.SourceImageId);
        report.Enabled++;
        return recorded with { DisabledWithSource = false };
    }

    /// <summary>Protection follows the source both ways, but is taken off a copy only where the replicator put it on.</summary>
    private async Task FollowProtectionAsync(CopyJob job, ImageInfo copy, ImageInfo source, List<string> notes, LifecycleReport report, CancellationToken cancellationToken)
    {
        if (!policy.Lifecycle.CopyDeregistrationProtection || copy.Protection == source.Protection)
        {
            return;
        }

        if (source.Protection != DeregistrationProtection.Disabled)
        {
            await LifecycleOf(job).EnableDeregistrationProtectionAsync(copy.Region, copy.ImageId, source.Protection == DeregistrationProtection.EnabledWithCooldown, cancellationToken);
            notes.Add($"deregistration protection follows the source: {Describe(source.Protection)}");
            report.Protection++;
        }
        else if (job.SourceDeregistrationProtection != DeregistrationProtection.Disabled)
        {
            await LifecycleOf(job).DisableDeregistrationProtectionAsync(copy.Region, copy.ImageId, cancellationToken);
            notes.Add("deregistration protection follows the source: disabled");
            report.Protection++;
        }
    }

    private async Task FollowDeprecationAsync(CopyJob job, ImageInfo copy, ImageInfo source, List<string> notes, LifecycleReport report, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var deprecateAt = policy.Lifecycle.DeprecationFor(source.DeprecationTime, copy.CreationDate ?? job.CopyStartedAt ?? job.CreatedAt);
        if (deprecateAt is { } wanted)
        {
            // A time already past is given as the earliest EC2 takes (once: a copy deprecated by then stays so).
            var at = LifecyclePolicy.DeprecationEc2Takes(wanted, now);
            if (at == wanted ? !SameMinute(copy.DeprecationTime, at) : copy.DeprecationTime is not { } current || current > at)
            {
                await ImagesOf(job).EnableDeprecationAsync(copy.Region, copy.ImageId, at, cancellationToken);
                notes.Add(at == wanted ? $"deprecation follows the source: {at:u}" : $"deprecation follows the source: {wanted:u} is past, so deprecated at {at:u}, the earliest EC2 takes");
                report.Deprecation++;
            }
        }
        else if (policy.Lifecycle.CopyDeprecation && copy.DeprecationTime is not null && job.SourceDeprecationTime is not null)
        {
            // The source's deprecation was withdrawn, and the copy's was the one carried from it (not one a person set).
            await LifecycleOf(job).DisableDeprecationAsync(copy.Region, copy.ImageId, cancellationToken);
            notes.Add("deprecation follows the source: withdrawn");
            report.Deprecation++;
        }
    }

    /// <summary>
    /// The source is no longer there. Only a source of the account's own is known to be deregistered (another account's may just
    /// no longer be shared); its copy is deregistered with its snapshots when the policy asks, unless it is protected.
    /// </summary>
    private async Task FollowGoneSourceAsync(CopyJob job, ImageInfo copy, LifecycleReport report, CancellationToken cancellationToken)
    {
        if (!policy.Lifecycle.DeregisterWithSource)
        {
            return;
        }

        if (job.SourceOwnerId != ownAccountId)
        {
            await NoteOnceAsync(job, "its source is no longer visible here (another account's AMI: deregistered, disabled or no longer shared); the copy is kept", report, cancellationToken);
            return;
        }

        if (copy.Protection != DeregistrationProtection.Disabled)
        {
            await NoteOnceAsync(job, "its source was deregistered; the copy is kept, as it has deregistration protection", report, cancellationToken);
            return;
        }

        // Destructive: recorded before it is done; a sweep that meets the copy again repeats the call.
        if (await RecordAsync(job, job, "its source was deregistered, so the copy is deregistered with its snapshots (lifecycle.deregisterWithSource)", cancellationToken))
        {
            try
            {
                await ImagesOf(job).DeregisterImageAsync(copy.Region, copy.ImageId, cancellationToken);
            }
            catch (ImageServiceException e) when (e.Kind == Ec2ErrorKind.Refused)
            {
                // The cooldown of protection just taken off: the next sweep tries again.
                log.LogWarning("{Job}: {TargetImageId} cannot be deregistered yet ({Error})", job.Key, copy.ImageId, e.Message);
                report.Errors++;
                return;
            }

            log.LogWarning("{Job}: {TargetImageId} deregistered with its snapshots, as its source {SourceImageId} is", job.Key, copy.ImageId, job.Key.SourceImageId);
            report.Deregistered++;
        }
    }

    private async Task NoteOnceAsync(CopyJob job, string note, LifecycleReport report, CancellationToken cancellationToken)
    {
        report.Kept++;
        if (!job.Notes.Contains(note))
        {
            await RecordAsync(job, job, note, cancellationToken);
        }
    }

    /// <summary>
    /// One conditional write from the job as <paramref name="stored"/> to <paramref name="updated"/> with the note (a note already
    /// there is not written again); answers whether the job is as recorded now.
    /// </summary>
    private async Task<bool> RecordAsync(CopyJob stored, CopyJob updated, string? note, CancellationToken cancellationToken)
    {
        var to = note is null || updated.Notes.Contains(note) ? updated : updated.WithNote(note);
        if (to == stored)
        {
            return true;
        }

        var result = await store.TransitionAsync(stored, to with { UpdatedAt = clock.GetUtcNow() }, policy.BudgetFor(stored.Key.Destination), cancellationToken);
        if (!result.Applied)
        {
            log.LogInformation("{Job} was moved on by another worker ({Status}); its lifecycle is followed at the next sweep", stored.Key, result.Status);
        }

        return result.Applied;
    }

    /// <summary>EC2 as the account of the job's destination sees it: the home account's, or a target account's through its spoke role.</summary>
    private IImageGateway ImagesOf(CopyJob job) => accounts.ImagesIn(job.Key.Destination);

    private IImageLifecycle LifecycleOf(CopyJob job) => accounts.LifecycleIn(job.Key.Destination);

    private static bool SameMinute(DateTimeOffset? a, DateTimeOffset b) =>
        a is { } time && Math.Abs((time - b).TotalSeconds) < 60;

    private static string Describe(DeregistrationProtection protection) =>
        protection == DeregistrationProtection.EnabledWithCooldown ? "enabled with the 24-hour cooldown" : "enabled";
}

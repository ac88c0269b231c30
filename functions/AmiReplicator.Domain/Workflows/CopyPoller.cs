using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Domain.Workflows;

public sealed record PollerOptions
{
    /// <summary>How long a new copy may answer InvalidAMIID.NotFound (EC2's eventual consistency) before it counts as gone.</summary>
    public TimeSpan TargetNotFoundGrace { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>A claim untouched this long never reached EC2 (its worker died): CopyImage is called again with the same token.</summary>
    public TimeSpan StaleClaimAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>DescribeImages takes this many ids per call.</summary>
    public int DescribeBatchSize { get; init; } = 200;

    /// <summary>Most jobs read per destination and state in one run.</summary>
    public int PageSize { get; init; } = 1000;
}

/// <summary>
/// The scheduled pass: confirms copies in flight, finishes the available ones (launch permissions, tags,
/// deprecation) and releases their slots, repeats claims that never reached EC2, then starts waiting work.
/// </summary>
public sealed class CopyPoller(
    ICopyJobStore store,
    IImageGateway images,
    CopyStarter starter,
    ReplicationPolicy policy,
    PollerOptions options,
    TimeProvider clock,
    ILogger<CopyPoller> log)
{
    public async Task<PollReport> RunAsync(CancellationToken cancellationToken)
    {
        var report = new PollReport();
        foreach (var region in policy.Destinations.Select(d => d.Region))
        {
            try
            {
                await CheckCopiesAsync(region, report, cancellationToken);
                await RepeatStaleClaimsAsync(region, report, cancellationToken);
                await StartWaitingAsync(region, report, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One region's trouble must not stop the others; the run still ends in error so it is seen.
                log.LogError(e, "Polling {Destination} failed", region);
                report.Errors.Add($"{region}: {e.Message}");
            }
        }

        return report;
    }

    private async Task CheckCopiesAsync(string region, PollReport report, CancellationToken cancellationToken)
    {
        var copying = await store.ListActiveAsync(region, CopyJobState.Copying, options.PageSize, cancellationToken);
        foreach (var batch in copying.Chunk(options.DescribeBatchSize))
        {
            var found = await images.DescribeImagesAsync(region, batch.Select(j => j.TargetImageId!).ToList(), cancellationToken);
            foreach (var job in batch)
            {
                await AdvanceAsync(job, found.GetValueOrDefault(job.TargetImageId!), report, cancellationToken);
            }
        }
    }

    private async Task AdvanceAsync(CopyJob job, ImageInfo? target, PollReport report, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        switch (target?.State)
        {
            case null when now - job.CopyStartedAt < options.TargetNotFoundGrace:
            case ImageState.Pending or ImageState.Transient:
                report.StillCopying++;
                return;
            case ImageState.Available:
                await FinishAsync(job, target, report, cancellationToken);
                return;
            case ImageState.Failed or ImageState.Invalid or ImageState.Error:
                await RetryOrFailAsync(job, $"copy {job.TargetImageId} {target.State.ToString().ToLowerInvariant()}: {target.StateReason ?? "no reason given"}", report, cancellationToken);
                return;
            default:
                var what = target is null ? "no longer exists" : $"is {target.State.ToString().ToLowerInvariant()}";
                await MoveAsync(job, job.MoveTo(CopyJobState.Failed, now) with
                {
                    CompletedAt = now,
                    LastError = $"target {job.TargetImageId} {what} (deregistered by someone?); the copy was abandoned",
                }, cancellationToken);
                report.Failed++;
                return;
        }
    }

    private async Task FinishAsync(CopyJob job, ImageInfo target, PollReport report, CancellationToken cancellationToken)
    {
        var region = job.Key.DestinationRegion;
        var notes = new List<string>();
        var source = await images.DescribeImageAsync(job.Key.SourceRegion, job.Key.SourceImageId, cancellationToken);
        if (source is null)
        {
            notes.Add("source AMI no longer exists: launch permissions and deprecation could not be copied");
        }
        else
        {
            var permissions = await images.GetLaunchPermissionsAsync(job.Key.SourceRegion, job.Key.SourceImageId, cancellationToken);
            await ApplyLaunchPermissionsAsync(region, target.ImageId, permissions, notes, cancellationToken);
            if (source.DeprecationTime is { } deprecateAt && target.DeprecationTime != deprecateAt)
            {
                await images.EnableDeprecationAsync(region, target.ImageId, deprecateAt, cancellationToken);
            }
        }

        var missingTags = job.Tags
            .Where(t => !target.Tags.TryGetValue(t.Key, out var value) || value != t.Value)
            .ToDictionary(t => t.Key, t => t.Value);
        if (missingTags.Count > 0)
        {
            await images.CreateTagsAsync(region, [target.ImageId, .. target.Snapshots.Select(s => s.SnapshotId)], missingTags, cancellationToken);
        }

        var now = clock.GetUtcNow();
        var finished = notes.Aggregate(job, (j, note) => j.WithNote(note));
        if (await MoveAsync(job, finished.MoveTo(CopyJobState.Available, now) with { CompletedAt = now, LastError = null }, cancellationToken))
        {
            log.LogInformation("{Job} is available as {TargetImageId}", job.Key, target.ImageId);
            report.Finished++;
        }
    }

    private async Task ApplyLaunchPermissionsAsync(string region, string imageId, IReadOnlyList<LaunchPermission> permissions, List<string> notes, CancellationToken cancellationToken)
    {
        if (permissions.Count == 0)
        {
            return;
        }

        try
        {
            await images.AddLaunchPermissionsAsync(region, imageId, permissions, cancellationToken);
        }
        catch (ImageServiceException e) when (e.Kind == Ec2ErrorKind.Refused && permissions.Contains(LaunchPermission.Public))
        {
            // Block public access for AMIs refuses Group=all; share the rest and record it rather than loop.
            notes.Add($"public launch permission (group all) refused in {region}: {e.Message}");
            var shared = permissions.Where(p => p != LaunchPermission.Public).ToList();
            if (shared.Count > 0)
            {
                await images.AddLaunchPermissionsAsync(region, imageId, shared, cancellationToken);
            }
        }
    }

    private async Task RetryOrFailAsync(CopyJob job, string reason, PollReport report, CancellationToken cancellationToken)
    {
        // A failed image keeps its name (a retry would meet InvalidAMIName.Duplicate) and its partial snapshots: remove it first.
        await images.DeregisterImageAsync(job.Key.DestinationRegion, job.TargetImageId!, cancellationToken);
        var now = clock.GetUtcNow();
        if (job.Attempt < policy.Retries.MaxAttempts)
        {
            var retry = job.MoveTo(CopyJobState.Waiting, now) with
            {
                Attempt = job.Attempt + 1,
                TargetImageId = null,
                ClaimedAt = null,
                CopyStartedAt = null,
                NotBefore = now + policy.Retries.DelayAfter(job.Attempt),
                LastError = reason,
            };
            if (await MoveAsync(job, retry.WithNote($"attempt {job.Attempt} failed: {reason}"), cancellationToken))
            {
                log.LogWarning("{Job} attempt {Attempt} failed ({Reason}); retrying after {NotBefore}", job.Key, job.Attempt, reason, retry.NotBefore);
                report.Retried++;
            }

            return;
        }

        if (await MoveAsync(job, job.MoveTo(CopyJobState.Failed, now) with { CompletedAt = now, LastError = $"{reason} (after {job.Attempt} attempts)" }, cancellationToken))
        {
            log.LogError("{Job} failed for good after {Attempt} attempts: {Reason}", job.Key, job.Attempt, reason);
            report.Failed++;
        }
    }

    private async Task RepeatStaleClaimsAsync(string region, PollReport report, CancellationToken cancellationToken)
    {
        var claimed = await store.ListActiveAsync(region, CopyJobState.Claimed, options.PageSize, cancellationToken);
        foreach (var job in claimed.Where(j => clock.GetUtcNow() - j.UpdatedAt >= options.StaleClaimAfter))
        {
            log.LogWarning("Repairing {Job}: claimed at {ClaimedAt} but never recorded as copying; calling CopyImage again with its token", job.Key, job.ClaimedAt);
            await starter.CallCopyImageAsync(job, cancellationToken);
            report.Repaired++;
        }
    }

    private async Task StartWaitingAsync(string region, PollReport report, CancellationToken cancellationToken)
    {
        var waiting = await store.ListActiveAsync(region, CopyJobState.Waiting, options.PageSize, cancellationToken);
        var fullSources = new HashSet<string>(StringComparer.Ordinal);
        foreach (var job in waiting)
        {
            if (job.NotBefore > clock.GetUtcNow() || fullSources.Contains(job.Key.SourceRegion))
            {
                continue;
            }

            switch (await starter.TryStartAsync(job, cancellationToken))
            {
                case TransitionStatus.Applied:
                    report.Started++;
                    break;
                case TransitionStatus.DestinationFull:
                    return;
                case TransitionStatus.PairFull:
                    fullSources.Add(job.Key.SourceRegion);
                    break;
            }
        }
    }

    private async Task<bool> MoveAsync(CopyJob from, CopyJob to, CancellationToken cancellationToken)
    {
        var result = await store.TransitionAsync(from, to, policy.BudgetFor(from.Key.DestinationRegion), cancellationToken);
        if (!result.Applied)
        {
            log.LogInformation("{Job} was moved on by another worker ({Status}); skipped", from.Key, result.Status);
        }

        return result.Applied;
    }
}

/// <summary>What one poller run did.</summary>
public sealed class PollReport
{
    public int StillCopying { get; set; }
    public int Finished { get; set; }
    public int Retried { get; set; }
    public int Failed { get; set; }
    public int Repaired { get; set; }
    public int Started { get; set; }
    public List<string> Errors { get; } = [];

    public override string ToString() =>
        $"finished {Finished}, still copying {StillCopying}, started {Started}, retried {Retried}, failed {Failed}, repaired {Repaired}, errors {Errors.Count}";
}

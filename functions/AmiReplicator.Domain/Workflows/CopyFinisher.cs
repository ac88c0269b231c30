using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Domain.Workflows;

/// <summary>
/// Moves a copying job on from what EC2 says of its target: finishes an available copy (launch permissions, tags,
/// deprecation, then AVAILABLE and the slots released), retries or fails a failed one, and abandons one that is gone.
/// Every step can be repeated: a worker that dies half way leaves the job COPYING and the next pass does it again.
/// </summary>
public sealed class CopyFinisher(
    ICopyJobStore store,
    IImageGateway images,
    ReplicationPolicy policy,
    PollerOptions options,
    TimeProvider clock,
    ILogger<CopyFinisher> log)
{
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
                return await RetryOrFailAsync(job, $"copy {job.TargetImageId} {target.State.ToString().ToLowerInvariant()}: {target.StateReason ?? "no reason given"}", cancellationToken);
            default:
                var what = target is null ? "no longer exists" : $"is {target.State.ToString().ToLowerInvariant()}";
                var abandoned = await MoveAsync(job, job.MoveTo(CopyJobState.Failed, now) with
                {
                    CompletedAt = now,
                    LastError = $"target {job.TargetImageId} {what} (deregistered by someone?); the copy was abandoned",
                }, cancellationToken);
                return abandoned ? CopyOutcome.Failed : CopyOutcome.Skipped;
        }
    }

    private async Task<CopyOutcome> FinishAsync(CopyJob job, ImageInfo target, CancellationToken cancellationToken)
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
        if (!await MoveAsync(job, finished.MoveTo(CopyJobState.Available, now) with { CompletedAt = now, LastError = null }, cancellationToken))
        {
            return CopyOutcome.Skipped;
        }

        log.LogInformation("{Job} is available as {TargetImageId}", job.Key, target.ImageId);
        return CopyOutcome.Finished;
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

    private async Task<CopyOutcome> RetryOrFailAsync(CopyJob job, string reason, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (job.Attempt < policy.Retries.MaxAttempts)
        {
            var retry = job.MoveTo(CopyJobState.Waiting, now) with
            {
                Attempt = job.Attempt + 1,
                TargetImageId = null,
                FailedImageId = job.TargetImageId,
                ClaimedAt = null,
                CopyStartedAt = null,
                NotBefore = now + policy.Retries.DelayAfter(job.Attempt),
                LastError = reason,
            };
            if (!await MoveAsync(job, retry.WithNote($"attempt {job.Attempt} failed: {reason}"), cancellationToken))
            {
                return CopyOutcome.Skipped;
            }

            log.LogWarning("{Job} attempt {Attempt} failed ({Reason}); retrying after {NotBefore}", job.Key, job.Attempt, reason, retry.NotBefore);
            return CopyOutcome.Retried;
        }

        // Nothing will retry it: remove the failed image now rather than leave it and its partial snapshots behind.
        await images.DeregisterImageAsync(job.Key.DestinationRegion, job.TargetImageId!, cancellationToken);
        if (!await MoveAsync(job, job.MoveTo(CopyJobState.Failed, now) with { CompletedAt = now, LastError = $"{reason} (after {job.Attempt} attempts)" }, cancellationToken))
        {
            return CopyOutcome.Skipped;
        }

        log.LogError("{Job} failed for good after {Attempt} attempts: {Reason}", job.Key, job.Attempt, reason);
        return CopyOutcome.Failed;
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

public enum CopyOutcome
{
    StillCopying,
    Finished,
    Retried,
    Failed,

    /// <summary>Another worker moved the job first.</summary>
    Skipped,
}

using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Domain.Workflows;

/// <summary>Starts a waiting copy: takes its slots, calls CopyImage, records the target image.</summary>
public sealed class CopyStarter(
    ICopyJobStore store,
    IImageGateway images,
    ReplicationPolicy policy,
    TimeProvider clock,
    ILogger<CopyStarter> log)
{
    /// <summary>How long a job waits after EC2 answered ResourceLimitExceeded (the account's limit is shared with other tools).</summary>
    public static readonly TimeSpan BackPressureDelay = TimeSpan.FromMinutes(1);

    /// <summary>Claims the job's slots and starts its copy; answers why not when there is no free slot or the job moved on.</summary>
    public async Task<TransitionStatus> TryStartAsync(CopyJob waiting, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var claimed = waiting.MoveTo(CopyJobState.Claimed, now) with { ClaimedAt = now, NotBefore = null };
        var claim = await store.TransitionAsync(waiting, claimed, policy.BudgetFor(waiting.Key.DestinationRegion), cancellationToken);
        if (claim.Applied)
        {
            await CallCopyImageAsync(claim.Job!, cancellationToken);
        }

        return claim.Status;
    }

    /// <summary>
    /// Calls CopyImage for a job that holds its slots and records what EC2 answered. Safe to repeat for the same
    /// attempt: the ClientToken is the same, so EC2 answers the image it already started.
    /// </summary>
    public async Task<CopyJob?> CallCopyImageAsync(CopyJob claimed, CancellationToken cancellationToken)
    {
        var key = claimed.Key;
        string targetImageId;
        try
        {
            if (claimed.FailedImageId is { } failed)
            {
                // The previous attempt's failed image still holds the name the new copy needs.
                await images.DeregisterImageAsync(key.DestinationRegion, failed, cancellationToken);
            }

            targetImageId = await images.CopyImageAsync(
                new CopyImageCommand(key.DestinationRegion, key.SourceRegion, key.SourceImageId, claimed.Name,
                    claimed.Description, claimed.Encrypt, claimed.KmsKeyId, claimed.ClientToken, claimed.Tags),
                cancellationToken);
        }
        catch (ImageServiceException e) when (e.Kind == Ec2ErrorKind.LimitExceeded)
        {
            var now = clock.GetUtcNow();
            log.LogWarning("EC2 copy limit reached in {Destination}; {Job} gives its slots back and waits", key.DestinationRegion, key);
            return await RecordAsync(claimed, claimed.MoveTo(CopyJobState.Waiting, now) with
            {
                ClaimedAt = null,
                NotBefore = now + BackPressureDelay,
                LastError = $"back-pressure: {e.Message}",
            }, cancellationToken);
        }
        catch (ImageServiceException e) when (e.Kind == Ec2ErrorKind.Transient)
        {
            // Whether EC2 started the copy is unknown: keep the slots, the reconciler repeats the call with the same token.
            log.LogWarning("CopyImage for {Job} failed transiently ({Error}); it will be repeated", key, e.Message);
            return await RecordAsync(claimed, claimed with { UpdatedAt = clock.GetUtcNow(), LastError = e.Message }, cancellationToken);
        }
        catch (ImageServiceException e)
        {
            var now = clock.GetUtcNow();
            log.LogError("EC2 refused to copy {Job}: {Error}", key, e.Message);
            return await RecordAsync(claimed, claimed.MoveTo(CopyJobState.Failed, now) with
            {
                CompletedAt = now,
                LastError = $"CopyImage refused: {e.Message}",
            }, cancellationToken);
        }

        var started = clock.GetUtcNow();
        log.LogInformation("Copy of {Job} started as {TargetImageId} (attempt {Attempt})", key, targetImageId, claimed.Attempt);
        return await RecordAsync(claimed, claimed.MoveTo(CopyJobState.Copying, started) with
        {
            TargetImageId = targetImageId,
            FailedImageId = null,
            CopyStartedAt = started,
            LastError = null,
        }, cancellationToken);
    }

    /// <summary>
    /// Starts waiting jobs of a destination, oldest first, until its budget is used up; answers how many started and
    /// when the oldest job left waiting was created.
    /// </summary>
    public async Task<(int Started, DateTimeOffset? OldestWaiting)> StartWaitingAsync(string destinationRegion, int pageSize, CancellationToken cancellationToken)
    {
        var waiting = await store.ListActiveAsync(destinationRegion, CopyJobState.Waiting, pageSize, cancellationToken);
        var fullSources = new HashSet<string>(StringComparer.Ordinal);
        var started = 0;
        DateTimeOffset? oldestLeft = null;
        var destinationFull = false;
        foreach (var job in waiting)
        {
            if (destinationFull || job.NotBefore > clock.GetUtcNow() || fullSources.Contains(job.Key.SourceRegion))
            {
                oldestLeft ??= job.CreatedAt;
                continue;
            }

            switch (await TryStartAsync(job, cancellationToken))
            {
                case TransitionStatus.Applied:
                    started++;
                    break;
                case TransitionStatus.DestinationFull:
                    destinationFull = true;
                    oldestLeft ??= job.CreatedAt;
                    break;
                case TransitionStatus.PairFull:
                    fullSources.Add(job.Key.SourceRegion);
                    oldestLeft ??= job.CreatedAt;
                    break;
            }
        }

        return (started, oldestLeft);
    }

    private async Task<CopyJob?> RecordAsync(CopyJob from, CopyJob to, CancellationToken cancellationToken)
    {
        var result = await store.TransitionAsync(from, to, policy.BudgetFor(from.Key.DestinationRegion), cancellationToken);
        if (!result.Applied)
        {
            // Another worker (a duplicate delivery, the reconciler) recorded this attempt first; its record stands.
            log.LogInformation("{Job} was moved on by another worker ({Status}); nothing recorded", from.Key, result.Status);
        }

        return result.Job;
    }
}

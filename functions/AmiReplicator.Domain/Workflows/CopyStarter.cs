using AmiReplicator.Contract;
using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Observability;
using AmiReplicator.Domain.Policy;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Domain.Workflows;

/// <summary>Starts a waiting copy: takes its slots, calls CopyImage, records the target image (or why there is none).</summary>
public sealed class CopyStarter(
    ICopyJobStore store,
    IImageGateway images,
    ReplicationPolicy policy,
    JobSteps steps,
    CounterReconciler counters,
    IMetrics metrics,
    TimeProvider clock,
    ILogger<CopyStarter> log)
{
    /// <summary>How long a destination backs off after EC2 answered ResourceLimitExceeded (the account's limit is shared with other tools).</summary>
    public static readonly TimeSpan BackPressureDelay = TimeSpan.FromMinutes(1);

    /// <summary>Claims the job's slots and starts its copy; answers whether EC2 accepted it, or why not.</summary>
    public async Task<StartOutcome> TryStartAsync(CopyJob waiting, CancellationToken cancellationToken)
    {
        var claim = await ClaimAsync(waiting, cancellationToken);
        if (claim.Status == TransitionStatus.CounterMissing)
        {
            // A counter a person deleted (or one never made) is rebuilt from the jobs holding its slots before any claim passes.
            foreach (var scope in SlotScope.HeldBy(waiting.Key))
            {
                await counters.RebuildAsync(scope, cancellationToken);
            }

            claim = await ClaimAsync(waiting, cancellationToken);
        }

        return claim.Status switch
        {
            TransitionStatus.Applied => await CallCopyImageAsync(claim.Job!, cancellationToken),
            TransitionStatus.Conflict => StartOutcome.MovedOn,
            TransitionStatus.PairFull => StartOutcome.PairFull,
            TransitionStatus.BackingOff => StartOutcome.BackingOff,
            _ => StartOutcome.DestinationFull,
        };
    }

    private Task<TransitionResult> ClaimAsync(CopyJob waiting, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var claimed = waiting.MoveTo(CopyJobState.Claimed, now) with { ClaimedAt = now, NotBefore = null };
        return store.TransitionAsync(waiting, claimed, policy.BudgetFor(waiting.Key.DestinationRegion), cancellationToken);
    }

    /// <summary>
    /// Calls CopyImage for a job that holds its slots and records what EC2 answered. Safe to repeat for the same attempt: the
    /// ClientToken is the same, so EC2 answers the image it already started.
    /// </summary>
    public Task<StartOutcome> CallCopyImageAsync(CopyJob claimed, CancellationToken cancellationToken) =>
        Guarded(claimed, async () =>
        {
            var key = claimed.Key;
            string targetImageId;
            try
            {
                if (claimed.ImageToRemove is { } failed)
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
                return await BackOffAsync(claimed, e, cancellationToken);
            }
            catch (ImageServiceException e) when (e.Kind == Ec2ErrorKind.Transient)
            {
                // Whether EC2 started the copy is unknown: keep the slots, the reconciler repeats the call with the same token.
                log.LogWarning("CopyImage for {Job} failed transiently ({Error}); it will be repeated", key, e.Message);
                return await steps.RecordFailureAsync(claimed, JobStep.StartCopy, e, detail: null, (j, why) => GiveUpAsync(j, why, cancellationToken), StartOutcome.StepFailed, cancellationToken);
            }
            catch (ImageServiceException e) when (e.Kind == Ec2ErrorKind.NameTaken)
            {
                return await OnNameTakenAsync(claimed, e, cancellationToken);
            }
            catch (ImageServiceException e)
            {
                log.LogError("EC2 refused to copy {Job}: {Error}", key, e.Message);
                return await EndAsync(claimed, $"CopyImage refused: {e.Message}", cancellationToken) ? StartOutcome.Ended : StartOutcome.MovedOn;
            }

            return await RecordCopyingAsync(claimed, targetImageId, note: null, cancellationToken);
        }, cancellationToken);

    /// <summary>
    /// Starts waiting jobs of a destination, oldest first, until its budget is used up or EC2 pushes back; answers how many EC2
    /// accepted and the jobs left waiting.
    /// </summary>
    public async Task<(int Started, IReadOnlyList<CopyJob> LeftWaiting)> StartWaitingAsync(string destinationRegion, int pageSize, CancellationToken cancellationToken)
    {
        var waiting = await store.ListActiveAsync(destinationRegion, CopyJobState.Waiting, pageSize, cancellationToken);
        var fullSources = new HashSet<string>(StringComparer.Ordinal);
        var started = 0;
        var leftWaiting = new List<CopyJob>();
        var stop = false;
        foreach (var job in waiting)
        {
            if (stop || job.NotBefore > clock.GetUtcNow() || fullSources.Contains(job.Key.SourceRegion))
            {
                leftWaiting.Add(job);
                continue;
            }

            switch (await TryStartAsync(job, cancellationToken))
            {
                case StartOutcome.Started:
                    started++;
                    break;
                case StartOutcome.PairFull:
                    fullSources.Add(job.Key.SourceRegion);
                    leftWaiting.Add(job);
                    break;
                case StartOutcome.DestinationFull or StartOutcome.BackingOff or StartOutcome.BackPressure:
                    // No free slot, or EC2 is at its limit: no further CopyImage into this destination in this pass.
                    stop = true;
                    leftWaiting.Add(job);
                    break;
                case StartOutcome.StepFailed:
                    leftWaiting.Add(job);
                    break;
            }
        }

        return (started, leftWaiting);
    }

    private Task<StartOutcome> Guarded(CopyJob claimed, Func<Task<StartOutcome>> action, CancellationToken cancellationToken) =>
        steps.RunAsync(claimed, JobStep.StartCopy, action, (j, why) => GiveUpAsync(j, why, cancellationToken), StartOutcome.StepFailed, cancellationToken);

    private async Task<StartOutcome> BackOffAsync(CopyJob claimed, ImageServiceException e, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var key = claimed.Key;
        log.LogWarning("EC2 copy limit reached in {Destination}; {Job} gives its slots back and the destination backs off until {Until}",
            key.DestinationRegion, key, now + BackPressureDelay);
        metrics.Record(ReplicatorMetrics.BackPressure, 1, key.DestinationRegion);
        await store.BackOffAsync(key.DestinationRegion, now + BackPressureDelay, cancellationToken);
        // Still waiting for the same attempt: WaitingSince stays, so the waiting-time metric shows the whole wait.
        await RecordAsync(claimed, claimed.MoveTo(CopyJobState.Waiting, now) with
        {
            ClaimedAt = null,
            LastError = $"back-pressure: {e.Message}",
        }, cancellationToken);
        return StartOutcome.BackPressure;
    }

    /// <summary>
    /// Another image of the account holds the name. If it is this job's own copy (its record was lost, or the answer to an
    /// earlier call), it is adopted; otherwise the copy takes the disambiguated name. Anything else ends the job.
    /// </summary>
    private async Task<StartOutcome> OnNameTakenAsync(CopyJob claimed, ImageServiceException e, CancellationToken cancellationToken)
    {
        var key = claimed.Key;
        var holder = await images.FindOwnImageByNameAsync(key.DestinationRegion, claimed.Name, cancellationToken);
        if (holder is not null && IsCopyFor(holder, key))
        {
            log.LogWarning("{Job}: the name {Name} is held by {ImageId}, a copy of the same source: adopting it", key, claimed.Name, holder.ImageId);
            return await RecordCopyingAsync(claimed, holder.ImageId,
                $"adopted {holder.ImageId} ({holder.State.ToString().ToLowerInvariant()}), a copy of this source that already held the name", cancellationToken);
        }

        var renamed = CopyTemplates.DisambiguatedName(claimed.Name, key);
        if (renamed == claimed.Name)
        {
            return await EndAsync(claimed, $"CopyImage refused: the name {claimed.Name} is held by {holder?.ImageId ?? "another image"}, "
                + $"which is not a copy of {key.SourceImageId}: {e.Message}", cancellationToken) ? StartOutcome.Ended : StartOutcome.MovedOn;
        }

        log.LogWarning("{Job}: the name {Name} is held by {ImageId}; copying as {Renamed}", key, claimed.Name, holder?.ImageId, renamed);
        var recorded = await RecordAsync(claimed, claimed.WithNote($"the name {claimed.Name} was held by {holder?.ImageId ?? "another image"}; copied as {renamed}")
            with
        { Name = renamed, UpdatedAt = clock.GetUtcNow() }, cancellationToken);
        return recorded.Applied ? await CallCopyImageAsync(recorded.Job!, cancellationToken) : StartOutcome.MovedOn;
    }

    /// <summary>An image EC2 made by copying this job's source: by its provenance tags, or by the source EC2 records on it.</summary>
    public static bool IsCopyFor(ImageInfo image, CopyJobKey key) =>
        image.Tags.TryGetValue(ProvenanceTags.SourceImageId, out var sourceImageId)
            ? sourceImageId == key.SourceImageId && image.Tags.GetValueOrDefault(ProvenanceTags.SourceRegion) == key.SourceRegion
            : image.CopiedFromImageId == key.SourceImageId && image.CopiedFromRegion == key.SourceRegion;

    private async Task<StartOutcome> RecordCopyingAsync(CopyJob claimed, string targetImageId, string? note, CancellationToken cancellationToken)
    {
        var started = clock.GetUtcNow();
        var copying = claimed.MoveTo(CopyJobState.Copying, started) with
        {
            TargetImageId = targetImageId,
            ImageToRemove = null,
            CopyStartedAt = started,
            LastError = null,
        };
        if (!(await RecordAsync(claimed, note is null ? copying : copying.WithNote(note), cancellationToken)).Applied)
        {
            return StartOutcome.MovedOn;
        }

        log.LogInformation("Copy of {Job} started as {TargetImageId} (attempt {Attempt})", claimed.Key, targetImageId, claimed.Attempt);
        return StartOutcome.Started;
    }

    /// <summary>
    /// CopyImage kept failing for this claim. If EC2 did start the copy (an answer lost every time), the image with the job's
    /// name is adopted; otherwise the job ends FAILED and gives its slots back.
    /// </summary>
    private async Task<StartOutcome> GiveUpAsync(CopyJob job, string reason, CancellationToken cancellationToken)
    {
        if (job.State == CopyJobState.Claimed
            && await images.FindOwnImageByNameAsync(job.Key.DestinationRegion, job.Name, cancellationToken) is { } image
            && IsCopyFor(image, job.Key))
        {
            return await RecordCopyingAsync(job, image.ImageId, $"adopted {image.ImageId}, which CopyImage had started while its answers were lost", cancellationToken);
        }

        return await EndAsync(job, reason, cancellationToken) ? StartOutcome.Ended : StartOutcome.MovedOn;
    }

    private async Task<bool> EndAsync(CopyJob job, string reason, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        return (await RecordAsync(job, job.MoveTo(CopyJobState.Failed, now) with { CompletedAt = now, LastError = reason }, cancellationToken)).Applied;
    }

    private async Task<TransitionResult> RecordAsync(CopyJob from, CopyJob to, CancellationToken cancellationToken)
    {
        var result = await store.TransitionAsync(from, to, policy.BudgetFor(from.Key.DestinationRegion), cancellationToken);
        if (!result.Applied)
        {
            // Another worker (a duplicate delivery, the reconciler) recorded this attempt first; its record stands.
            log.LogInformation("{Job} was moved on by another worker ({Status}); nothing recorded", from.Key, result.Status);
        }

        return result;
    }
}

/// <summary>What trying to start a waiting job led to.</summary>
public enum StartOutcome
{
    /// <summary>EC2 accepted the copy (or the job adopted one it had already made).</summary>
    Started,

    /// <summary>Another worker moved the job first.</summary>
    MovedOn,

    /// <summary>The step raised an error, recorded on the job; the job waits or keeps its claim for the next pass.</summary>
    StepFailed,

    /// <summary>The job ended FAILED (EC2 refused the copy, or CopyImage kept failing).</summary>
    Ended,

    DestinationFull,
    PairFull,

    /// <summary>The destination backs off after an earlier ResourceLimitExceeded: no claim was made.</summary>
    BackingOff,

    /// <summary>EC2 answered ResourceLimitExceeded now: the job gave its slots back and the destination backs off.</summary>
    BackPressure,
}

using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Domain.Copying;

/// <summary>
/// Stops a job by hand, exactly: never a copy running without a slot or without a job. A waiting job ends at once; a copying one ends
/// with its copy deregistered (how a pending copy is stopped). A claimed job may have a CopyImage call in flight that no record names
/// yet: it is marked <see cref="CopyJob.CancelRequested"/> and keeps its slots (so no budget is exceeded meanwhile) until the copy that
/// call started is found and removed with its snapshots, or until no call can still start one (<see cref="CopyStarter.MaxCallInFlight"/>
/// after the last call began, and EC2's listing has had time to show it). The worker whose call answers first ends it the same way;
/// otherwise the poller settles it each pass.
/// </summary>
public sealed class CopyCanceller(ICopyJobStore store, DestinationImages destinations, CopyFinisher finisher, ReplicationPolicy policy, TrackingOptions options, TimeProvider clock,
    ILogger<CopyCanceller> log)
{
    /// <summary>Cancels the job with the reason; answers what became of it (the job as stored after, and whether it ended).</summary>
    public async Task<CancelOutcome> CancelAsync(CopyJob job, string reason, CancellationToken cancellationToken)
    {
        switch (job.State)
        {
            case CopyJobState.Waiting:
                return await EndedAsync(job, await finisher.CancelAsync(job, reason, cancellationToken), null, cancellationToken);
            case CopyJobState.Copying:
                return await EndedAsync(job, await finisher.CancelAsync(job with { ImageToRemove = job.TargetImageId }, reason, cancellationToken),
                    job.TargetImageId, cancellationToken);
            case CopyJobState.Claimed when job.CancelRequested is null:
                var requested = await store.TransitionAsync(job, job with { CancelRequested = reason, UpdatedAt = clock.GetUtcNow() },
                    policy.BudgetFor(job.Key.Destination), cancellationToken);
                if (requested is not { Applied: true, Job: { } marked })
                {
                    return new CancelOutcome(CancelStatus.MovedOn, await store.GetAsync(job.Key, cancellationToken) ?? job);
                }

                log.LogWarning("{Job}: cancel requested while claimed ({Reason}); it keeps its slots until the copy its CopyImage call may start is found or cannot appear",
                    job.Key, reason);
                return await SettledAsync(marked, cancellationToken);
            case CopyJobState.Claimed:
                return await SettledAsync(job, cancellationToken);
            default:
                return new CancelOutcome(CancelStatus.AlreadyEnded, job);
        }
    }

    /// <summary>
    /// Ends a claim whose cancel was requested, once that is safe: with the copy its call started (deregistered with its snapshots)
    /// when EC2 shows one, or without one when no call can still start it. Until then it keeps its slots (<see cref="CopyOutcome.StillCopying"/>).
    /// </summary>
    public async Task<CopyOutcome> SettleAsync(CopyJob claimed, CancellationToken cancellationToken) => (await SettleClaimAsync(claimed, cancellationToken)).Outcome;

    /// <summary>As <see cref="SettleAsync"/>; also answers the copy removed with the job, if one was.</summary>
    private async Task<(CopyOutcome Outcome, string? Removed)> SettleClaimAsync(CopyJob claimed, CancellationToken cancellationToken)
    {
        var reason = claimed.CancelRequested ?? throw new InvalidOperationException($"{claimed.Key} has no cancel requested");
        // The previous attempt's failed image holds the job's name until the next call removes it: it is not this call's copy.
        if (await destinations.For(claimed.Key.Destination).FindOwnImageByNameAsync(claimed.Key.DestinationRegion, claimed.Name, cancellationToken) is { } image
            && image.ImageId != claimed.ImageToRemove && image.State != ImageState.Deregistered && CopyStarter.IsCopyFor(image, claimed.Key))
        {
            log.LogWarning("{Job}: the copy {TargetImageId} its cancelled claim started is removed with its snapshots", claimed.Key, image.ImageId);
            return (await finisher.CancelAsync(claimed with { ImageToRemove = image.ImageId }, $"{reason}; the copy {image.ImageId} it had started was removed", cancellationToken), image.ImageId);
        }

        return clock.GetUtcNow() < SettlesBy(claimed)
            ? (CopyOutcome.StillCopying, null)
            : (await finisher.CancelAsync(claimed, reason, cancellationToken), null);
    }

    /// <summary>When a cancelled claim whose copy EC2 never showed ends without one: no call started before can still start a copy then.</summary>
    public DateTimeOffset SettlesBy(CopyJob claimed) =>
        (claimed.CopyCalledAt ?? claimed.ClaimedAt ?? claimed.UpdatedAt) + CopyStarter.MaxCallInFlight + options.TargetNotFoundGrace;

    private async Task<CancelOutcome> EndedAsync(CopyJob job, CopyOutcome outcome, string? removed, CancellationToken cancellationToken) =>
        outcome == CopyOutcome.StillCopying
            ? new CancelOutcome(CancelStatus.Requested, job, null)
            : new CancelOutcome(outcome == CopyOutcome.Cancelled ? CancelStatus.Cancelled : CancelStatus.MovedOn, await store.GetAsync(job.Key, cancellationToken) ?? job,
                outcome == CopyOutcome.Cancelled ? removed : null);

    private async Task<CancelOutcome> SettledAsync(CopyJob claimed, CancellationToken cancellationToken)
    {
        var (outcome, removed) = await SettleClaimAsync(claimed, cancellationToken);
        return await EndedAsync(claimed, outcome, removed, cancellationToken);
    }
}

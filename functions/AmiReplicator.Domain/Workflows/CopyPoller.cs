using AmiReplicator.Contract;
using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Observability;
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

    /// <summary>Passes in a row a job's step may fail before the job is ended with what could not be done (about 10 minutes on the default schedule).</summary>
    public int MaxStepFailures { get; init; } = 10;
}

/// <summary>
/// The scheduled pass, per destination: confirms copies in flight and moves them on, repairs what dead workers left
/// (claims that never reached EC2, images left behind, counters that disagree with the jobs), then starts waiting work, or
/// cancels it where the destination has left the policy. Each part goes on when another fails, and within each part one
/// job's error stays with that job.
/// </summary>
public sealed class CopyPoller(
    ICopyJobStore store,
    IImageGateway images,
    CopyStarter starter,
    CopyFinisher finisher,
    CounterReconciler reconciler,
    JobSteps steps,
    ReplicationPolicy policy,
    PollerOptions options,
    IMetrics metrics,
    TimeProvider clock,
    ILogger<CopyPoller> log)
{
    public async Task<PollReport> RunAsync(CancellationToken cancellationToken)
    {
        var report = new PollReport();
        var counters = await store.ListCountersAsync(cancellationToken);
        foreach (var region in policy.Destinations.Select(d => d.Region)
            .Concat(counters.Select(c => c.Scope.DestinationRegion)).Distinct())
        {
            await PollDestinationAsync(region, counters, report, cancellationToken);
        }

        return report;
    }

    private async Task PollDestinationAsync(string region, IReadOnlyList<SlotCounter> counters, PollReport report, CancellationToken cancellationToken)
    {
        var backingOff = counters.Any(c => c.Scope == SlotScope.Destination(region) && c.BacksOffAt(clock.GetUtcNow()));
        IReadOnlyList<CopyJob> holding = [];
        await PartAsync(region, "checking copies", report, async () => holding = await CheckCopiesAsync(region, backingOff, report, cancellationToken));
        await PartAsync(region, "removing images left behind", report, () => CleanUpAsync(region, report, cancellationToken));
        await PartAsync(region, "reconciling counters", report, async () =>
            report.Repaired += await reconciler.ReconcileAsync(region, counters, holding, cancellationToken));
        var open = policy.FindOpenDestination(region) is not null;
        await PartAsync(region, open ? "starting waiting work" : "cancelling waiting work", report, async () =>
        {
            var leftWaiting = !open
                ? await CancelWaitingAsync(region, report, cancellationToken)
                : backingOff
                    ? await store.ListActiveAsync(region, CopyJobState.Waiting, options.PageSize, cancellationToken)
                    : await StartWaitingAsync(region, report, cancellationToken);
            var oldest = leftWaiting.Count == 0 ? (DateTimeOffset?)null : leftWaiting.Min(j => j.WaitingSinceOrCreated);
            metrics.Record(ReplicatorMetrics.OldestWaitingJobAge, oldest is { } since ? Math.Max(0, (clock.GetUtcNow() - since).TotalSeconds) : 0, region);
            metrics.Record(ReplicatorMetrics.WaitingJobs, leftWaiting.Count, region);
            if (report.OldestWaiting is null || oldest < report.OldestWaiting)
            {
                report.OldestWaiting = oldest;
            }
        });
    }

    /// <summary>One part of a destination's pass; its error is logged and reported, and the pass goes on with the next part.</summary>
    private async Task PartAsync(string region, string part, PollReport report, Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogError(e, "Polling {Destination}: {Part} failed", region, part);
            report.Errors.Add($"{region}: {part}: {e.Message}");
        }
    }

    /// <summary>Moves copying jobs on and repeats stale claims; answers the jobs that held a slot when listed.</summary>
    private async Task<IReadOnlyList<CopyJob>> CheckCopiesAsync(string region, bool backingOff, PollReport report, CancellationToken cancellationToken)
    {
        var copying = await store.ListActiveAsync(region, CopyJobState.Copying, options.PageSize, cancellationToken);
        foreach (var batch in copying.Chunk(options.DescribeBatchSize))
        {
            foreach (var (job, target) in await DescribeTargetsAsync(region, batch, report, cancellationToken))
            {
                report.Count(await finisher.AdvanceAsync(job, target, cancellationToken));
            }
        }

        var claimed = await store.ListActiveAsync(region, CopyJobState.Claimed, options.PageSize, cancellationToken);
        // While the destination backs off, no CopyImage goes there: the claims keep their slots until it ends.
        foreach (var job in backingOff ? [] : claimed.Where(j => clock.GetUtcNow() - j.UpdatedAt >= options.StaleClaimAfter))
        {
            log.LogWarning("Repairing {Job}: claimed at {ClaimedAt} but never recorded as copying; calling CopyImage again with its token", job.Key, job.ClaimedAt);
            metrics.Record(ReplicatorMetrics.Repairs, 1, region);
            report.Repaired++;
            await starter.CallCopyImageAsync(job, cancellationToken);
        }

        return [.. copying, .. claimed];
    }

    /// <summary>
    /// The targets of a batch in one DescribeImages call. If the call fails, each job's target is read on its own, so that one
    /// bad job (a malformed id, say) holds back no other; a job whose read fails has that recorded and is left for the next pass.
    /// </summary>
    private async Task<IReadOnlyList<(CopyJob Job, ImageInfo? Target)>> DescribeTargetsAsync(string region, CopyJob[] batch, PollReport report, CancellationToken cancellationToken)
    {
        try
        {
            var found = await images.DescribeImagesAsync(region, batch.Select(j => j.TargetImageId!).ToList(), cancellationToken);
            return batch.Select(j => (j, found.GetValueOrDefault(j.TargetImageId!))).ToList();
        }
        catch (ImageServiceException e)
        {
            log.LogWarning("DescribeImages for {Count} copies in {Destination} failed ({Error}); reading them one by one", batch.Length, region, e.Message);
        }

        var described = new List<(CopyJob, ImageInfo?)>();
        foreach (var job in batch)
        {
            var read = await steps.RunAsync(job, JobStep.CheckCopy,
                async () => (Ok: true, Image: await images.DescribeImageAsync(region, job.TargetImageId!, cancellationToken)),
                async (j, why) =>
                {
                    report.Count(await finisher.EndAsync(j with { ImageToRemove = j.TargetImageId }, CopyJobState.Failed, why, cancellationToken));
                    return (Ok: false, Image: (ImageInfo?)null);
                },
                (Ok: false, Image: (ImageInfo?)null), cancellationToken);
            if (read.Ok)
            {
                described.Add((job, read.Image));
            }
        }

        return described;
    }

    private async Task CleanUpAsync(string region, PollReport report, CancellationToken cancellationToken)
    {
        foreach (var job in await store.ListToCleanUpAsync(region, options.PageSize, cancellationToken))
        {
            report.Count(await finisher.CleanUpAsync(job, cancellationToken));
        }
    }

    private async Task<IReadOnlyList<CopyJob>> StartWaitingAsync(string region, PollReport report, CancellationToken cancellationToken)
    {
        var (started, leftWaiting) = await starter.StartWaitingAsync(region, options.PageSize, cancellationToken);
        report.Started += started;
        return leftWaiting;
    }

    /// <summary>
    /// A destination draining, or no longer in the policy, starts no new copies: its waiting jobs end CANCELLED with the reason
    /// (its copies in flight are finished as usual). Asking for the copy again once the destination takes copies starts it over.
    /// </summary>
    private async Task<IReadOnlyList<CopyJob>> CancelWaitingAsync(string region, PollReport report, CancellationToken cancellationToken)
    {
        foreach (var job in await store.ListActiveAsync(region, CopyJobState.Waiting, options.PageSize, cancellationToken))
        {
            try
            {
                report.Count(await finisher.EndAsync(job, CopyJobState.Cancelled, policy.FindDestination(region) is null
                    ? $"destination {region} is no longer in the replication policy"
                    : $"destination {region} is draining (drain: true in the policy)", cancellationToken));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Only a write, and writes fail when the store does: the next pass cancels it.
                log.LogError(e, "Cancelling {Job} failed", job.Key);
                report.Errors.Add($"{region}: cancelling {job.Key}: {e.Message}");
            }
        }

        return [];
    }
}

/// <summary>What one poller run did.</summary>
public sealed class PollReport
{
    public int StillCopying { get; set; }
    public int Finished { get; set; }
    public int Retried { get; set; }
    public int Failed { get; set; }
    public int Cancelled { get; set; }
    public int CleanedUp { get; set; }
    public int StepFailures { get; set; }
    public int Repaired { get; set; }
    public int Started { get; set; }

    /// <summary>Since when the longest-waiting job left waiting after the pass has waited for its attempt (null: none waits).</summary>
    public DateTimeOffset? OldestWaiting { get; set; }

    public List<string> Errors { get; } = [];

    public void Count(CopyOutcome outcome)
    {
        switch (outcome)
        {
            case CopyOutcome.StillCopying: StillCopying++; break;
            case CopyOutcome.Finished: Finished++; break;
            case CopyOutcome.Retried: Retried++; break;
            case CopyOutcome.Failed: Failed++; break;
            case CopyOutcome.Cancelled: Cancelled++; break;
            case CopyOutcome.CleanedUp: CleanedUp++; break;
            case CopyOutcome.StepFailed: StepFailures++; break;
        }
    }

    public override string ToString() =>
        $"finished {Finished}, still copying {StillCopying}, started {Started}, retried {Retried}, failed {Failed}, cancelled {Cancelled}, "
        + $"cleaned up {CleanedUp}, step failures {StepFailures}, repaired {Repaired}, errors {Errors.Count}";
}

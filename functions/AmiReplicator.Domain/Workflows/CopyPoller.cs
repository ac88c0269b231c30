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
}

/// <summary>
/// The scheduled pass, per destination: confirms copies in flight and moves them on, repairs what dead workers left
/// (claims that never reached EC2, counters that disagree with the jobs), then starts waiting work.
/// </summary>
public sealed class CopyPoller(
    ICopyJobStore store,
    IImageGateway images,
    CopyStarter starter,
    CopyFinisher finisher,
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
            try
            {
                var holding = await CheckCopiesAsync(region, report, cancellationToken);
                await ReconcileCountersAsync(counters.Where(c => c.Scope.DestinationRegion == region), holding, report, cancellationToken);
                var (started, oldestWaiting) = await starter.StartWaitingAsync(region, options.PageSize, cancellationToken);
                report.Started += started;
                var age = oldestWaiting is { } oldest ? Math.Max(0, (clock.GetUtcNow() - oldest).TotalSeconds) : 0;
                metrics.Record(ReplicatorMetrics.OldestWaitingJobAge, age, region);
                if (report.OldestWaiting is null || oldestWaiting < report.OldestWaiting)
                {
                    report.OldestWaiting = oldestWaiting;
                }
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

    /// <summary>Moves copying jobs on and repeats stale claims; answers the jobs that held a slot when listed.</summary>
    private async Task<IReadOnlyList<CopyJob>> CheckCopiesAsync(string region, PollReport report, CancellationToken cancellationToken)
    {
        var copying = await store.ListActiveAsync(region, CopyJobState.Copying, options.PageSize, cancellationToken);
        foreach (var batch in copying.Chunk(options.DescribeBatchSize))
        {
            var found = await images.DescribeImagesAsync(region, batch.Select(j => j.TargetImageId!).ToList(), cancellationToken);
            foreach (var job in batch)
            {
                report.Count(await finisher.AdvanceAsync(job, found.GetValueOrDefault(job.TargetImageId!), cancellationToken));
            }
        }

        var claimed = await store.ListActiveAsync(region, CopyJobState.Claimed, options.PageSize, cancellationToken);
        foreach (var job in claimed.Where(j => clock.GetUtcNow() - j.UpdatedAt >= options.StaleClaimAfter))
        {
            log.LogWarning("Repairing {Job}: claimed at {ClaimedAt} but never recorded as copying; calling CopyImage again with its token", job.Key, job.ClaimedAt);
            await starter.CallCopyImageAsync(job, cancellationToken);
            report.Repaired++;
        }

        return [.. copying, .. claimed];
    }

    /// <summary>
    /// A counter must list exactly the jobs that hold its slots. The index the jobs were listed from lags, so every
    /// suspect is read again (consistently) and the repair is written only if that job has not changed since.
    /// </summary>
    private async Task ReconcileCountersAsync(IEnumerable<SlotCounter> counters, IReadOnlyList<CopyJob> listedHolding, PollReport report, CancellationToken cancellationToken)
    {
        foreach (var counter in counters)
        {
            var expected = listedHolding.Select(j => j.Key).Where(counter.Scope.Covers).ToHashSet();
            var suspects = counter.Holders.Except(expected).Concat(expected.Except(counter.Holders));
            var repaired = false;
            foreach (var key in suspects)
            {
                var job = await store.GetAsync(key, cancellationToken);
                var holds = job?.State.HoldsSlot() == true;
                if (holds == counter.Holders.Contains(key))
                {
                    continue;
                }

                if (await store.RepairHolderAsync(counter.Scope, key, job, cancellationToken))
                {
                    log.LogWarning("Repaired counter {Counter}: {Job} ({State}) {Change}", counter.Scope, key,
                        job?.State.ToString() ?? "no such job", holds ? "was missing from its holders" : "held a slot it should not");
                    report.Repaired++;
                    repaired = true;
                }
            }

            if (!repaired && counter.InFlight != counter.Holders.Count && await store.RepairInFlightAsync(counter, cancellationToken))
            {
                log.LogWarning("Repaired counter {Counter}: InFlight was {InFlight} for {Holders} holders", counter.Scope, counter.InFlight, counter.Holders.Count);
                report.Repaired++;
            }
        }
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

    /// <summary>When the oldest job still waiting after the pass was created (null: none waits).</summary>
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
        }
    }

    public override string ToString() =>
        $"finished {Finished}, still copying {StillCopying}, started {Started}, retried {Retried}, failed {Failed}, repaired {Repaired}, errors {Errors.Count}";
}

using AmiReplicator.Contract;
using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Lifecycle;
using AmiReplicator.Domain.Observability;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Domain.Slots;
using AmiReplicator.Domain.Sweep;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Domain.Copying;

/// <summary>
/// The scheduled pass, per destination: confirms copies in flight and moves them on, repairs what dead workers left
/// (claims that never reached EC2, images left behind, counters that disagree with the jobs), then starts waiting work, or
/// cancels it where the destination has left the policy. Each part goes on when another fails, and within each part one
/// job's error stays with that job.
/// </summary>
public sealed class CopyPoller(
    ICopyJobStore store,
    DestinationImages destinations,
    CopyStarter starter,
    CopyFinisher finisher,
    CopyCanceller canceller,
    CounterReconciler reconciler,
    JobSteps steps,
    SourceSweep? sweep,
    ReplicationPolicy policy,
    TrackingOptions options,
    IMetrics metrics,
    TimeProvider clock,
    ILogger<CopyPoller> log,
    CopyRetention? retention = null,
    LifecycleFollower? follower = null,
    DistributionProgress? distributions = null)
{
    public async Task<PollReport> RunAsync(CancellationToken cancellationToken)
    {
        var report = new PollReport();
        var slots = new SlotView(await store.ListCountersAsync(cancellationToken), policy);
        foreach (var destination in slots.Destinations.ToList())
        {
            await PollDestinationAsync(destination, slots, report, cancellationToken);
        }

        if (distributions is not null)
        {
            // After the copies were checked: a distribution whose last copy ended in this pass has its event sent in this pass.
            await PartAsync("distributions", "following distributions", report, async () =>
                report.DistributionsInspected += await distributions.InspectDueAsync(cancellationToken));
        }

        if (sweep is not null)
        {
            // Each region swept is followed at once: the copies made from it follow what changed of their sources.
            await PartAsync("source regions", "sweeping", report, async () => report.Swept += await sweep.RunIfDueAsync(
                region => follower?.FollowAsync(region, cancellationToken) ?? Task.CompletedTask, cancellationToken));
        }

        if (retention is not null)
        {
            await PartAsync("destinations", "retention", report, async () => report.RemovedByRetention += await retention.RunIfDueAsync(cancellationToken));
        }

        return report;
    }

    private async Task PollDestinationAsync(CopyDestination destination, SlotView slots, PollReport report, CancellationToken cancellationToken)
    {
        var where = destination.ToString();
        if (destination.Account is { } account && policy.FindDestination(destination) is null && policy.TargetList.HasLeft(account))
        {
            await PartAsync(where, "ending the jobs of an account that left its target", report, () => EndRemovedTargetAsync(destination, slots, report, cancellationToken));
            return;
        }

        IReadOnlyList<CopyJob> active = [];
        await PartAsync(where, "checking copies", report, async () =>
        {
            active = await store.ListActiveAsync(destination, options.PageSize, cancellationToken);
            await CheckCopiesAsync(destination, active.Where(j => j.State == CopyJobState.Copying).ToList(), slots, report, cancellationToken);
        });
        await PartAsync(where, "repairing claims", report, () =>
            RepairClaimsAsync(destination, active.Where(j => j.State == CopyJobState.Claimed).ToList(), slots, report, cancellationToken));
        await PartAsync(where, "removing images left behind", report, async () =>
        {
            foreach (var job in active.Where(j => j.State.IsTerminal()))
            {
                report.Count(await finisher.CleanUpAsync(job, cancellationToken));
            }
        });
        await PartAsync(where, "reconciling counters", report, async () =>
        {
            var repairs = await reconciler.ReconcileAsync(destination, slots.Counters, [.. active.Where(j => j.State.HoldsSlot())], cancellationToken);
            if (repairs > 0)
            {
                // Start waiting work from the counters as repaired, not as they were read.
                slots.Update((await store.ListCountersAsync(cancellationToken)).Where(c => c.Scope.Destination == destination));
                report.Repaired += repairs;
            }
        });

        var open = policy.FindOpenDestination(destination) is not null;
        await PartAsync(where, open ? "starting waiting work" : "cancelling waiting work", report, async () =>
        {
            if (open)
            {
                report.Started += (await starter.StartWaitingAsync(destination, slots, [], cancellationToken)).Count;
            }
            else
            {
                await CancelWaitingAsync(destination, slots, report, cancellationToken);
            }
        });

        // The metrics are per region: a target account's destination is not mixed into the home account's (per-account metrics are not built yet).
        if (!destination.IsHome)
        {
            return;
        }

        // Every few minutes, not every pass: the count reads each pair's whole backlog from the index. Each in its own part, so
        // one that fails leaves the other published (and both are published while starting waiting work fails).
        if (IsOldestWaitingDue(destination))
        {
            await PartAsync(where, "measuring the oldest waiting job", report, async () =>
            {
                // Claims kept under back-pressure wait for EC2 as much as waiting jobs do.
                var oldest = active.Where(j => j is { State: CopyJobState.Claimed, NotBefore: not null }).Select(j => (DateTimeOffset?)j.WaitingSinceOrCreated)
                    .Append(await starter.OldestWaitingAsync(destination, slots, cancellationToken))
                    .Min();
                metrics.Record(ReplicatorMetrics.OldestWaitingJobAge, oldest is { } since ? Math.Max(0, (clock.GetUtcNow() - since).TotalSeconds) : 0, destination.Region);
                if (report.OldestWaiting is null || oldest < report.OldestWaiting)
                {
                    report.OldestWaiting = oldest;
                }
            });
            await PartAsync(where, "counting waiting jobs", report, async () =>
            {
                var waiting = 0;
                foreach (var source in slots.SourcesOf(destination))
                {
                    waiting += await store.CountWaitingAsync(destination, source, cancellationToken);
                }

                metrics.Record(ReplicatorMetrics.JobsWaiting, waiting, destination.Region);
            });
        }

        metrics.Record(ReplicatorMetrics.CopiesInFlight, slots.InFlight(destination), destination.Region);
        metrics.Record(ReplicatorMetrics.InFlightBudget, policy.BudgetFor(destination).MaxInFlight, destination.Region);
    }

    private readonly Dictionary<CopyDestination, DateTimeOffset> _oldestWaitingPublished = [];

    private bool IsOldestWaitingDue(CopyDestination destination)
    {
        var now = clock.GetUtcNow();
        lock (_oldestWaitingPublished)
        {
            if (_oldestWaitingPublished.TryGetValue(destination, out var last) && now - last < options.OldestWaitingEvery)
            {
                return false;
            }

            _oldestWaitingPublished[destination] = now;
            return true;
        }
    }

    /// <summary>One part of a destination's pass; its error is logged and reported, and the pass goes on with the next part.</summary>
    private async Task PartAsync(string where, string part, PollReport report, Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogError(e, "Polling {Destination}: {Part} failed", where, part);
            report.Errors.Add($"{where}: {part}: {e.Message}");
        }
    }

    /// <summary>Moves copying jobs on from what EC2 says of their targets; the slots they give back are free for waiting work.</summary>
    private async Task CheckCopiesAsync(CopyDestination destination, IReadOnlyList<CopyJob> copying, SlotView slots, PollReport report, CancellationToken cancellationToken)
    {
        foreach (var batch in copying.Chunk(options.DescribeBatchSize))
        {
            foreach (var (job, target) in await DescribeTargetsAsync(destination, batch, report, cancellationToken))
            {
                var outcome = await finisher.AdvanceAsync(job, target, cancellationToken);
                report.Count(outcome);
                if (outcome.ReleasedSlots())
                {
                    slots.Released(job.Key);
                }
            }
        }
    }

    /// <summary>
    /// Repeats CopyImage, with the same token, for claims that never reached EC2 (their worker died) or that wait for the end of
    /// back-pressure. While the destination backs off no CopyImage goes there, and one that meets EC2's limit again ends the repairs.
    /// A claim whose cancel was requested is settled instead (<see cref="CopyCanceller"/>): never called again.
    /// </summary>
    private async Task RepairClaimsAsync(CopyDestination destination, IReadOnlyList<CopyJob> claimed, SlotView slots, PollReport report, CancellationToken cancellationToken)
    {
        foreach (var job in claimed.Where(j => j.CancelRequested is not null))
        {
            var outcome = await canceller.SettleAsync(job, cancellationToken);
            report.Count(outcome);
            if (outcome.ReleasedSlots())
            {
                slots.Released(job.Key);
            }
        }

        var now = clock.GetUtcNow();
        foreach (var job in claimed.Where(j => j.CancelRequested is null && (j.NotBefore is { } until ? until <= now : now - j.UpdatedAt >= options.StaleClaimAfter)))
        {
            if (slots.BacksOffAt(destination, clock.GetUtcNow()))
            {
                return;
            }

            if (job.NotBefore is null)
            {
                log.LogWarning("Repairing {Job}: claimed at {ClaimedAt} but never recorded as copying; calling CopyImage again with its token", job.Key, job.ClaimedAt);
                metrics.Record(ReplicatorMetrics.Repairs, 1, destination.Region);
                report.Repaired++;
            }
            else
            {
                log.LogInformation("{Job}: the destination's back-off is over; calling CopyImage again with its token", job.Key);
            }

            switch (await starter.RepeatCopyImageAsync(job, cancellationToken))
            {
                case StartOutcome.Started:
                    report.Started++;
                    break;
                case StartOutcome.Ended:
                    slots.Released(job.Key);
                    break;
                case StartOutcome.BackPressure:
                    slots.BackedOff(destination, clock.GetUtcNow() + CopyStarter.BackPressureDelay);
                    return;
            }
        }
    }

    /// <summary>
    /// The targets of a batch in one DescribeImages call. If the call fails, each job's target is read on its own, so that one
    /// bad job (a malformed id, say) holds back no other; a job whose read fails has that recorded and is left for the next pass.
    /// </summary>
    private async Task<IReadOnlyList<(CopyJob Job, ImageInfo? Target)>> DescribeTargetsAsync(CopyDestination destination, CopyJob[] batch, PollReport report, CancellationToken cancellationToken)
    {
        try
        {
            var found = await destinations.For(destination).DescribeImagesAsync(destination.Region, batch.Select(j => j.RequireTargetImageId()).ToList(), cancellationToken);
            return batch.Select(j => (j, found.GetValueOrDefault(j.RequireTargetImageId()))).ToList();
        }
        catch (ImageServiceException e)
        {
            log.LogWarning("DescribeImages for {Count} copies in {Destination} failed ({Error}); reading them one by one", batch.Length, destination, e.Message);
        }

        var described = new List<(CopyJob, ImageInfo?)>();
        foreach (var job in batch)
        {
            var read = await steps.RunAsync(job, JobStep.CheckCopy,
                async () => (Ok: true, Image: await destinations.For(destination).DescribeImageAsync(destination.Region, job.RequireTargetImageId(), cancellationToken)),
                async (j, why) =>
                {
                    report.Count(await finisher.FailAsync(j with { ImageToRemove = j.TargetImageId }, FailureCodes.StepFailed, why, cancellationToken));
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

    /// <summary>
    /// A destination draining, or no longer in the policy, starts no new copies: its waiting jobs end CANCELLED with the reason
    /// (its copies in flight are finished as usual). Asking for the copy again once the destination takes copies starts it over.
    /// </summary>
    /// <summary>
    /// Ends every open job of an account that left its target's organizational units (<see cref="CopyFinisher.EndTargetRemovedAsync"/>):
    /// copying, claimed and waiting; ended jobs still holding a share of the home copy have it taken back.
    /// </summary>
    private async Task EndRemovedTargetAsync(CopyDestination destination, SlotView slots, PollReport report, CancellationToken cancellationToken)
    {
        var left = policy.TargetList.Changes.Last(c => c.Account == destination.Account);
        var reason = $"account {destination.Account} left the target at {left.At:yyyy-MM-dd HH:mm}Z ({left.Why}): no further copies go there, its copies stay";
        var waiting = new List<CopyJob>();
        foreach (var source in slots.SourcesOf(destination))
        {
            waiting.AddRange(await store.ListWaitingAsync(destination, source, readyBy: null, options.PageSize, cancellationToken));
        }

        foreach (var job in (await store.ListActiveAsync(destination, options.PageSize, cancellationToken)).Concat(waiting))
        {
            var outcome = job.State.IsTerminal()
                ? await finisher.CleanUpAsync(job, cancellationToken)
                : await finisher.EndTargetRemovedAsync(job, reason, cancellationToken);
            report.Count(outcome);
            if (outcome.ReleasedSlots())
            {
                slots.Released(job.Key);
            }
        }
    }

    private async Task CancelWaitingAsync(CopyDestination destination, SlotView slots, PollReport report, CancellationToken cancellationToken)
    {
        var reason = policy.FindDestination(destination) is null
            ? $"destination {destination} is no longer in the replication policy"
            : $"destination {destination} is draining (drain: true in the policy)";
        foreach (var source in slots.SourcesOf(destination))
        {
            foreach (var job in await store.ListWaitingAsync(destination, source, readyBy: null, options.PageSize, cancellationToken))
            {
                try
                {
                    report.Count(await finisher.CancelAsync(job, reason, cancellationToken));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Only a write, and writes fail when the store does: the next pass cancels it.
                    log.LogError(e, "Cancelling {Job} failed", job.Key);
                    report.Errors.Add($"{destination}: cancelling {job.Key}: {e.Message}");
                }
            }
        }
    }
}

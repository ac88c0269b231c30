using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Slots;
using AmiReplicator.LocalCloud;
using AmiReplicator.TestSupport;

namespace AmiReplicator.EndToEnd.Tests;

/// <summary>
/// A burst into target accounts: every AMI is copied into two regions of the home account, and from there by each of twenty target
/// accounts through its spoke role, the copies' events forwarded to the home account, through the real handlers on DynamoDB Local,
/// moto and the simulator. Three of the accounts cannot be copied into as the policy asks. The full size (20 AMIs x 300 accounts x 2
/// regions) is `amirepl-local burst --accounts 300` (docs/benchmarks.md, "Target accounts at scale").
/// </summary>
[Collection(LocalCloudFixture.Collection)]
public class TargetAccountsBurstTests(LocalCloudFixture cloud)
{
    /// <summary>
    /// Two AMIs from us-east-1 and one from us-west-2, into each (account, region) at most two at once and one from each source
    /// region: the budgets bind, each target's us-east-1 copies one after the other.
    /// </summary>
    private static readonly BurstSettings Burst = new(Amis: 3, DestinationCount: 2, MinCopyMinutes: 3, MaxCopyMinutes: 6, CopyEvents: true,
        MaxMinutes: 60, Accounts: 20, FailingTargets: true, TargetBudget: (2, 1));

    [Fact]
    public async Task Every_target_account_gets_its_own_copies_within_its_budget_and_the_failing_targets_end_with_their_codes()
    {
        await using var burst = await BurstScenario.StartAsync(cloud.Servers, Burst);
        var h = burst.Local;
        var (_, delivered, failed) = await burst.DispatchAllAsync(advanceClock: true, CancellationToken.None);
        Assert.Equal((burst.Images.Count, 0), (delivered, failed));

        // After every pass, no counter above its budget, and each counts exactly its holders.
        var observedPeaks = new Dictionary<SlotScope, int>();
        var passes = await burst.RunPollerAsync(async now =>
        {
            foreach (var counter in await h.CountersAsync())
            {
                Assert.True(counter.InFlight == counter.Holders.Count, $"{now:HH:mm}: {counter.Scope} counts {counter.InFlight} for {counter.Holders.Count} holders");
                observedPeaks[counter.Scope] = Math.Max(observedPeaks.GetValueOrDefault(counter.Scope), counter.InFlight);
            }
        }, CancellationToken.None);
        Assert.True(passes.Done, $"jobs still active after {Burst.MaxMinutes} virtual minutes");
        Assert.Equal((0, 0), (passes.FailedDeliveries, passes.PollerErrors));

        // Every job ends AVAILABLE, but the failing targets', FAILED with their codes and no slot ever taken.
        var jobs = await h.JobsAsync();
        Assert.Equal(burst.JobCount, jobs.Count);
        Assert.All(jobs, j => Assert.True(
            (j.State, j.FailureCode) == (burst.ExpectedFailureCode(j.Key.Destination) is { } code ? (CopyJobState.Failed, code) : (CopyJobState.Available, null)),
            $"{j.Key} is {j.State} {j.FailureCode}: {j.LastError}"));
        var failedJobs = jobs.Where(j => j.State == CopyJobState.Failed).ToList();
        Assert.Equal(
            new Dictionary<string, int> { [FailureCodes.RoleDenied] = 2 * Burst.Amis, [FailureCodes.RegionNotEnabled] = Burst.Amis, [FailureCodes.KmsDenied] = Burst.Amis },
            failedJobs.GroupBy(j => j.FailureCode!).ToDictionary(g => g.Key, g => g.Count()));
        Assert.All(failedJobs, j => Assert.Null(j.ClaimedAt));

        // Each target's copy is its own, made from the home account's copy in the region; one copy per owner and source.
        var copies = Burst.Destinations.SelectMany(h.Simulator.Images).Where(i => i.SourceImageId is not null).ToDictionary(i => i.ImageId, StringComparer.Ordinal);
        var homeCopies = jobs.Where(j => j.Key.DestinationAccount is null).ToDictionary(j => j.Key, j => j.TargetImageId);
        foreach (var job in jobs.Where(j => j is { State: CopyJobState.Available, Key.DestinationAccount: not null }))
        {
            var copy = copies[job.TargetImageId!];
            Assert.Equal((job.Key.DestinationAccount, homeCopies[job.Key with { DestinationAccount = null }]), (copy.OwnerId, copy.SourceImageId));
            Assert.Equal("available", copy.State);
        }

        Assert.Equal(0, BurstScenario.SharesLeft(h.Simulator, jobs));

        var made = jobs.Count(j => j.State == CopyJobState.Available);
        Assert.Equal(made, copies.Count);
        Assert.Equal(made, copies.Values.DistinctBy(i => (i.Region, i.OwnerId, i.SourceRegion, i.SourceImageId)).Count());
        Assert.Equal(made, Burst.Destinations.Sum(d => h.Simulator.CallCount(d, "CopyImage")));

        // Never over a budget, in EC2's view and the counters'; the targets' budgets were used in full; EC2 never refused a copy.
        var targetBudget = burst.TargetBudget!;
        var targetPeaks = burst.AllDestinationKeys.Where(d => d.Account is not null).Select(d => h.Simulator.Account(d.Account!).PeakPendingCopies(d.Region)).ToList();
        Assert.All(targetPeaks, peak => Assert.InRange(peak, 0, targetBudget.MaxInFlight));
        Assert.Contains(targetBudget.MaxInFlight, targetPeaks);
        Assert.All(observedPeaks.Where(p => p.Key.Destination.Account is not null), p => Assert.True(
            p.Value <= (p.Key.SourceRegion is null ? targetBudget.MaxInFlight : targetBudget.MaxInFlightPerSource), $"{p.Key} peaked at {p.Value}"));
        Assert.All(BurstScenario.Sources.Concat(Burst.Destinations), r => Assert.Equal(0, h.Simulator.ErrorCount(r, "ResourceLimitExceeded")));

        // A role is assumed about once per account, not per copy; every counter is back at 0; nothing went to the DLQ.
        Assert.InRange(h.Simulator.CallCount(LocalReplication.Home, "sts:AssumeRole"), Burst.Accounts - 1, 2 * Burst.Accounts);
        Assert.All(await h.CountersAsync(), c => Assert.True((c.InFlight, c.Holders.Count) == (0, 0), $"{c.Scope}: {c.InFlight} in flight, {c.Holders.Count} holders"));
        Assert.Empty(await h.DeadLettersAsync());
    }
}

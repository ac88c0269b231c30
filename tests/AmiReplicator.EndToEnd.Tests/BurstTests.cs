using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Domain.Slots;
using AmiReplicator.LocalCloud;
using AmiReplicator.TestSupport;

namespace AmiReplicator.EndToEnd.Tests;

/// <summary>
/// A burst: many AMIs from two source regions become available at once and every one is copied to four destinations
/// through the real handlers, within the seed's limits (50 per destination, 25 per source region) on the simulator and
/// the policy's default budgets. The full-size burst (400 AMIs) is the `amirepl-local burst` benchmark (docs/benchmarks.md).
/// </summary>
[Collection(LocalCloudFixture.Collection)]
public class BurstTests(LocalCloudFixture cloud)
{
    /// <summary>
    /// Per destination 40 jobs from each source against a pair budget of 25: both budgets fill and work waits. The AMIs are all
    /// the same size, so the order of starts is by age alone; the dispatcher takes the events one by one, a second of virtual
    /// time apart, so every AMI's jobs have their own CreatedAt and "oldest first" is well defined.
    /// </summary>
    private static readonly BurstSettings Burst = new(Amis: 80, DestinationCount: 4, MinGiB: 8, MaxGiB: 8, BatchSize: 1, MaxMinutes: 240);

    private static readonly SlotBudget SeedBudget = BurstScenario.SeedLimits;

    [Fact]
    public async Task A_burst_from_two_sources_to_four_destinations_finishes_within_the_budgets_oldest_first_without_duplicates()
    {
        await using var burst = await BurstScenario.StartAsync(cloud.Servers, Burst);
        var h = burst.Local;
        var (sources, destinations) = (BurstScenario.Sources, Burst.Destinations);
        Assert.Equal(SeedBudget, burst.Budget);

        var (_, delivered, failed) = await burst.DispatchAllAsync(advanceClock: true, CancellationToken.None);
        Assert.Equal((burst.Images.Count, 0), (delivered, failed));

        // A poller pass every virtual minute; after each, the jobs and counters are checked against each other.
        var observedPeaks = new Dictionary<SlotScope, int>();
        var passes = await burst.RunPollerAsync(
            async now => AssertNoSlotIdlesWhileWorkWaits(await h.JobsAsync(), await h.CountersAsync(), now, observedPeaks), CancellationToken.None);
        Assert.True(passes.Done, $"jobs still active after {Burst.MaxMinutes} virtual minutes");
        Assert.Equal((0, 0), (passes.FailedDeliveries, passes.PollerErrors));

        // Every job finished, each AMI copied exactly once into each destination.
        var jobs = await h.JobsAsync();
        Assert.Equal(burst.JobCount, jobs.Count);
        Assert.All(jobs, j => Assert.True(j.State == CopyJobState.Available, $"{j.Key} is {j.State}: {j.LastError}"));
        Assert.All(jobs, j => Assert.Equal(1, j.Attempt));
        foreach (var destination in destinations)
        {
            var copies = h.Simulator.Images(destination).Where(i => i.SourceImageId is not null).ToList();
            Assert.Equal(
                burst.Images.Select(s => $"{s.Region}/{s.ImageId}").Order(StringComparer.Ordinal),
                copies.Select(c => $"{c.SourceRegion}/{c.SourceImageId}").Order(StringComparer.Ordinal));
            Assert.All(copies, c => Assert.Equal("available", c.State));
            Assert.Equal(
                jobs.Where(j => j.Key.DestinationRegion == destination).Select(j => j.TargetImageId).Order(StringComparer.Ordinal),
                copies.Select(c => c.ImageId).Order(StringComparer.Ordinal));
            var copyImageCalls = h.Simulator.CallCount(destination, "CopyImage");
            Assert.True(copyImageCalls == burst.Images.Count, $"{destination}: {copyImageCalls} CopyImage calls for {burst.Images.Count} jobs");
        }

        // The replicator itself never ran into EC2's limits, and used its whole budget without exceeding it.
        foreach (var region in destinations.Concat(sources))
        {
            Assert.Equal(0, h.Simulator.ErrorCount(region, "ResourceLimitExceeded"));
        }

        foreach (var destination in destinations)
        {
            Assert.Equal(SeedBudget.MaxInFlight, h.Simulator.PeakPendingCopies(destination));
            Assert.Equal(SeedBudget.MaxInFlight, observedPeaks[SlotScope.All(CopyDestination.Home(destination))]);
            foreach (var source in sources)
            {
                Assert.Equal(SeedBudget.MaxInFlightPerSource, h.Simulator.PeakPendingCopies(source, destination));
            }
        }

        Assert.All(observedPeaks, p => Assert.True(
            p.Value <= (p.Key.SourceRegion is null ? SeedBudget.MaxInFlight : SeedBudget.MaxInFlightPerSource), $"{p.Key} peaked at {p.Value}"));

        // Every counter is back at 0 with no holders: one per destination and one per source->destination pair.
        var counters = await h.CountersAsync();
        Assert.Equal(destinations.Count * (1 + sources.Count), counters.Count);
        Assert.All(counters, c => Assert.True((c.InFlight, c.Holders.Count) == (0, 0), $"{c.Scope}: {c.InFlight} in flight, {c.Holders.Count} holders"));

        AssertOldestFirst(jobs);
    }

    /// <summary>
    /// After every poller pass: a job still waiting (with no backoff) means its destination or its source->destination
    /// pair is at its budget. A free slot never idles while work waits for a later pass.
    /// </summary>
    private static void AssertNoSlotIdlesWhileWorkWaits(
        IReadOnlyList<CopyJob> jobs, IReadOnlyList<SlotCounter> counters, DateTimeOffset now, Dictionary<SlotScope, int> peaks)
    {
        var inFlight = counters.ToDictionary(c => c.Scope, c => c.InFlight);
        foreach (var counter in counters)
        {
            Assert.True(counter.InFlight == counter.Holders.Count, $"{now:HH:mm}: {counter.Scope} counts {counter.InFlight} for {counter.Holders.Count} holders");
            var holding = jobs.Where(j => j.State.HoldsSlot() && counter.Scope.Covers(j.Key)).Select(j => j.Key).ToHashSet();
            Assert.True(holding.SetEquals(counter.Holders), $"{now:HH:mm}: {counter.Scope} lists {counter.Holders.Count} holders, {holding.Count} jobs hold its slots");
            peaks[counter.Scope] = Math.Max(peaks.GetValueOrDefault(counter.Scope), counter.InFlight);
        }

        foreach (var waiting in jobs.Where(j => j.State == CopyJobState.Waiting))
        {
            Assert.True(waiting.NotBefore is null, $"{now:HH:mm}: {waiting.Key} backs off until {waiting.NotBefore:HH:mm:ss}: {waiting.LastError}");
            var destination = inFlight.GetValueOrDefault(SlotScope.All(waiting.Key.Destination));
            var pair = inFlight.GetValueOrDefault(SlotScope.Pair(waiting.Key.SourceRegion, waiting.Key.Destination));
            Assert.True(destination == SeedBudget.MaxInFlight || pair == SeedBudget.MaxInFlightPerSource,
                $"{now:HH:mm}: {waiting.Key} waits while {waiting.Key.DestinationRegion} has {destination}/{SeedBudget.MaxInFlight} and its pair {pair}/{SeedBudget.MaxInFlightPerSource} in flight");
        }
    }

    /// <summary>
    /// What the design guarantees for the order of starts within a destination (CopyStarter.StartWaitingAsync takes the
    /// waiting jobs oldest first, stops at a full destination and skips only a source whose pair is full):
    /// from one source region, jobs start in creation order; a newer job from another source starts before an older
    /// one only while the older one's pair is at its budget.
    /// </summary>
    private static void AssertOldestFirst(IReadOnlyList<CopyJob> jobs)
    {
        var overtaken = 0;
        foreach (var destination in jobs.GroupBy(j => j.Key.DestinationRegion))
        {
            var byAge = destination.OrderBy(j => j.CreatedAt).ToList();
            for (var i = 0; i < byAge.Count; i++)
            {
                var older = byAge[i];
                foreach (var newer in byAge.Skip(i + 1).Where(n => n.CreatedAt > older.CreatedAt && n.CopyStartedAt < older.CopyStartedAt))
                {
                    Assert.True(newer.Key.SourceRegion != older.Key.SourceRegion,
                        $"{newer.Key} (created {newer.CreatedAt:HH:mm:ss}) started at {newer.CopyStartedAt:HH:mm:ss} before {older.Key} (created {older.CreatedAt:HH:mm:ss}, started {older.CopyStartedAt:HH:mm:ss}) from the same source");
                    var startedAt = newer.CopyStartedAt!.Value;
                    var olderPairInFlight = destination.Count(j => j.Key.SourceRegion == older.Key.SourceRegion && j.CopyStartedAt <= startedAt && startedAt < j.CompletedAt);
                    Assert.True(olderPairInFlight >= SeedBudget.MaxInFlightPerSource,
                        $"{newer.Key} started at {newer.CopyStartedAt:HH:mm:ss} before the older {older.Key} although {older.Key.SourceRegion}->{destination.Key} had only {olderPairInFlight} copies in flight");
                    overtaken++;
                }
            }
        }

        // The burst is shaped so that pair budgets do make newer jobs of the other source overtake older ones.
        Assert.True(overtaken > 0, "no job was ever overtaken: the burst did not exercise the pair budgets");
    }
}

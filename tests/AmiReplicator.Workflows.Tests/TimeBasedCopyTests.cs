using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Slots;
using AmiReplicator.Ec2Simulator;

namespace AmiReplicator.Workflows.Tests;

/// <summary>Time-based copies through the real handlers: the pair's throughput budget holds, and waiting copies start as it frees.</summary>
public class TimeBasedCopyTests
{
    [Fact]
    public async Task More_time_based_copies_than_the_throughput_budget_allows_start_as_throughput_frees_and_never_over_it()
    {
        await using var h = await WorkflowHarness.StartAsync(
            """{"destinations":[{"region":"eu-west-1","snapshotCopyCompletionDurationMinutes":15}]}""");
        // In 15 minutes a 1,000 GiB snapshot needs EC2's 500 MiB/s at most; 300 GiB more need 342: so 500 or 842 per copy against
        // the pair's 2,000, far fewer at once than the 25 slots the pair has.
        var sizes = new Dictionary<string, int>();
        for (var i = 0; i < 10; i++)
        {
            SeedVolume[] volumes = i % 2 == 0 ? [new("/dev/xvda", 1_000)] : [new("/dev/xvda", 1_000), new("/dev/xvdb", 300)];
            var imageId = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = $"golden-timed-{i}", Volumes = volumes });
            sizes[imageId] = i % 2 == 0 ? 500 : 842;
            h.Send($$"""{"sourceRegion":"us-east-1","sourceImageId":"{{imageId}}","requestedBy":"alice"}""");
        }

        await h.DeliverAsync();
        var committedSeen = new List<int>();
        async Task CheckBudgetAsync()
        {
            var pair = (await h.CountersAsync()).Single(c => c.Scope == SlotScope.Pair("us-east-1", CopyDestination.Home("eu-west-1")));
            var holding = (await h.JobsAsync()).Where(j => j.State.HoldsSlot()).ToList();
            Assert.Equal(holding.Sum(j => j.SnapshotCopyMiBps), pair.CommittedMiBps);
            Assert.InRange(pair.CommittedMiBps, 0, 2_000);
            committedSeen.Add(pair.CommittedMiBps);
        }

        await CheckBudgetAsync();
        var jobs = await h.RunPollerUntilDoneAsync(eachMinute: CheckBudgetAsync);

        Assert.All(jobs, j => Assert.Equal(CopyJobState.Available, j.State));
        Assert.Equal(sizes, jobs.ToDictionary(j => j.Key.SourceImageId, j => j.SnapshotCopyMiBps));
        Assert.All(jobs, j => Assert.Equal(15, j.SnapshotCopyCompletionDurationMinutes));
        // The budget, not the slots, held the copies back: never refused or late at EC2, and the pair was filled as far as it allows.
        Assert.Equal(0, h.Simulator.ErrorCount("eu-west-1", "ResourceLimitExceeded"));
        Assert.InRange(h.Simulator.PeakPendingCopies("us-east-1", "eu-west-1"), 3, 4);
        Assert.Contains(committedSeen, c => c > 2_000 - 500);
        var pair = (await h.CountersAsync()).Single(c => c.Scope == SlotScope.Pair("us-east-1", CopyDestination.Home("eu-west-1")));
        Assert.Equal((0, 0, 0), (pair.InFlight, pair.CommittedMiBps, pair.HolderMiBps.Count));
    }
}

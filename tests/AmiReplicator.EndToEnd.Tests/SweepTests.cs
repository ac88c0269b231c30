using AmiReplicator.Domain.Jobs;
using AmiReplicator.Ec2Simulator;
using AmiReplicator.LocalCloud;
using AmiReplicator.TestSupport;

namespace AmiReplicator.EndToEnd.Tests;

/// <summary>EC2's events are best effort and another account's AMIs raise none here: the sweep finds what they missed.</summary>
[Collection(LocalCloudFixture.Collection)]
public class SweepTests(LocalCloudFixture cloud)
{
    private const string Vendor = "999988887777";

    [Fact]
    public async Task AMIs_whose_events_were_lost_and_AMIs_shared_by_a_selected_owner_are_found_by_the_sweep_and_replicated()
    {
        await using var h = await LocalReplication.StartAsync(cloud.Servers, $$"""
            {"destinations":[{"region":"eu-west-1"},{"region":"eu-central-1"}],"sourceRegions":["us-east-1","us-west-2"],
             "selection":{"namePatterns":["golden-*"],"ownerAccounts":["self","{{Vendor}}"]},"sweepIntervalMinutes":60}
            """);
        var lost = new[]
        {
            h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-east" }),
            h.Simulator.SeedImage("us-west-2", new SeedImage { Name = "golden-west" }),
        };
        var shared = h.Simulator.SeedImage("us-east-1", new SeedImage
        {
            Name = "golden-vendor",
            OwnerId = Vendor,
            LaunchPermissions = [LaunchPermissionEntry.ForAccount(h.Simulator.AccountId)],
        });
        var notSelected = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "scratch-1" });
        var otherOwner = h.Simulator.SeedImage("us-east-1", new SeedImage
        {
            Name = "golden-stranger",
            OwnerId = "444455556666",
            LaunchPermissions = [LaunchPermissionEntry.ForAccount(h.Simulator.AccountId)],
        });

        // No event is delivered: only the sweep of the first pass can find them.
        await h.RunPollerAsync();
        Assert.Equal(3, await h.DeliverAsync());
        var jobs = await h.RunPollerUntilDoneAsync();

        Assert.Equal(lost.Append(shared).Order(), jobs.Select(j => j.Key.SourceImageId).Distinct().Order());
        Assert.Equal(6, jobs.Count);
        Assert.All(jobs, j => Assert.Equal((CopyJobState.Available, "sweep"), (j.State, j.RequestedBy)));
        Assert.DoesNotContain(jobs, j => j.Key.SourceImageId == notSelected || j.Key.SourceImageId == otherOwner);
        Assert.All(jobs.Where(j => j.Key.SourceImageId == shared), j => Assert.Equal(h.Simulator.AccountId, h.Simulator.FindImage(j.Key.DestinationRegion, j.TargetImageId!)!.OwnerId));
    }

    [Fact]
    public async Task The_sweep_runs_once_an_interval_and_asks_only_for_AMIs_that_lack_a_job()
    {
        await using var h = await LocalReplication.StartAsync(cloud.Servers, """
            {"destinations":[{"region":"eu-west-1"}],"sweepIntervalMinutes":30}
            """);
        var replicated = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-1" });
        await h.SendAsync(LocalReplication.AvailableEvent("us-east-1", replicated));
        await h.DeliverAsync();

        var first = await h.RunPollerAsync();
        var later = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-2" });
        h.Clock.Advance(TimeSpan.FromMinutes(10));
        var within = await h.RunPollerAsync();
        h.Clock.Advance(TimeSpan.FromMinutes(25));
        var after = await h.RunPollerAsync();

        Assert.Equal((0, 0, 1), (first.Swept, within.Swept, after.Swept));
        Assert.Equal(1, await h.DeliverAsync());
        Assert.Contains(await h.JobsAsync(), j => j.Key.SourceImageId == later);
    }
}

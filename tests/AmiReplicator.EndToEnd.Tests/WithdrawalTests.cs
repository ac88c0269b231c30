using AmiReplicator.Domain.Jobs;
using AmiReplicator.Ec2Simulator;
using AmiReplicator.LocalCloud;
using AmiReplicator.TestSupport;

namespace AmiReplicator.EndToEnd.Tests;

/// <summary>
/// Withdrawn builds are withdrawn everywhere, at once: a source's own disabled and deregistered events (as EC2 sends them) reach its
/// copies through the request queue without waiting for the sweep (the dispatcher reading the source's jobs from the table in one
/// batch), a source enabled again brings its copies back with their shares, and nothing is dead-lettered. The sweep's part is in the
/// workflow tests.
/// </summary>
[Collection(LocalCloudFixture.Collection)]
public class WithdrawalTests(LocalCloudFixture cloud)
{
    private const string Consumer = "111122223333";

    private const string Withdrawing = """
        {"destinations":[{"region":"eu-west-1"},{"region":"eu-central-1"}],"shareSnapshots":true,
         "lifecycle":{"disableWithSource":true,"deregisterWithSource":true}}
        """;

    /// <summary>A source asked for by hand and copied, and the events its copies raised handled: the jobs then.</summary>
    private static async Task<IReadOnlyList<CopyJob>> ReplicateAsync(LocalReplication h, string sourceId)
    {
        await h.SendAsync($$"""{"sourceRegion":"us-east-1","sourceImageId":"{{sourceId}}","requestedBy":"alice"}""");
        await h.DeliverAsync();
        var jobs = await h.RunPollerUntilDoneAsync();
        await h.SendEc2EventsAsync();
        await h.DeliverAsync();
        return jobs;
    }

    /// <summary>Hands the simulator's events to the dispatcher as the stack's rule does; no poller pass, no sweep.</summary>
    private static async Task DeliverEventsAsync(LocalReplication h)
    {
        Assert.True(await h.SendEc2EventsAsync() > 0);
        await h.DeliverAsync();
    }

    [Fact]
    public async Task A_source_disabled_then_enabled_then_deregistered_takes_its_copies_along_on_its_own_events()
    {
        await using var h = await LocalReplication.StartAsync(cloud.Servers, Withdrawing);
        var source = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-1", LaunchPermissions = [LaunchPermissionEntry.ForAccount(Consumer)] });
        var jobs = await ReplicateAsync(h, source);
        var copies = jobs.Select(j => (j.Key.DestinationRegion, Image: j.TargetImageId!)).ToList();
        var ec2 = h.Ec2("us-east-1");

        await ec2.DisableImageAsync(new() { ImageId = source });
        await DeliverEventsAsync(h);
        Assert.All(copies, c =>
        {
            var copy = h.Simulator.FindImage(c.DestinationRegion, c.Image)!;
            Assert.Equal(("disabled", 0), (copy.State, copy.LaunchPermissions.Count));
        });
        Assert.All(await h.JobsAsync(), j =>
        {
            Assert.True(j.DisabledWithSource);
            Assert.Contains(j.Notes, n => n.StartsWith("its source was disabled, so the copy is disabled", StringComparison.Ordinal));
        });

        // EnableImage raises 'available' again: the copies come back with the shares their jobs recorded (EC2 restores none).
        await ec2.EnableImageAsync(new() { ImageId = source });
        await DeliverEventsAsync(h);
        foreach (var (region, image) in copies)
        {
            var copy = h.Simulator.FindImage(region, image)!;
            Assert.Equal("available", copy.State);
            Assert.Equal([LaunchPermissionEntry.ForAccount(Consumer)], copy.LaunchPermissions);
            var snapshots = copy.BlockDevices.Select(d => d.SnapshotId).ToHashSet();
            Assert.All(h.Simulator.Snapshots(region).Where(s => snapshots.Contains(s.SnapshotId)),
                s => Assert.Equal([LaunchPermissionEntry.ForAccount(Consumer)], s.CreateVolumePermissions));
        }

        Assert.All(await h.JobsAsync(), j =>
        {
            Assert.False(j.DisabledWithSource);
            Assert.Contains(j.Notes, n => n.StartsWith("its source was enabled again, so the copy is enabled and its launch permissions put back", StringComparison.Ordinal));
        });

        await ec2.DeregisterImageAsync(new() { ImageId = source });
        await DeliverEventsAsync(h);
        Assert.All(copies, c => Assert.Equal("deregistered", h.Simulator.FindImage(c.DestinationRegion, c.Image)!.State));
        Assert.All(await h.JobsAsync(), j =>
            Assert.Contains(j.Notes, n => n.StartsWith("its source was deregistered, so the copy is deregistered with its snapshots", StringComparison.Ordinal)));
        Assert.Empty(await h.DeadLettersAsync());
    }

    [Fact]
    public async Task Without_the_opt_in_a_withdrawn_sources_events_leave_its_copies_as_they_are()
    {
        await using var h = await LocalReplication.StartAsync(cloud.Servers, """{"destinations":[{"region":"eu-west-1"}]}""");
        var source = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-1" });
        var job = Assert.Single(await ReplicateAsync(h, source));

        await h.Ec2("us-east-1").DisableImageAsync(new() { ImageId = source });
        await DeliverEventsAsync(h);
        await h.Ec2("us-east-1").EnableImageAsync(new() { ImageId = source });
        await DeliverEventsAsync(h);
        await h.Ec2("us-east-1").DeregisterImageAsync(new() { ImageId = source });
        await DeliverEventsAsync(h);

        Assert.Equal("available", h.Simulator.FindImage("eu-west-1", job.TargetImageId!)!.State);
        Assert.Equal(0, h.Simulator.CallCount("eu-west-1", "DisableImage") + h.Simulator.CallCount("eu-west-1", "DeregisterImage"));
        Assert.Equal(job.Version, Assert.Single(await h.JobsAsync()).Version);
        Assert.Empty(await h.DeadLettersAsync());
    }
}

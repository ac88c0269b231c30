using Amazon.EC2.Model;
using static AmiReplicator.Ec2Simulator.Tests.Harness;

namespace AmiReplicator.Ec2Simulator.Tests;

public sealed class CopyLimitsTests
{
    [Fact]
    public async Task The_destination_limit_refuses_with_ResourceLimitExceeded_until_a_copy_finishes()
    {
        await using var h = await Harness.StartAsync(o => o with { MaxConcurrentCopiesPerDestination = 3, MaxConcurrentCopiesPerSourceRegion = 3 });
        var sourceId = await h.RegisterAsync(Source);
        await h.CopyAsync(sourceId);
        h.Clock.Advance(TimeSpan.FromMinutes(1));
        await h.CopyAsync(sourceId);
        await h.CopyAsync(sourceId);

        var refused = await Ec2Assert.ErrorAsync("ResourceLimitExceeded", () => h.CopyAsync(sourceId));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);

        h.Clock.Advance(TimeSpan.FromMinutes(4));
        await h.CopyAsync(sourceId);
        await Ec2Assert.ErrorAsync("ResourceLimitExceeded", () => h.CopyAsync(sourceId));
        Assert.Equal(3, h.Simulator.PeakPendingCopies(Destination));
        Assert.Equal(6, h.Simulator.CallCount(Destination, "CopyImage"));
        Assert.Equal(2, h.Simulator.ErrorCount(Destination, "ResourceLimitExceeded"));
    }

    [Fact]
    public async Task The_per_source_limit_applies_to_one_source_region_and_not_to_others()
    {
        await using var h = await Harness.StartAsync(o => o with { MaxConcurrentCopiesPerDestination = 3, MaxConcurrentCopiesPerSourceRegion = 2 });
        var fromUsEast1 = await h.RegisterAsync(Source);
        var fromUsWest2 = await h.RegisterAsync("us-west-2");
        await h.CopyAsync(fromUsEast1);
        await h.CopyAsync(fromUsEast1);

        await Ec2Assert.ErrorAsync("ResourceLimitExceeded", () => h.CopyAsync(fromUsEast1));
        await h.CopyAsync(fromUsWest2, source: "us-west-2");
        await Ec2Assert.ErrorAsync("ResourceLimitExceeded", () => h.CopyAsync(fromUsWest2, source: "us-west-2"));
        await h.CopyAsync(fromUsEast1, destination: "eu-central-1");

        Assert.Equal(3, h.Simulator.PeakPendingCopies(Destination));
        Assert.Equal(2, h.Simulator.PeakPendingCopies(Source, Destination));
        Assert.Equal(1, h.Simulator.PeakPendingCopies("us-west-2", Destination));
    }

    [Fact]
    public async Task Deregistering_a_pending_copy_frees_its_slot()
    {
        await using var h = await Harness.StartAsync(o => o with { MaxConcurrentCopiesPerDestination = 1 });
        var sourceId = await h.RegisterAsync(Source);
        var first = await h.CopyAsync(sourceId);
        await Ec2Assert.ErrorAsync("ResourceLimitExceeded", () => h.CopyAsync(sourceId));

        await h.Client(Destination).DeregisterImageAsync(new DeregisterImageRequest(first));

        await h.CopyAsync(sourceId);
    }

    [Fact]
    public async Task Slots_held_by_other_tools_count_against_the_limits_until_released()
    {
        await using var h = await Harness.StartAsync(o => o with { MaxConcurrentCopiesPerDestination = 3, MaxConcurrentCopiesPerSourceRegion = 2 });
        var sourceId = await h.RegisterAsync(Source);
        using (h.Simulator.OccupyCopySlots(Destination, 2, sourceRegion: Source))
        {
            await Ec2Assert.ErrorAsync("ResourceLimitExceeded", () => h.CopyAsync(sourceId));
            using (h.Simulator.OccupyCopySlots(Destination, 1))
            {
                var otherSource = await h.RegisterAsync("us-east-2");
                await Ec2Assert.ErrorAsync("ResourceLimitExceeded", () => h.CopyAsync(otherSource, source: "us-east-2"));
            }
        }

        await h.CopyAsync(sourceId);
        Assert.Equal(1, h.Simulator.PeakPendingCopies(Destination));
    }

    [Fact]
    public async Task Concurrent_CopyImage_calls_never_exceed_the_limits()
    {
        await using var h = await Harness.StartAsync();
        var sources = new Dictionary<string, string>();
        foreach (var region in new[] { "us-east-1", "us-east-2", "us-west-2" })
        {
            sources[region] = await h.RegisterAsync(region);
        }

        var attempts = sources.SelectMany(source => Enumerable.Range(0, 30).Select(async _ =>
        {
            try
            {
                await h.CopyAsync(source.Value, source: source.Key);
                return source.Key;
            }
            catch (Amazon.EC2.AmazonEC2Exception e) when (e.ErrorCode == "ResourceLimitExceeded")
            {
                return null;
            }
        }));
        var started = (await Task.WhenAll(attempts)).OfType<string>().ToList();

        Assert.Equal(50, started.Count);
        Assert.All(started.GroupBy(region => region), group => Assert.True(group.Count() <= 25));
        Assert.Equal(50, h.Simulator.PendingCopies(Destination));
        Assert.Equal(50, h.Simulator.PeakPendingCopies(Destination));
        Assert.Equal(40, h.Simulator.ErrorCount(Destination, "ResourceLimitExceeded"));
    }
}

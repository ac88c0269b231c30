using Amazon.EC2;
using Amazon.EC2.Model;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Ec2Simulator;
using AmiReplicator.LocalCloud;
using AmiReplicator.TestSupport;

namespace AmiReplicator.EndToEnd.Tests;

[Collection(LocalCloudFixture.Collection)]
public class ReplicationEndToEndTests(LocalCloudFixture cloud)
{
    private static readonly string[] ThreeDestinations = ["eu-west-1", "eu-central-1", "ap-southeast-2"];

    private const string ThreeDestinationPolicy = """
        {"destinations":[{"region":"eu-west-1"},{"region":"eu-central-1"},{"region":"ap-southeast-2"},{"region":"us-east-1"}],
         "tags":{"copied-by":"ami-replicator"}}
        """;

    private static readonly Dictionary<string, string> SourceTags = new() { ["team"] = "platform", ["Name"] = "golden-al2023" };

    /// <summary>Registers an AMI through the EC2 API, with tags and launch permissions, as a build pipeline would.</summary>
    private static async Task<string> RegisterSourceAsync(IAmazonEC2 ec2, string name = "golden-al2023-2026.11")
    {
        var imageId = (await ec2.RegisterImageAsync(new RegisterImageRequest
        {
            Name = name,
            Description = "Golden image",
            RootDeviceName = "/dev/xvda",
            BlockDeviceMappings = [new BlockDeviceMapping { DeviceName = "/dev/xvda", Ebs = new EbsBlockDevice { VolumeSize = 8 } }],
            TagSpecifications = [new TagSpecification
            {
                ResourceType = ResourceType.Image,
                Tags = SourceTags.Select(t => new Tag(t.Key, t.Value)).ToList(),
            }],
        })).ImageId;
        await ec2.ModifyImageAttributeAsync(new ModifyImageAttributeRequest
        {
            ImageId = imageId,
            LaunchPermission = new LaunchPermissionModifications
            {
                Add =
                [
                    new LaunchPermission { UserId = "111122223333" },
                    new LaunchPermission { OrganizationArn = "arn:aws:organizations::123456789012:organization/o-abc123def4" },
                ],
            },
        });
        return imageId;
    }

    private static async Task<List<string>> LaunchPermissionsAsync(IAmazonEC2 ec2, string imageId) =>
        ((await ec2.DescribeImageAttributeAsync(new DescribeImageAttributeRequest { ImageId = imageId, Attribute = ImageAttributeName.LaunchPermission }))
            .ImageAttribute.LaunchPermissions ?? [])
            .Select(p => p.UserId ?? p.OrganizationArn ?? p.OrganizationalUnitArn ?? p.Group?.Value ?? "?")
            .Order(StringComparer.Ordinal)
            .ToList();

    [Fact]
    public async Task An_available_AMI_is_copied_to_every_destination_with_its_tags_and_launch_permissions()
    {
        await using var h = await LocalReplication.StartAsync(cloud.Servers, ThreeDestinationPolicy);
        var sourceId = await RegisterSourceAsync(h.Ec2("us-east-1"));
        var sourcePermissions = await LaunchPermissionsAsync(h.Ec2("us-east-1"), sourceId);

        await h.SendAsync(LocalReplication.AvailableEvent("us-east-1", sourceId));
        Assert.Equal(1, await h.DeliverAsync());
        var jobs = await h.RunPollerUntilDoneAsync();

        Assert.Equal(ThreeDestinations.Order(), jobs.Select(j => j.Key.DestinationRegion).Order());
        Assert.All(jobs, j => Assert.Equal(CopyJobState.Available, j.State));
        foreach (var job in jobs)
        {
            var ec2 = h.Ec2(job.Key.DestinationRegion);
            var copy = Assert.Single((await ec2.DescribeImagesAsync(new DescribeImagesRequest { Owners = ["self"] })).Images);
            Assert.Equal(job.TargetImageId, copy.ImageId);
            Assert.Equal(ImageState.Available, copy.State);
            Assert.Equal("golden-al2023-2026.11", copy.Name);
            Assert.Contains(sourceId, copy.Description, StringComparison.Ordinal);
            Assert.Contains("us-east-1", copy.Description, StringComparison.Ordinal);
            var tags = copy.Tags.ToDictionary(t => t.Key, t => t.Value);
            Assert.Equal("platform", tags["team"]);
            Assert.Equal("golden-al2023", tags["Name"]);
            Assert.Equal("ami-replicator", tags["copied-by"]);
            Assert.Equal(sourceId, tags[ProvenanceTags.SourceImageId]);
            Assert.Equal("us-east-1", tags[ProvenanceTags.SourceRegion]);
            Assert.Equal(sourcePermissions, await LaunchPermissionsAsync(ec2, copy.ImageId));
        }

        Assert.Single(h.Simulator.Images("us-east-1"));
        Assert.All(await h.CountersAsync(), c => Assert.Equal((0, 0), (c.InFlight, c.Holders.Count)));
        Assert.Equal(6, (await h.CountersAsync()).Count);
    }

    [Fact]
    public async Task The_same_event_delivered_twice_makes_no_second_copy()
    {
        await using var h = await LocalReplication.StartAsync(cloud.Servers, ThreeDestinationPolicy);
        var sourceId = await RegisterSourceAsync(h.Ec2("us-east-1"));

        await h.SendAsync(LocalReplication.AvailableEvent("us-east-1", sourceId, "e-1"));
        await h.DeliverAsync();
        h.Clock.Advance(TimeSpan.FromMinutes(2));
        await h.SendAsync(LocalReplication.AvailableEvent("us-east-1", sourceId, "e-1"));
        await h.DeliverAsync();
        var jobs = await h.RunPollerUntilDoneAsync();
        await h.SendAsync(LocalReplication.AvailableEvent("us-east-1", sourceId, "e-2"));
        await h.DeliverAsync();

        Assert.Equal(3, jobs.Count);
        foreach (var destination in ThreeDestinations)
        {
            Assert.Single(h.Simulator.Images(destination));
        }

        Assert.All(await h.JobsAsync(), j => Assert.Equal(CopyJobState.Available, j.State));
    }

    [Fact]
    public async Task A_malformed_message_reaches_the_DLQ_on_its_first_delivery_with_its_reason_and_loses_nothing_else()
    {
        await using var h = await LocalReplication.StartAsync(cloud.Servers, ThreeDestinationPolicy, maxReceiveCount: 5);
        var sourceId = await RegisterSourceAsync(h.Ec2("us-east-1"));
        await h.SendAsync("{\"sourceRegion\":\"us-east-1\",\"sourceImageId\":\"not-an-ami\",\"requestedBy\":\"alice\"}");
        await h.SendAsync(LocalReplication.AvailableEvent("us-east-1", sourceId));

        var outcome = await h.EventSource.PollOnceAsync(h.Replicator.Dispatcher.HandleJsonAsync, CancellationToken.None);

        Assert.Empty(outcome.FailedMessageIds);
        var dead = Assert.Single(await h.DeadLettersAsync());
        Assert.Contains("not-an-ami", dead.Body, StringComparison.Ordinal);
        Assert.Contains("sourceImageId 'not-an-ami' is not an AMI id", dead.MessageAttributes["FailureReason"].StringValue, StringComparison.Ordinal);
        Assert.Contains("sourceImageId 'not-an-ami' is not an AMI id", h.Log.ToString(), StringComparison.Ordinal);
        Assert.Equal(3, (await h.JobsAsync()).Count);
    }

    [Fact]
    public async Task A_source_still_pending_is_redelivered_until_it_is_available()
    {
        await using var h = await LocalReplication.StartAsync(cloud.Servers, """{"destinations":[{"region":"eu-west-1"}]}""", maxReceiveCount: 5);
        var sourceId = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "baking", State = "pending" });

        await h.SendAsync($$"""{"sourceRegion":"us-east-1","sourceImageId":"{{sourceId}}","requestedBy":"alice"}""");
        var first = await h.EventSource.PollOnceAsync(h.Replicator.Dispatcher.HandleJsonAsync, CancellationToken.None);

        Assert.Single(first.FailedMessageIds);
        Assert.Empty(await h.JobsAsync());
        Assert.Contains("not available yet", h.Log.ToString(), StringComparison.Ordinal);
        Assert.Empty(await h.DeadLettersAsync());

        h.Simulator.FinishPendingImage("us-east-1", sourceId);
        Assert.Equal(1, await h.DeliverAsync());
        var job = Assert.Single(await h.RunPollerUntilDoneAsync());
        Assert.Equal(CopyJobState.Available, job.State);
        Assert.Empty(await h.DeadLettersAsync());
    }
}

using Amazon.EC2;
using Amazon.EC2.Model;
using static AmiReplicator.Ec2Simulator.Tests.Harness;

namespace AmiReplicator.Ec2Simulator.Tests;

/// <summary>What a copy gets from its source and its request, and what it does not get.</summary>
public sealed class CopyContentTests
{
    [Fact]
    public async Task Tags_launch_permissions_and_deprecation_are_not_carried_to_the_copy()
    {
        await using var h = await Harness.StartAsync();
        var sourceId = await h.RegisterAsync(Source, tags: new() { ["team"] = "platform" });
        await h.Client(Source).ModifyImageAttributeAsync(new ModifyImageAttributeRequest
        {
            ImageId = sourceId,
            LaunchPermission = new LaunchPermissionModifications { Add = [new LaunchPermission { UserId = OtherAccount }] },
        });
        await h.Client(Source).EnableImageDeprecationAsync(new EnableImageDeprecationRequest
        {
            ImageId = sourceId,
            DeprecateAt = new DateTime(2027, 1, 1, 0, 0, 0, DateTimeKind.Utc),
        });

        var copyId = await h.CopyAsync(sourceId);
        h.Clock.Advance(TimeSpan.FromMinutes(5));

        var copy = await h.DescribeAsync(Destination, copyId);
        Assert.Empty(copy.Tags ?? []);
        Assert.Null(copy.DeprecationTime);
        var permissions = await h.Client(Destination).DescribeImageAttributeAsync(
            new DescribeImageAttributeRequest(copyId, ImageAttributeName.LaunchPermission));
        Assert.Empty(permissions.ImageAttribute.LaunchPermissions ?? []);
        var source = await h.DescribeAsync(Source, sourceId);
        Assert.Equal("2027-01-01T00:00:00.000Z", source.DeprecationTime);
        Assert.Equal("platform", Assert.Single(source.Tags).Value);
    }

    [Fact]
    public async Task CopyImageTags_copies_only_our_own_user_tags_and_tag_specifications_tag_image_and_snapshots()
    {
        await using var h = await Harness.StartAsync();
        var shared = h.Simulator.SeedImage(Source, new SeedImage
        {
            Name = UniqueName("shared"),
            OwnerId = OtherAccount,
            Tags = new Dictionary<string, string> { ["owner-tag"] = "theirs" },
            LaunchPermissions = [LaunchPermissionEntry.ForAccount(h.Simulator.AccountId)],
            Volumes = [new SeedVolume("/dev/xvda"), new SeedVolume("/dev/xvdb", 20)],
        });
        await h.Client(Source).CreateTagsAsync(new CreateTagsRequest([shared], [new Tag("our-tag", "ours")]));

        var copyId = await h.CopyAsync(shared, configure: r =>
        {
            r.CopyImageTags = true;
            r.TagSpecifications =
            [
                new TagSpecification { ResourceType = ResourceType.Image, Tags = [new Tag("replica-of", shared)] },
                new TagSpecification { ResourceType = ResourceType.Snapshot, Tags = [new Tag("replica-of", shared)] },
            ];
        });

        var copy = await h.DescribeAsync(Destination, copyId);
        Assert.Equal(
            new Dictionary<string, string> { ["our-tag"] = "ours", ["replica-of"] = shared },
            copy.Tags.ToDictionary(tag => tag.Key, tag => tag.Value));
        Assert.Equal(2, copy.BlockDeviceMappings.Count);
        var snapshotIds = copy.BlockDeviceMappings.Select(m => m.Ebs.SnapshotId).ToHashSet();
        Assert.All(
            h.Simulator.Snapshots(Destination).Where(s => snapshotIds.Contains(s.SnapshotId)),
            snapshot => Assert.Equal(shared, snapshot.Tags["replica-of"]));
        var sharedAsWeSeeIt = await h.DescribeAsync(Source, shared);
        Assert.Equal("our-tag", Assert.Single(sharedAsWeSeeIt.Tags).Key);
    }

    [Fact]
    public async Task Encrypting_a_copy_encrypts_every_snapshot_with_the_key_or_the_default_key()
    {
        await using var h = await Harness.StartAsync();
        var sourceId = h.Simulator.SeedImage(Source, new SeedImage
        {
            Name = UniqueName("multi"),
            Volumes = [new SeedVolume("/dev/xvda"), new SeedVolume("/dev/xvdb", 50, Encrypted: true)],
        });
        var key = h.Simulator.CreateKmsKey(Destination);

        var withKey = await h.DescribeAsync(Destination, await h.CopyAsync(sourceId, configure: r => (r.Encrypted, r.KmsKeyId) = (true, key)));
        var withDefault = await h.DescribeAsync(Destination, await h.CopyAsync(sourceId, configure: r => r.Encrypted = true));
        var asIs = await h.DescribeAsync(Destination, await h.CopyAsync(sourceId));

        Assert.All(withKey.BlockDeviceMappings, m => Assert.Equal((true, key), (m.Ebs.Encrypted == true, m.Ebs.KmsKeyId)));
        Assert.All(withDefault.BlockDeviceMappings, m => Assert.True(m.Ebs.Encrypted));
        Assert.NotEqual(key, withDefault.BlockDeviceMappings[0].Ebs.KmsKeyId);
        Assert.Equal([false, true], asIs.BlockDeviceMappings.Select(m => m.Ebs.Encrypted == true));
    }

    [Fact]
    public async Task Instance_store_amis_are_copied_without_snapshots_and_cannot_be_encrypted()
    {
        await using var h = await Harness.StartAsync();
        var sourceId = h.Simulator.SeedImage(Source, new SeedImage
        {
            Name = UniqueName("instance-store"),
            RootDeviceType = "instance-store",
            RootDeviceName = "/dev/sda1",
        });

        await Ec2Assert.ErrorAsync("InvalidRequest", () => h.CopyAsync(sourceId, configure: r => r.Encrypted = true));
        var copy = await h.DescribeAsync(Destination, await h.CopyAsync(sourceId));

        Assert.Equal(RootDeviceType.InstanceStore, copy.RootDeviceType);
        Assert.Empty(copy.BlockDeviceMappings ?? []);
    }
}

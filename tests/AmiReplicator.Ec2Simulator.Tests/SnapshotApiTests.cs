using Amazon.EC2;
using Amazon.EC2.Model;
using static AmiReplicator.Ec2Simulator.Tests.Harness;

namespace AmiReplicator.Ec2Simulator.Tests;

/// <summary>DescribeSnapshots and the createVolumePermission attribute, which a copy's snapshots do not get from their source.</summary>
public sealed class SnapshotApiTests
{
    [Fact]
    public async Task Snapshots_show_their_tags_and_are_shared_with_accounts_but_not_under_the_AWS_managed_key()
    {
        await using var h = await Harness.StartAsync();
        var sourceId = h.Simulator.SeedImage(Source, new SeedImage
        {
            Name = UniqueName("tagged"),
            Volumes = [new SeedVolume { Tags = new Dictionary<string, string> { ["backup"] = "daily" } }],
        });
        var sourceSnapshot = (await h.DescribeAsync(Source, sourceId)).BlockDeviceMappings[0].Ebs.SnapshotId;
        var plain = (await h.DescribeAsync(Destination, await h.CopyAsync(sourceId))).BlockDeviceMappings[0].Ebs.SnapshotId;
        var byDefaultKey = (await h.DescribeAsync(Destination, await h.CopyAsync(sourceId, configure: r => r.Encrypted = true))).BlockDeviceMappings[0].Ebs.SnapshotId;

        var described = Assert.Single((await h.Client(Source).DescribeSnapshotsAsync(new DescribeSnapshotsRequest { SnapshotIds = [sourceSnapshot] })).Snapshots);
        Assert.Equal(("daily", h.Simulator.AccountId), (Assert.Single(described.Tags).Value, described.OwnerId));
        Assert.Empty((await h.Client(Destination).DescribeSnapshotsAsync(new DescribeSnapshotsRequest { SnapshotIds = [plain] })).Snapshots[0].Tags ?? []);

        ModifySnapshotAttributeRequest Share(string snapshotId, CreateVolumePermission entry) => new()
        {
            SnapshotId = snapshotId,
            Attribute = SnapshotAttributeName.CreateVolumePermission,
            CreateVolumePermission = new CreateVolumePermissionModifications { Add = [entry] },
        };
        await h.Client(Destination).ModifySnapshotAttributeAsync(Share(plain, new CreateVolumePermission { UserId = OtherAccount }));
        await h.Client(Destination).ModifySnapshotAttributeAsync(Share(plain, new CreateVolumePermission { UserId = OtherAccount }));
        var refused = await Ec2Assert.ErrorAsync("OperationNotPermitted",
            () => h.Client(Destination).ModifySnapshotAttributeAsync(Share(byDefaultKey, new CreateVolumePermission { UserId = OtherAccount })));
        await Ec2Assert.ErrorAsync("InvalidSnapshot.NotFound",
            () => h.Client(Destination).DescribeSnapshotsAsync(new DescribeSnapshotsRequest { SnapshotIds = ["snap-0123456789abcdef0"] }));

        var shared = await h.Client(Destination).DescribeSnapshotAttributeAsync(new DescribeSnapshotAttributeRequest
        {
            SnapshotId = plain,
            Attribute = SnapshotAttributeName.CreateVolumePermission,
        });
        Assert.Equal(OtherAccount, Assert.Single(shared.CreateVolumePermissions).UserId);
        Assert.Contains("EBS default key", refused.Message, StringComparison.Ordinal);
    }
}

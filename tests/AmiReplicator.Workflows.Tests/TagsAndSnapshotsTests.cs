using AmiReplicator.Domain.Jobs;
using AmiReplicator.Ec2Simulator;

namespace AmiReplicator.Workflows.Tests;

/// <summary>Tags given at creation, so that a tag policy enforced on create never rejects a copy; what the copy's snapshots carry.</summary>
public class TagsAndSnapshotsTests
{
    [Fact]
    public async Task A_tag_policy_enforced_on_create_accepts_every_copy_because_its_tags_come_with_CopyImage()
    {
        await using var h = await WorkflowHarness.StartAsync("""
            {"destinations":[{"region":"eu-west-1"},{"region":"eu-central-1"}],"tags":{"cost-center":"platform"}}
            """);
        var demanded = new Dictionary<string, IReadOnlyList<string>?> { ["cost-center"] = ["platform"], ["team"] = null };
        h.Simulator.EnforceTagPolicy("eu-west-1", demanded);
        h.Simulator.EnforceTagPolicy("eu-central-1", new Dictionary<string, IReadOnlyList<string>?> { ["owner"] = null });
        var sourceId = h.Simulator.SeedImage("us-east-1", new SeedImage
        {
            Name = "golden-tagged",
            Tags = new Dictionary<string, string> { ["team"] = "platform" },
            Volumes = [new SeedVolume("/dev/xvda"), new SeedVolume("/dev/xvdb", 20)],
        });

        var jobs = await ByHand.ReplicateAsync(h, sourceId);

        var accepted = jobs.Single(j => j.Key.DestinationRegion == "eu-west-1");
        Assert.Equal(CopyJobState.Available, accepted.State);
        var copy = h.Simulator.FindImage("eu-west-1", accepted.TargetImageId!)!;
        var snapshots = copy.BlockDevices.Select(d => d.SnapshotId).ToHashSet();
        Assert.Equal(2, snapshots.Count);
        var tagSets = h.Simulator.Snapshots("eu-west-1").Where(s => snapshots.Contains(s.SnapshotId)).Select(s => s.Tags).Append(copy.Tags).ToList();
        Assert.Equal(3, tagSets.Count);
        Assert.All(tagSets, tags => Assert.Equal(("platform", "platform"), (tags["cost-center"], tags["team"])));
        // A policy demanding a tag the copy does not have refuses it at the call: the job says why, and no copy exists.
        var refused = jobs.Single(j => j.Key.DestinationRegion == "eu-central-1");
        Assert.Equal(CopyJobState.Failed, refused.State);
        Assert.Contains("CopyImage refused: TagPolicyViolation", refused.LastError, StringComparison.Ordinal);
        Assert.Empty(h.Simulator.Images("eu-central-1"));
    }

    [Fact]
    public async Task The_copys_snapshots_carry_their_source_snapshots_tags_and_are_shared_with_the_accounts_the_source_names()
    {
        const string Org = "arn:aws:organizations::123456789012:organization/o-abc123def4";
        await using var h = await WorkflowHarness.StartAsync("""
            {"destinations":[{"region":"eu-west-1"},{"region":"eu-central-1","encrypted":true}],"tags":{"copied-by":"ami-replicator"},"shareSnapshots":true}
            """);
        var sourceId = h.Simulator.SeedImage("us-east-1", new SeedImage
        {
            Name = "golden-snapshots",
            Volumes =
            [
                new SeedVolume("/dev/xvda") { Tags = new Dictionary<string, string> { ["backup"] = "daily", ["copied-by"] = "someone-else" } },
                new SeedVolume("/dev/xvdb", 20) { Tags = new Dictionary<string, string> { ["role"] = "data" } },
            ],
            LaunchPermissions = [LaunchPermissionEntry.ForAccount("111122223333"), LaunchPermissionEntry.ForOrganization(Org)],
        });

        var jobs = await ByHand.ReplicateAsync(h, sourceId);

        Assert.All(jobs, j => Assert.Equal(CopyJobState.Available, j.State));
        var plain = jobs.Single(j => j.Key.DestinationRegion == "eu-west-1");
        var devices = h.Simulator.FindImage("eu-west-1", plain.TargetImageId!)!.BlockDevices;
        var snapshots = h.Simulator.Snapshots("eu-west-1").ToDictionary(s => s.SnapshotId);
        var root = snapshots[devices.Single(d => d.DeviceName == "/dev/xvda").SnapshotId!];
        var data = snapshots[devices.Single(d => d.DeviceName == "/dev/xvdb").SnapshotId!];
        // Each snapshot gets its own source snapshot's tags; the copy's own tags (provenance, the policy's) win.
        Assert.Equal(("daily", "ami-replicator", sourceId), (root.Tags["backup"], root.Tags["copied-by"], root.Tags["amireplicator:source-image-id"]));
        Assert.False(root.Tags.ContainsKey("role"));
        Assert.Equal("data", data.Tags["role"]);
        Assert.False(data.Tags.ContainsKey("backup"));
        Assert.All(new[] { root, data }, s => Assert.Equal([LaunchPermissionEntry.ForAccount("111122223333")], s.CreateVolumePermissions));
        Assert.Contains(plain.Notes, n => n.Contains($"snapshots not shared with {Org}: EC2 shares snapshots with accounts only", StringComparison.Ordinal));
        // Encrypted with the AWS managed key, which no other account may use: EC2 refuses to share, and the job says so.
        var encrypted = jobs.Single(j => j.Key.DestinationRegion == "eu-central-1");
        Assert.Contains(encrypted.Notes, n => n.Contains("Encrypted snapshots with EBS default key cannot be shared", StringComparison.Ordinal));
        Assert.All(h.Simulator.Snapshots("eu-central-1"), s => Assert.Empty(s.CreateVolumePermissions));
        // The source's snapshot tags were read once, when its copies were asked for, not once per destination as each copy finished.
        Assert.Equal(1, h.Simulator.CallCount("us-east-1", "DescribeSnapshots"));
    }
}

using AmiReplicator.Domain.Jobs;
using AmiReplicator.Ec2Simulator;

namespace AmiReplicator.Workflows.Tests;

/// <summary>Encryption per destination, every snapshot of a multi-snapshot AMI checked; keys that do not exist; instance-store AMIs.</summary>
public class EncryptionTests
{
    private static IReadOnlyList<BlockDeviceInfo> DevicesOfCopy(WorkflowHarness h, IEnumerable<CopyJob> jobs, string destination) =>
        h.Simulator.FindImage(destination, jobs.Single(j => j.Key.DestinationRegion == destination).TargetImageId!)!.BlockDevices;

    [Fact]
    public async Task Each_destination_gets_its_encryption_on_every_snapshot_and_without_one_each_snapshot_keeps_its_own()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1"}]}""");
        var key = h.Simulator.CreateKmsKey("ap-southeast-2", "alias/golden");
        h.ChangePolicy($$"""
            {"destinations":[{"region":"eu-west-1"},{"region":"eu-central-1","encrypted":true},
             {"region":"ap-southeast-2","encrypted":true,"kmsKeyId":"{{key}}"}]}
            """);
        var sourceKey = h.Simulator.CreateKmsKey("us-east-1");
        var sourceId = h.Simulator.SeedImage("us-east-1", new SeedImage
        {
            Name = "golden-multi",
            Volumes = [new SeedVolume("/dev/xvda"), new SeedVolume("/dev/xvdb", 20, Encrypted: true, KmsKeyId: sourceKey), new SeedVolume("/dev/xvdc", 30)],
        });

        var jobs = await ByHand.ReplicateAsync(h, sourceId);

        Assert.Equal(3, jobs.Count);
        Assert.All(jobs, j => Assert.Equal(CopyJobState.Available, j.State));
        // Unencrypted -> unencrypted and encrypted -> encrypted, each snapshot as it was (a key of the destination: a key stays in its region).
        var asIs = DevicesOfCopy(h, jobs, "eu-west-1");
        Assert.Equal([false, true, false], asIs.Select(d => d.Encrypted));
        Assert.StartsWith($"arn:aws:kms:eu-west-1:{h.Simulator.AccountId}:key/", asIs[1].KmsKeyId, StringComparison.Ordinal);
        // Unencrypted -> encrypted with the default EBS key, every snapshot; the encrypted one re-encrypted with it.
        var byDefault = DevicesOfCopy(h, jobs, "eu-central-1");
        Assert.All(byDefault, d => Assert.True(d.Encrypted));
        Assert.Single(byDefault.Select(d => d.KmsKeyId).Distinct());
        // Unencrypted -> encrypted, and encrypted -> re-encrypted, with the destination's key.
        Assert.All(DevicesOfCopy(h, jobs, "ap-southeast-2"), d => Assert.Equal((true, key), (d.Encrypted, d.KmsKeyId)));
        Assert.Equal(3, DevicesOfCopy(h, jobs, "ap-southeast-2").Select(d => d.SnapshotId).Distinct().Count());
    }

    [Fact]
    public async Task A_key_that_does_not_exist_in_the_destination_is_accepted_by_CopyImage_and_fails_the_job_naming_the_key_without_retries()
    {
        var missingKey = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000";
        await using var h = await WorkflowHarness.StartAsync(
            $$"""{"destinations":[{"region":"eu-west-1","encrypted":true,"kmsKeyId":"{{missingKey}}"}],"retries":{"maxAttempts":3} }""");
        var sourceId = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-1" });

        var job = Assert.Single(await ByHand.ReplicateAsync(h, sourceId));

        Assert.Equal((CopyJobState.Failed, 1), (job.State, job.Attempt));
        Assert.Contains($"its KMS key {missingKey} is not usable in eu-west-1 (NotFoundException", job.LastError, StringComparison.Ordinal);
        Assert.Equal(1, h.Simulator.CallCount("eu-west-1", "CopyImage"));
        Assert.Equal("deregistered", h.Simulator.FindImage("eu-west-1", job.TargetImageId!)!.State);
        Assert.All(await h.CountersAsync(), c => Assert.Equal(0, c.InFlight));
    }

    [Fact]
    public async Task An_instance_store_AMI_is_copied_without_encryption_where_its_destination_asks_for_it_and_the_job_says_so()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1","encrypted":true},{"region":"eu-central-1"}]}""");
        var sourceId = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-instance-store", RootDeviceType = "instance-store", RootDeviceName = "/dev/sda1" });

        var jobs = await ByHand.ReplicateAsync(h, sourceId);

        Assert.All(jobs, j => Assert.Equal(CopyJobState.Available, j.State));
        Assert.All(jobs, j => Assert.Equal("instance-store", h.Simulator.FindImage(j.Key.DestinationRegion, j.TargetImageId!)!.RootDeviceType));
        Assert.Contains(jobs.Single(j => j.Key.DestinationRegion == "eu-west-1").Notes,
            n => n.Contains("not encrypted: an instance-store-backed AMI has no snapshots", StringComparison.Ordinal));
        Assert.DoesNotContain(jobs.Single(j => j.Key.DestinationRegion == "eu-central-1").Notes, n => n.Contains("encrypt", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Asking_again_after_a_destinations_encryption_changed_recopies_the_source_and_the_first_copy_stays()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1"}]}""");
        var sourceId = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-1" });
        var first = Assert.Single(await ByHand.ReplicateAsync(h, sourceId));
        var unchanged = Assert.Single(await ByHand.ReplicateAsync(h, sourceId));
        var key = h.Simulator.CreateKmsKey("eu-west-1");
        h.ChangePolicy($$"""{"destinations":[{"region":"eu-west-1","encrypted":true,"kmsKeyId":"{{key}}"}]}""");

        var recopied = Assert.Single(await ByHand.ReplicateAsync(h, sourceId));

        Assert.Equal((CopyJobState.Available, first.TargetImageId, 1), (unchanged.State, unchanged.TargetImageId, unchanged.Attempt));
        Assert.Equal((CopyJobState.Available, 2, true, key), (recopied.State, recopied.Attempt, recopied.Encrypt, recopied.KmsKeyId));
        Assert.NotEqual(first.TargetImageId, recopied.TargetImageId);
        Assert.Contains(recopied.Notes, n => n.Contains("eu-west-1's encryption changed since its copy", StringComparison.Ordinal));
        var copy = h.Simulator.FindImage("eu-west-1", recopied.TargetImageId!)!;
        Assert.Equal($"golden-1 (us-east-1 {sourceId})", copy.Name);
        Assert.All(copy.BlockDevices, d => Assert.Equal((true, key), (d.Encrypted, d.KmsKeyId)));
        var kept = h.Simulator.FindImage("eu-west-1", first.TargetImageId!)!;
        Assert.Equal(("available", "golden-1", false), (kept.State, kept.Name, kept.BlockDevices[0].Encrypted));
        Assert.Equal(2, h.Simulator.CallCount("eu-west-1", "CopyImage"));
    }
}

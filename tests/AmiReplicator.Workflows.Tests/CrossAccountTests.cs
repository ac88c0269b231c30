using AmiReplicator.Domain.Jobs;
using AmiReplicator.Ec2Simulator;

namespace AmiReplicator.Workflows.Tests;

/// <summary>AMIs another account shares with ours, asked for by hand: what EC2 copies, and what it refuses with the reason.</summary>
public class CrossAccountTests
{
    private const string Vendor = "999988887777";

    private static string SeedShared(WorkflowHarness h, string name, IReadOnlyList<SeedVolume>? volumes = null, string platform = "Linux/UNIX", bool storageReadable = true) =>
        h.Simulator.SeedImage("us-east-1", new SeedImage
        {
            Name = name,
            OwnerId = Vendor,
            Volumes = volumes ?? [],
            PlatformDetails = platform,
            StorageReadable = storageReadable,
            LaunchPermissions = [LaunchPermissionEntry.ForAccount(h.Simulator.AccountId)],
        });

    private static async Task AssertNoSlotHeldAsync(WorkflowHarness h) =>
        Assert.All(await h.CountersAsync(), c => Assert.Equal((0, 0), (c.InFlight, c.Holders.Count)));

    [Fact]
    public async Task An_encrypted_AMI_whose_keys_its_owner_shares_is_copied_owned_by_the_account_under_its_own_key_per_destination()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1"}]}""");
        var key = h.Simulator.CreateKmsKey("eu-west-1", "alias/golden");
        h.ChangePolicy($$"""{"destinations":[{"region":"eu-west-1","encrypted":true,"kmsKeyId":"{{key}}"},{"region":"eu-central-1"}]}""");
        var vendorKey = h.Simulator.CreateForeignKmsKey("us-east-1", Vendor, sharedWithUs: true);
        var sourceId = SeedShared(h, "vendor-encrypted", [new SeedVolume("/dev/xvda", Encrypted: true, KmsKeyId: vendorKey), new SeedVolume("/dev/xvdb", 20)]);

        var jobs = await ByHand.ReplicateAsync(h, sourceId);

        Assert.Equal(2, jobs.Count);
        Assert.All(jobs, j => Assert.Equal((CopyJobState.Available, 1), (j.State, j.Attempt)));
        var reEncrypted = h.Simulator.FindImage("eu-west-1", jobs.Single(j => j.Key.DestinationRegion == "eu-west-1").TargetImageId!)!;
        var keptEncrypted = h.Simulator.FindImage("eu-central-1", jobs.Single(j => j.Key.DestinationRegion == "eu-central-1").TargetImageId!)!;
        Assert.Equal((h.Simulator.AccountId, h.Simulator.AccountId), (reEncrypted.OwnerId, keptEncrypted.OwnerId));
        Assert.All(reEncrypted.BlockDevices, d => Assert.Equal((true, key), (d.Encrypted, d.KmsKeyId)));
        // Without encryption asked, each snapshot keeps its state: the encrypted one under a key of the account's in that region.
        Assert.Equal([true, false], keptEncrypted.BlockDevices.Select(d => d.Encrypted));
        Assert.StartsWith($"arn:aws:kms:eu-central-1:{h.Simulator.AccountId}:key/", keptEncrypted.BlockDevices[0].KmsKeyId, StringComparison.Ordinal);
        await AssertNoSlotHeldAsync(h);
    }

    [Fact]
    public async Task A_shared_encrypted_AMI_that_waits_for_a_slot_is_copied_by_the_poller_once_one_is_free()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1","maxInFlight":1}]}""");
        var vendorKey = h.Simulator.CreateForeignKmsKey("us-east-1", Vendor, sharedWithUs: true);
        var first = SeedShared(h, "vendor-encrypted-1", [new SeedVolume("/dev/xvda", Encrypted: true, KmsKeyId: vendorKey)]);
        var second = SeedShared(h, "vendor-encrypted-2", [new SeedVolume("/dev/xvda", Encrypted: true, KmsKeyId: vendorKey)]);

        h.Send($$"""{"sourceRegion":"us-east-1","sourceImageId":"{{first}}","requestedBy":"alice"}""");
        h.Send($$"""{"sourceRegion":"us-east-1","sourceImageId":"{{second}}","requestedBy":"alice"}""");
        await h.DeliverAsync();
        Assert.Single(await h.JobsAsync(), j => j.State == CopyJobState.Waiting);
        var jobs = await h.RunPollerUntilDoneAsync();

        Assert.All(jobs, j => Assert.Equal((CopyJobState.Available, 1), (j.State, j.Attempt)));
        Assert.All(jobs, j => Assert.True(h.Simulator.FindImage("eu-west-1", j.TargetImageId!)!.BlockDevices.Single().Encrypted));
        await AssertNoSlotHeldAsync(h);
    }

    [Fact]
    public async Task An_encrypted_AMI_whose_key_is_not_shared_is_refused_before_CopyImage_naming_the_key_with_the_guides_advice()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1"}]}""");
        var vendorKey = h.Simulator.CreateForeignKmsKey("us-east-1", Vendor, sharedWithUs: false);
        var sourceId = SeedShared(h, "vendor-private-key", [new SeedVolume("/dev/xvda", Encrypted: true, KmsKeyId: vendorKey)]);

        var job = Assert.Single(await ByHand.ReplicateAsync(h, sourceId));

        Assert.Equal(CopyJobState.Failed, job.State);
        Assert.Contains($"encrypted AMI shared from account {Vendor}, and this account cannot use its KMS key ({vendorKey}: AccessDeniedException", job.LastError, StringComparison.Ordinal);
        Assert.Contains("copy its snapshots with re-encryption under a key of your own and register a new AMI", job.LastError, StringComparison.Ordinal);
        Assert.Equal(0, h.Simulator.CallCount("eu-west-1", "CopyImage"));
        await AssertNoSlotHeldAsync(h);
    }

    [Fact]
    public async Task A_shared_AMI_with_a_billing_product_is_refused_before_CopyImage_saying_what_to_do_instead()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1"}]}""");
        var sourceId = SeedShared(h, "vendor-windows", platform: "Windows");

        var job = Assert.Single(await ByHand.ReplicateAsync(h, sourceId));

        Assert.Equal(CopyJobState.Failed, job.State);
        Assert.Contains($"billing product code (Windows, AWS Marketplace) shared from account {Vendor}", job.LastError, StringComparison.Ordinal);
        Assert.Contains("launch an instance from it and create an image instead", job.LastError, StringComparison.Ordinal);
        Assert.Equal(0, h.Simulator.CallCount("eu-west-1", "CopyImage"));
    }

    [Fact]
    public async Task A_shared_AMI_whose_snapshots_are_not_shared_ends_failed_with_EC2s_reason_after_one_CopyImage()
    {
        await using var h = await WorkflowHarness.StartAsync("""{"destinations":[{"region":"eu-west-1"}]}""");
        var sourceId = SeedShared(h, "vendor-unshared-storage", storageReadable: false);

        var job = Assert.Single(await ByHand.ReplicateAsync(h, sourceId));
        h.Clock.Advance(TimeSpan.FromHours(1));
        await h.RunPollerAsync();

        Assert.Equal((CopyJobState.Failed, 1), (job.State, job.Attempt));
        Assert.Equal("CopyImage refused: InvalidRequest: You do not have permission to access the storage of this ami", job.LastError);
        Assert.Equal(1, h.Simulator.CallCount("eu-west-1", "CopyImage"));
        Assert.Equal(CopyJobState.Failed, Assert.Single(await h.JobsAsync()).State);
        await AssertNoSlotHeldAsync(h);
    }
}

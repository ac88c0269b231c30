using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using static AmiReplicator.Ec2Simulator.Tests.Harness;

namespace AmiReplicator.Ec2Simulator.Tests;

/// <summary>
/// Several accounts on one simulator, each reached through its access key id: an image another account sees only through its
/// launch permissions, copies of it made by and owned by the copier when its storage and keys are shared, and names, limits,
/// region access and events kept per account.
/// </summary>
public sealed class CrossAccountTests
{
    /// <summary>The account copies are made into ("the spoke"); the default account is the image's owner ("the hub").</summary>
    private const string Spoke = OtherAccount;

    private const string OrganizationalUnit = "ou-a1b2-11111111";

    [Fact]
    public async Task An_image_shared_with_its_snapshots_and_key_is_copied_by_the_other_account_which_owns_the_copy_and_gets_its_events()
    {
        await using var h = await Harness.StartAsync();
        var spokeBus = new List<ImageStateChange>();
        h.Simulator.Account(Spoke).ImageStateChanged += (_, change) => spokeBus.Add(change);
        var hubKey = h.Simulator.CreateKmsKey(Source);
        h.Simulator.DefaultAccount.AllowKeyUse(hubKey, Spoke);
        var golden = await h.RegisterAsync(Source, encrypted: true, kmsKeyId: hubKey);
        await ShareAsync(h, golden, launch: true, snapshots: true);
        using var spoke = h.ClientOf(Spoke, Destination);
        using var spokeInSource = h.ClientOf(Spoke, Source);
        var name = UniqueName("golden");

        var copyId = (await spoke.CopyImageAsync(new CopyImageRequest { SourceRegion = Source, SourceImageId = golden, Name = name })).ImageId;
        var sameRegion = (await spokeInSource.CopyImageAsync(new CopyImageRequest { SourceRegion = Source, SourceImageId = golden, Name = name })).ImageId;
        h.Clock.Advance(TimeSpan.FromMinutes(5));

        var copy = Assert.Single((await spoke.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [copyId] })).Images);
        Assert.Equal(("available", Spoke), (copy.State.Value, copy.OwnerId));
        Assert.Equal(h.Simulator.Account(Spoke).DefaultEbsKeyArn(Destination), copy.BlockDeviceMappings[0].Ebs.KmsKeyId);
        Assert.Equal(Spoke, h.Simulator.FindImage(Source, sameRegion)!.OwnerId);
        // The copy is the spoke's own: not shared with the hub, and its events reach the spoke's bus only.
        await Ec2Assert.ErrorAsync("InvalidAMIID.NotFound", () => h.DescribeAsync(Destination, copyId));
        Assert.Contains(spokeBus, change => change.ImageId == copyId && change.State == "available" && change.AccountId == Spoke);
        Assert.Equal(spokeBus, h.Simulator.Account(Spoke).StateChanges());
        Assert.Contains($"\"account\":\"{Spoke}\"", spokeBus.First(change => change.ImageId == copyId).ToEventBridgeJson(), StringComparison.Ordinal);
        Assert.DoesNotContain(h.Simulator.StateChanges(), change => change.ImageId == copyId || change.ImageId == sameRegion);
        Assert.Contains(h.Simulator.StateChanges(), change => change.ImageId == golden && change.AccountId == h.Simulator.AccountId);
    }

    [Fact]
    public async Task Copying_another_accounts_image_is_refused_until_the_image_and_then_its_snapshots_are_shared_with_the_copier()
    {
        await using var h = await Harness.StartAsync();
        var golden = await h.RegisterAsync(Source);
        using var spoke = h.ClientOf(Spoke, Destination);
        Task<CopyImageResponse> Copy() =>
            spoke.CopyImageAsync(new CopyImageRequest { SourceRegion = Source, SourceImageId = golden, Name = UniqueName("copy") });

        await Ec2Assert.ErrorAsync("InvalidAMIID.NotFound", Copy);
        await ShareAsync(h, golden, launch: true, snapshots: false);
        var storage = await Ec2Assert.ErrorAsync("InvalidRequest", Copy);
        await ShareAsync(h, golden, launch: false, snapshots: true);
        var copyId = (await Copy()).ImageId;

        Assert.Equal("You do not have permission to access the storage of this ami", storage.Message);
        Assert.Equal(Spoke, h.Simulator.FindImage(Destination, copyId)!.OwnerId);
        Assert.Equal(1, h.Simulator.Account(Spoke).PendingCopies(Destination));
        Assert.Equal(0, h.Simulator.PendingCopies(Destination));
    }

    [Fact]
    public async Task An_encrypted_image_whose_key_policy_does_not_admit_the_copier_fails_to_copy_and_its_organization_grant_makes_it_work()
    {
        await using var h = await Harness.StartAsync();
        h.Simulator.Account(Spoke).JoinOrganization(Organization, OrganizationalUnit);
        var hubKey = h.Simulator.CreateKmsKey(Source);
        var golden = await h.RegisterAsync(Source, encrypted: true, kmsKeyId: hubKey);
        await ShareAsync(h, golden, launch: true, snapshots: true);
        using var spoke = h.ClientOf(Spoke, Destination);
        using var spokeKms = new AmazonKeyManagementServiceClient(new BasicAWSCredentials(Spoke, "test"), h.Config<AmazonKeyManagementServiceConfig>(Source));
        Task<CopyImageResponse> Copy() =>
            spoke.CopyImageAsync(new CopyImageRequest { SourceRegion = Source, SourceImageId = golden, Name = UniqueName("copy") });

        var denied = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => spokeKms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = hubKey }));
        var refused = (await Copy()).ImageId;
        h.Simulator.DefaultAccount.AllowKeyUse(hubKey, Organization);
        var described = (await spokeKms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = hubKey })).KeyMetadata;
        var copied = (await Copy()).ImageId;
        h.Clock.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal("AccessDeniedException", denied.ErrorCode);
        Assert.StartsWith($"User: arn:aws:iam::{Spoke}:root is not authorized to perform: kms:DescribeKey on resource: {hubKey}", denied.Message, StringComparison.Ordinal);
        Assert.Equal((h.Simulator.AccountId, "CUSTOMER"), (described.AWSAccountId, described.KeyManager.Value));
        var failed = h.Simulator.FindImage(Destination, refused)!;
        Assert.Equal(("failed", "Server.InternalError"), (failed.State, failed.StateReason!.Code));
        Assert.Equal("available", h.Simulator.FindImage(Destination, copied)!.State);
    }

    [Fact]
    public async Task A_snapshot_under_the_AWS_managed_key_cannot_be_shared_so_its_image_stays_uncopyable_by_others()
    {
        await using var h = await Harness.StartAsync();
        var golden = await h.RegisterAsync(Source, encrypted: true);
        var snapshotId = (await h.DescribeAsync(Source, golden)).BlockDeviceMappings[0].Ebs.SnapshotId;

        var refused = await Ec2Assert.ErrorAsync("OperationNotPermitted", () => ShareAsync(h, golden, launch: false, snapshots: true));
        await Ec2Assert.ErrorAsync("InvalidParameter", () => ShareAsync(h, golden, launch: true, snapshots: false));

        Assert.Equal("Encrypted snapshots with EBS default key cannot be shared", refused.Message);
        Assert.Empty(h.Simulator.Snapshots(Source).Single(snapshot => snapshot.SnapshotId == snapshotId).CreateVolumePermissions);
    }

    [Fact]
    public async Task Names_copy_limits_and_region_access_are_each_accounts_own()
    {
        await using var h = await Harness.StartAsync(options => options with { MaxConcurrentCopiesPerDestination = 2 });
        using var spokeSource = h.ClientOf(Spoke, Source);
        using var spokeDestination = h.ClientOf(Spoke, Destination);
        var hubImage = await h.RegisterAsync(Source);
        var spokeImage = (await spokeSource.RegisterImageAsync(new RegisterImageRequest { Name = UniqueName("own"), RootDeviceName = "/dev/xvda" })).ImageId;
        string[] names = [UniqueName("first"), UniqueName("second")];

        foreach (var name in names)
        {
            await h.CopyAsync(hubImage, configure: r => r.Name = name);
        }

        await Ec2Assert.ErrorAsync("ResourceLimitExceeded", () => h.CopyAsync(hubImage));
        foreach (var name in names)
        {
            await spokeDestination.CopyImageAsync(new CopyImageRequest { SourceRegion = Source, SourceImageId = spokeImage, Name = name });
        }

        await Ec2Assert.ErrorAsync("ResourceLimitExceeded",
            () => spokeDestination.CopyImageAsync(new CopyImageRequest { SourceRegion = Source, SourceImageId = spokeImage, Name = UniqueName("third") }));
        await Ec2Assert.ErrorAsync("InvalidAMIName.Duplicate",
            () => spokeDestination.CopyImageAsync(new CopyImageRequest { SourceRegion = Source, SourceImageId = spokeImage, Name = names[0] }));
        h.Simulator.Account(Spoke).SetRegionAccess(Destination, RegionAccess.NotOptedIn);
        await Ec2Assert.ErrorAsync("AuthFailure", () => spokeDestination.DescribeImagesAsync(new DescribeImagesRequest()));

        Assert.Equal((2, 2), (h.Simulator.PendingCopies(Destination), h.Simulator.Account(Spoke).PendingCopies(Destination)));
        Assert.NotEmpty((await h.Client(Destination).DescribeImagesAsync(new DescribeImagesRequest { Owners = ["self"] })).Images);
    }

    [Fact]
    public async Task DescribeImages_answers_each_caller_by_its_launch_permissions_organization_included_and_shows_only_its_own_tags()
    {
        await using var h = await Harness.StartAsync();
        const string outsider = "333344445555";
        h.Simulator.Account(Spoke).JoinOrganization(Organization, "ou-a1b2-00000000", OrganizationalUnit);
        var golden = await h.RegisterAsync(Source, tags: new Dictionary<string, string> { ["team"] = "platform" });
        await h.Client(Source).ModifyImageAttributeAsync(new ModifyImageAttributeRequest
        {
            ImageId = golden,
            LaunchPermission = new LaunchPermissionModifications
            {
                Add = [new LaunchPermission { OrganizationalUnitArn = $"arn:aws:organizations::{h.Simulator.AccountId}:ou/{Organization}/ou-a1b2-00000000" }],
            },
        });
        using var spoke = h.ClientOf(Spoke, Source);
        using var other = h.ClientOf(outsider, Source);

        var byOwner = (await spoke.DescribeImagesAsync(new DescribeImagesRequest { Owners = [h.Simulator.AccountId] })).Images;
        var executable = (await spoke.DescribeImagesAsync(new DescribeImagesRequest { ExecutableUsers = ["self"] })).Images;
        await spoke.CreateTagsAsync(new CreateTagsRequest { Resources = [golden], Tags = [new Amazon.EC2.Model.Tag("seen-by", "spoke")] });
        var tagsSeen = Assert.Single((await spoke.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [golden] })).Images).Tags;

        Assert.Equal(golden, Assert.Single(byOwner).ImageId);
        Assert.Empty(byOwner[0].Tags ?? []);
        Assert.Equal(golden, Assert.Single(executable).ImageId);
        Assert.Equal("spoke", Assert.Single(tagsSeen).Value);
        Assert.Equal("platform", Assert.Single((await h.DescribeAsync(Source, golden)).Tags).Value);
        Assert.Empty((await other.DescribeImagesAsync(new DescribeImagesRequest { Owners = [h.Simulator.AccountId] })).Images ?? []);
        await Ec2Assert.ErrorAsync("InvalidAMIID.NotFound", () => other.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [golden] }));
    }

    /// <summary>The hub (default account) shares the image (launch permission) and its snapshots (createVolumePermission) with the spoke.</summary>
    private static async Task ShareAsync(Harness h, string imageId, bool launch, bool snapshots)
    {
        var client = h.Client(Source);
        if (launch)
        {
            await client.ModifyImageAttributeAsync(new ModifyImageAttributeRequest
            {
                ImageId = imageId,
                LaunchPermission = new LaunchPermissionModifications { Add = [new LaunchPermission { UserId = Spoke }] },
            });
        }

        if (snapshots)
        {
            foreach (var device in (await h.DescribeAsync(Source, imageId)).BlockDeviceMappings)
            {
                await client.ModifySnapshotAttributeAsync(new ModifySnapshotAttributeRequest
                {
                    SnapshotId = device.Ebs.SnapshotId,
                    Attribute = SnapshotAttributeName.CreateVolumePermission,
                    CreateVolumePermission = new CreateVolumePermissionModifications { Add = [new CreateVolumePermission { UserId = Spoke }] },
                });
            }
        }
    }
}

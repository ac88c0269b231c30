using Amazon.EC2;
using Amazon.EC2.Model;
using static AmiReplicator.Ec2Simulator.Tests.Harness;

namespace AmiReplicator.Ec2Simulator.Tests;

public sealed class CopyRefusalTests
{
    [Fact]
    public async Task Unknown_and_malformed_sources_are_refused()
    {
        await using var h = await Harness.StartAsync();
        var sourceId = await h.RegisterAsync(Source);

        await Ec2Assert.ErrorAsync("InvalidAMIID.NotFound", () => h.CopyAsync("ami-0123456789abcdef0"));
        await Ec2Assert.ErrorAsync("InvalidAMIID.Malformed", () => h.CopyAsync("not-an-ami"));
        await Ec2Assert.ErrorAsync("InvalidAMIID.NotFound", () => h.CopyAsync(sourceId, source: "us-west-2"));
        Assert.Equal(0, h.Simulator.PendingCopies(Destination));
    }

    [Fact]
    public async Task A_source_that_is_not_available_is_refused()
    {
        await using var h = await Harness.StartAsync();
        var pendingCopy = await h.CopyAsync(await h.RegisterAsync(Source), destination: "us-west-2");
        var failed = h.Simulator.SeedImage(Source, new SeedImage { Name = UniqueName("failed"), State = "failed" });

        await Ec2Assert.ErrorAsync("InvalidAMIID.Unavailable", () => h.CopyAsync(pendingCopy, source: "us-west-2"));
        await Ec2Assert.ErrorAsync("IncorrectState", () => h.CopyAsync(failed));
    }

    [Fact]
    public async Task A_kms_key_without_encryption_is_refused()
    {
        await using var h = await Harness.StartAsync();
        var sourceId = await h.RegisterAsync(Source);
        var key = h.Simulator.CreateKmsKey(Destination);

        await Ec2Assert.ErrorAsync("InvalidParameterDependency", () => h.CopyAsync(sourceId, configure: r => r.KmsKeyId = key));
        await Ec2Assert.ErrorAsync("InvalidParameterDependency", () => h.CopyAsync(sourceId, configure: r => (r.Encrypted, r.KmsKeyId) = (false, key)));
    }

    [Fact]
    public async Task An_unencrypted_copy_of_an_encrypted_source_is_refused_but_leaving_encryption_alone_keeps_it()
    {
        await using var h = await Harness.StartAsync();
        var sourceId = await h.RegisterAsync(Source, encrypted: true);

        await Ec2Assert.ErrorAsync("InvalidRequest", () => h.CopyAsync(sourceId, configure: r => r.Encrypted = false));
        var copyId = await h.CopyAsync(sourceId);

        var root = (await h.DescribeAsync(Destination, copyId)).BlockDeviceMappings[0].Ebs;
        Assert.True(root.Encrypted);
        Assert.StartsWith($"arn:aws:kms:{Destination}:{h.Simulator.AccountId}:key/", root.KmsKeyId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Amis_with_billing_products_shared_by_another_account_are_refused()
    {
        await using var h = await Harness.StartAsync();
        var sharing = new[] { LaunchPermissionEntry.ForAccount(h.Simulator.AccountId) };
        var windows = h.Simulator.SeedImage(Source, new SeedImage
        {
            Name = UniqueName("windows"),
            OwnerId = OtherAccount,
            PlatformDetails = "Windows",
            LaunchPermissions = sharing,
        });
        var marketplace = h.Simulator.SeedImage(Source, new SeedImage
        {
            Name = UniqueName("marketplace"),
            OwnerId = OtherAccount,
            ProductCodes = [new ImageProductCode("abcdefghijklmnop0123456789")],
            LaunchPermissions = sharing,
        });
        var ownWindows = h.Simulator.SeedImage(Source, new SeedImage { Name = UniqueName("own-windows"), PlatformDetails = "Windows" });

        var windowsError = await Ec2Assert.ErrorAsync("InvalidRequest", () => h.CopyAsync(windows));
        Assert.Equal("Images with EC2 BillingProduct codes cannot be copied to another AWS account", windowsError.Message);
        var marketplaceError = await Ec2Assert.ErrorAsync("InvalidRequest", () => h.CopyAsync(marketplace));
        Assert.Equal("Images from AWS Marketplace cannot be copied to another AWS account", marketplaceError.Message);
        var copy = await h.DescribeAsync(Destination, await h.CopyAsync(ownWindows));
        Assert.Equal("Windows", copy.PlatformDetails);
        Assert.Equal(PlatformValues.Windows, copy.Platform);
    }

    [Fact]
    public async Task A_shared_ami_whose_storage_is_not_readable_is_refused_and_a_readable_one_is_copied_as_ours()
    {
        await using var h = await Harness.StartAsync();
        var sharing = new[] { LaunchPermissionEntry.ForAccount(h.Simulator.AccountId) };
        var unreadable = h.Simulator.SeedImage(Source, new SeedImage
        {
            Name = UniqueName("unreadable"),
            OwnerId = OtherAccount,
            LaunchPermissions = sharing,
            StorageReadable = false,
        });
        var readable = h.Simulator.SeedImage(Source, new SeedImage
        {
            Name = UniqueName("readable"),
            OwnerId = OtherAccount,
            LaunchPermissions = sharing,
        });
        var notShared = h.Simulator.SeedImage(Source, new SeedImage { Name = UniqueName("private"), OwnerId = OtherAccount });

        var error = await Ec2Assert.ErrorAsync("InvalidRequest", () => h.CopyAsync(unreadable));
        Assert.Equal("You do not have permission to access the storage of this ami", error.Message);
        await Ec2Assert.ErrorAsync("InvalidAMIID.NotFound", () => h.CopyAsync(notShared));
        var copy = await h.DescribeAsync(Destination, await h.CopyAsync(readable));
        Assert.Equal(h.Simulator.AccountId, copy.OwnerId);
    }

    [Fact]
    public async Task Names_must_be_valid_and_unique_in_the_destination()
    {
        await using var h = await Harness.StartAsync();
        var sourceId = await h.RegisterAsync(Source);
        var name = UniqueName("golden");
        await h.CopyAsync(sourceId, configure: r => r.Name = name);

        await Ec2Assert.ErrorAsync("InvalidAMIName.Duplicate", () => h.CopyAsync(sourceId, configure: r => r.Name = name));
        await Ec2Assert.ErrorAsync("InvalidAMIName.Malformed", () => h.CopyAsync(sourceId, configure: r => r.Name = "bad#name!"));
        await Ec2Assert.ErrorAsync("MissingParameter", () => h.CopyAsync(sourceId, configure: r => r.Name = null));
    }

    [Fact]
    public async Task An_empty_tag_specification_is_refused_as_EC2_does()
    {
        await using var h = await Harness.StartAsync();
        var sourceId = await h.RegisterAsync(Source);

        await Ec2Assert.ErrorAsync("InvalidTagKey.Malformed", () => h.CopyAsync(sourceId, configure: r =>
            r.TagSpecifications = [new TagSpecification { ResourceType = ResourceType.Image, Tags = [] }]));
        await Ec2Assert.ErrorAsync("InvalidParameterValue", () => h.CopyAsync(sourceId, configure: r =>
            r.TagSpecifications = [new TagSpecification { ResourceType = ResourceType.Image, Tags = [new Tag("aws:owner", "x")] }]));
    }
}

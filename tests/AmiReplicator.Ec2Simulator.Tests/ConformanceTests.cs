using Amazon.EC2;
using Amazon.EC2.Model;
using AmiReplicator.TestSupport;
using static AmiReplicator.Ec2Simulator.Tests.Harness;

namespace AmiReplicator.Ec2Simulator.Tests;

/// <summary>
/// The EC2 calls the product makes, run against the simulator and moto's EC2; each test asserts the same
/// observable answer from both where both model the case. moto is the reference for API shapes only.
/// </summary>
[Collection(LocalCloudFixture.Collection)]
public sealed class ConformanceTests(MotoAndSimulator ec2) : IClassFixture<MotoAndSimulator>
{
    private static readonly TimeSpan CopyTime = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task DescribeImages_shows_the_fields_the_product_reads_alike()
    {
        var shapes = await OnBoth(async target =>
        {
            var image = await DescribeAsync(target, Source, await RegisterAsync(target, Source, "conformance image"));
            var root = image.BlockDeviceMappings?.FirstOrDefault();
            return new Dictionary<string, object?>
            {
                ["imageId"] = image.ImageId?.StartsWith("ami-", StringComparison.Ordinal),
                ["name"] = image.Name?.StartsWith("conformance-", StringComparison.Ordinal),
                ["description"] = image.Description,
                ["imageState"] = image.State?.Value,
                ["imageOwnerId"] = image.OwnerId,
                ["creationDate"] = DateTimeOffset.TryParse(image.CreationDate, System.Globalization.CultureInfo.InvariantCulture, out _),
                ["isPublic"] = image.Public,
                ["rootDeviceType"] = image.RootDeviceType is not null,
                ["rootDeviceName"] = image.RootDeviceName is not null,
                ["blockDeviceMapping.deviceName"] = root?.DeviceName is not null,
                ["blockDeviceMapping.ebs.snapshotId"] = root?.Ebs?.SnapshotId?.StartsWith("snap-", StringComparison.Ordinal),
                ["blockDeviceMapping.ebs.volumeSize"] = root?.Ebs?.VolumeSize is > 0,
                ["blockDeviceMapping.ebs.deleteOnTermination"] = root?.Ebs?.DeleteOnTermination is not null,
                ["tagSet"] = image.Tags?.Count ?? 0,
                ["productCodes"] = image.ProductCodes?.Count ?? 0,
                ["stateReason"] = image.StateReason,
                ["deprecationTime"] = image.DeprecationTime,
                // Not compared, moto lacks them or differs from AWS: rootDeviceType is "standard" (AWS: "ebs"),
                // no imageLocation, platformDetails, usageOperation, ebs.encrypted; RegisterImage's mappings are ignored.
            };
        });

        Assert.Equal(shapes["moto"], shapes["simulator"]);
    }

    [Fact]
    public async Task DescribeImageAttribute_launchPermission_answers_alike()
    {
        var answers = await OnBoth(async target =>
        {
            var client = target.Client(Source);
            var imageId = await RegisterAsync(target, Source, "conformance permissions");
            async Task<string> Permissions() => string.Join(",", ((await client.DescribeImageAttributeAsync(
                    new DescribeImageAttributeRequest(imageId, ImageAttributeName.LaunchPermission))).ImageAttribute.LaunchPermissions ?? [])
                .Select(p => $"{p.UserId}{p.Group?.Value}")
                .Order(StringComparer.Ordinal));

            var before = await Permissions();
            await client.ModifyImageAttributeAsync(new ModifyImageAttributeRequest
            {
                ImageId = imageId,
                LaunchPermission = new LaunchPermissionModifications
                {
                    Add = [new LaunchPermission { UserId = OtherAccount }, new LaunchPermission { Group = PermissionGroup.All }],
                },
            });
            var added = await Permissions();
            var isPublic = (await DescribeAsync(target, Source, imageId)).Public;
            await client.ModifyImageAttributeAsync(new ModifyImageAttributeRequest
            {
                ImageId = imageId,
                LaunchPermission = new LaunchPermissionModifications { Remove = [new LaunchPermission { Group = PermissionGroup.All }] },
            });
            return (before, added, isPublic, removed: await Permissions());
        });

        Assert.Equal((string.Empty, $"{OtherAccount},all", true, OtherAccount), answers["simulator"]);
        Assert.Equal(answers["moto"], answers["simulator"]);
    }

    [Fact]
    public async Task Unknown_and_malformed_image_ids_answer_the_same_errors()
    {
        var answers = await OnBoth(async target =>
        {
            var client = target.Client(Source);
            var unknown = await ErrorCode(() => client.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = ["ami-0123456789abcdef0"] }));
            // Malformed in both: moto only checks the "ami-" prefix, so "ami-xyz" would be NotFound there but Malformed in EC2.
            var malformed = await ErrorCode(() => client.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = ["foo-12345678"] }));
            var filtered = (await client.DescribeImagesAsync(new DescribeImagesRequest
            {
                Filters = [new Filter("image-id", ["ami-0123456789abcdef0"])],
            })).Images?.Count ?? 0;
            var copyUnknown = await ErrorCode(() => client.CopyImageAsync(new CopyImageRequest
            {
                SourceRegion = Source,
                SourceImageId = "ami-0123456789abcdef0",
                Name = UniqueName("conformance-copy"),
            }));
            return (unknown, malformed, filtered, copyUnknown);
        });

        Assert.Equal(("InvalidAMIID.NotFound", "InvalidAMIID.Malformed", 0, "InvalidAMIID.NotFound"), answers["simulator"]);
        Assert.Equal(answers["moto"], answers["simulator"]);
    }

    [Fact]
    public async Task A_cross_region_copy_exists_in_the_destination_only()
    {
        var answers = await OnBoth(async target =>
        {
            var sourceId = await RegisterAsync(target, Source, "conformance cross region");
            var copyId = (await target.Client(Destination).CopyImageAsync(new CopyImageRequest
            {
                SourceRegion = Source,
                SourceImageId = sourceId,
                Name = UniqueName("conformance-copy"),
                Description = "copy",
            })).ImageId;
            target.Advance(CopyTime);

            var copy = await DescribeAsync(target, Destination, copyId);
            var inSource = await ErrorCode(() => target.Client(Source).DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [copyId] }));
            var sourceInDestination = (await target.Client(Destination).DescribeImagesAsync(new DescribeImagesRequest
            {
                Filters = [new Filter("image-id", [sourceId])],
            })).Images?.Count ?? 0;
            // moto does not report sourceImageId/sourceImageRegion on copies; EC2 and the simulator do.
            return (copyId != sourceId, copy.State.Value, copy.OwnerId, copy.Description, inSource, sourceInDestination);
        });

        Assert.Equal((true, "available", "123456789012", "copy", "InvalidAMIID.NotFound", 0), answers["simulator"]);
        Assert.Equal(answers["moto"], answers["simulator"]);
    }

    [Fact]
    public async Task Tags_and_launch_permissions_are_not_carried_to_the_copy()
    {
        var answers = await OnBoth(async target =>
        {
            var source = target.Client(Source);
            var sourceId = await RegisterAsync(target, Source, "conformance not carried");
            await source.CreateTagsAsync(new CreateTagsRequest([sourceId], [new Tag("team", "platform")]));
            await source.ModifyImageAttributeAsync(new ModifyImageAttributeRequest
            {
                ImageId = sourceId,
                LaunchPermission = new LaunchPermissionModifications { Add = [new LaunchPermission { UserId = OtherAccount }] },
            });
            var copyId = (await target.Client(Destination).CopyImageAsync(new CopyImageRequest
            {
                SourceRegion = Source,
                SourceImageId = sourceId,
                Name = UniqueName("conformance-copy"),
            })).ImageId;
            target.Advance(CopyTime);

            var sourceTags = (await DescribeAsync(target, Source, sourceId)).Tags?.Count ?? 0;
            var copyTags = (await DescribeAsync(target, Destination, copyId)).Tags?.Count ?? 0;
            var copyPermissions = (await target.Client(Destination).DescribeImageAttributeAsync(
                new DescribeImageAttributeRequest(copyId, ImageAttributeName.LaunchPermission))).ImageAttribute.LaunchPermissions?.Count ?? 0;
            return (sourceTags, copyTags, copyPermissions);
        });

        Assert.Equal((1, 0, 0), answers["simulator"]);
        Assert.Equal(answers["moto"], answers["simulator"]);
    }

    private async Task<Dictionary<string, T>> OnBoth<T>(Func<Ec2Target, Task<T>> scenario)
    {
        var answers = new Dictionary<string, T>();
        foreach (var target in ec2.Targets)
        {
            answers[target.Name] = await scenario(target);
        }

        return answers;
    }

    private static async Task<string> RegisterAsync(Ec2Target target, string region, string description) =>
        (await target.Client(region).RegisterImageAsync(new RegisterImageRequest
        {
            Name = UniqueName("conformance"),
            Description = description,
            RootDeviceName = "/dev/xvda",
            BlockDeviceMappings = [new BlockDeviceMapping { DeviceName = "/dev/xvda", Ebs = new EbsBlockDevice { VolumeSize = 8 } }],
        })).ImageId;

    private static async Task<Image> DescribeAsync(Ec2Target target, string region, string imageId) =>
        Assert.Single((await target.Client(region).DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [imageId] })).Images);

    private static async Task<string?> ErrorCode(Func<Task> call)
    {
        try
        {
            await call();
            return null;
        }
        catch (AmazonEC2Exception e)
        {
            return e.ErrorCode;
        }
    }
}

using System.Net;
using Amazon.EC2;
using Amazon.EC2.Model;
using static AmiReplicator.Ec2Simulator.Tests.Harness;

namespace AmiReplicator.Ec2Simulator.Tests;

/// <summary>DescribeImages, tags, launch permissions and deprecation through the real client.</summary>
public sealed class ImageApiTests
{
    [Fact]
    public async Task DescribeImages_by_id_fails_on_unknown_and_malformed_ids_but_the_image_id_filter_never_does()
    {
        await using var h = await Harness.StartAsync();
        var known = await h.RegisterAsync(Source);
        var unknown = "ami-0123456789abcdef0";
        var client = h.Client(Source);

        var notFound = await Ec2Assert.ErrorAsync("InvalidAMIID.NotFound", () =>
            client.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [known, unknown] }));
        Assert.Contains(unknown, notFound.Message, StringComparison.Ordinal);
        await Ec2Assert.ErrorAsync("InvalidAMIID.Malformed", () =>
            client.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = ["ami-xyz"] }));

        var ids = Enumerable.Range(0, 199).Select(i => $"ami-{i:x17}").Append(known).ToList();
        var filtered = await client.DescribeImagesAsync(new DescribeImagesRequest { Filters = [new Filter("image-id", ids)] });
        Assert.Equal(known, Assert.Single(filtered.Images).ImageId);
        await Ec2Assert.ErrorAsync("FilterLimitExceeded", () => client.DescribeImagesAsync(
            new DescribeImagesRequest { Filters = [new Filter("image-id", [.. ids, unknown])] }));
    }

    [Fact]
    public async Task DescribeImages_filters_by_state_name_and_tags_and_pages()
    {
        await using var h = await Harness.StartAsync();
        var tagged = await h.RegisterAsync(Source, name: "golden-linux-1", tags: new() { ["team"] = "platform" });
        await h.RegisterAsync(Source, name: "golden-linux-2");
        var copy = await h.CopyAsync(tagged, destination: Source);
        var client = h.Client(Source);

        async Task<List<string>> Ids(params Filter[] filters) =>
            [.. ((await client.DescribeImagesAsync(new DescribeImagesRequest { Owners = ["self"], Filters = [.. filters] })).Images ?? []).Select(i => i.ImageId)];

        Assert.Equal([copy], await Ids(new Filter("state", ["pending"])));
        Assert.Equal(2, (await Ids(new Filter("name", ["golden-linux-?"]))).Count);
        Assert.Equal([tagged], await Ids(new Filter("tag:team", ["plat*"])));
        Assert.Equal([tagged], await Ids(new Filter("tag-key", ["team"])));
        Assert.Equal([copy], await Ids(new Filter("source-image-id", [tagged])));
        await Ec2Assert.ErrorAsync("InvalidParameterValue", () => Ids(new Filter("no-such-filter", ["x"])));

        var firstPage = await client.DescribeImagesAsync(new DescribeImagesRequest { Owners = ["self"], MaxResults = 5 });
        Assert.Equal(3, firstPage.Images.Count);
        Assert.Null(firstPage.NextToken);
    }

    [Fact]
    public async Task Deregistered_images_disappear_from_DescribeImages()
    {
        await using var h = await Harness.StartAsync();
        var imageId = await h.RegisterAsync(Source);
        var client = h.Client(Source);

        await client.DeregisterImageAsync(new DeregisterImageRequest(imageId));

        Assert.Empty((await client.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [imageId] })).Images ?? []);
        Assert.Empty((await client.DescribeImagesAsync(new DescribeImagesRequest { Owners = ["self"] })).Images ?? []);
        Assert.Equal("deregistered", h.Simulator.FindImage(Source, imageId)!.State);
    }

    [Fact]
    public async Task Another_accounts_deprecated_image_is_listed_only_when_asked_or_named()
    {
        await using var h = await Harness.StartAsync();
        var deprecated = h.Simulator.SeedImage(Source, new SeedImage
        {
            Name = UniqueName("old"),
            OwnerId = OtherAccount,
            DeprecationTime = h.Clock.GetUtcNow().AddDays(-1),
            LaunchPermissions = [LaunchPermissionEntry.Public],
        });
        var client = h.Client(Source);

        Assert.Empty((await client.DescribeImagesAsync(new DescribeImagesRequest { Owners = [OtherAccount] })).Images ?? []);
        Assert.Single((await client.DescribeImagesAsync(new DescribeImagesRequest { Owners = [OtherAccount], IncludeDeprecated = true })).Images);
        var named = await h.DescribeAsync(Source, deprecated);
        Assert.NotNull(named.DeprecationTime);
        Assert.True(named.Public);
    }

    [Fact]
    public async Task CreateTags_refuses_aws_prefixed_keys_and_unknown_resources_and_tags_snapshots()
    {
        await using var h = await Harness.StartAsync();
        var imageId = await h.RegisterAsync(Source);
        var snapshotId = (await h.DescribeAsync(Source, imageId)).BlockDeviceMappings[0].Ebs.SnapshotId;
        var client = h.Client(Source);

        await Ec2Assert.ErrorAsync("InvalidParameterValue", () => client.CreateTagsAsync(new CreateTagsRequest([imageId], [new Tag("aws:cloudformation:stack", "x")])));
        await Ec2Assert.ErrorAsync("InvalidAMIID.NotFound", () => client.CreateTagsAsync(new CreateTagsRequest([imageId, "ami-0123456789abcdef0"], [new Tag("a", "b")])));
        await Ec2Assert.ErrorAsync("InvalidSnapshot.NotFound", () => client.CreateTagsAsync(new CreateTagsRequest(["snap-0123456789abcdef0"], [new Tag("a", "b")])));
        await client.CreateTagsAsync(new CreateTagsRequest([imageId, snapshotId], [new Tag("team", "platform")]));

        Assert.Equal("platform", Assert.Single((await h.DescribeAsync(Source, imageId)).Tags).Value);
        Assert.Equal("platform", h.Simulator.Snapshots(Source).Single(s => s.SnapshotId == snapshotId).Tags["team"]);
    }

    [Fact]
    public async Task Launch_permissions_of_the_four_kinds_are_added_described_and_removed()
    {
        await using var h = await Harness.StartAsync();
        var imageId = await h.RegisterAsync(Source);
        var client = h.Client(Source);
        const string org = "arn:aws:organizations::111122223333:organization/o-abcdefghij";
        const string ou = "arn:aws:organizations::111122223333:ou/o-abcdefghij/ou-ab12-cdefgh34";

        await client.ModifyImageAttributeAsync(new ModifyImageAttributeRequest
        {
            ImageId = imageId,
            LaunchPermission = new LaunchPermissionModifications
            {
                Add =
                [
                    new LaunchPermission { UserId = OtherAccount },
                    new LaunchPermission { Group = PermissionGroup.All },
                    new LaunchPermission { OrganizationArn = org },
                    new LaunchPermission { OrganizationalUnitArn = ou },
                ],
            },
        });
        await client.ModifyImageAttributeAsync(new ModifyImageAttributeRequest
        {
            ImageId = imageId,
            LaunchPermission = new LaunchPermissionModifications { Remove = [new LaunchPermission { Group = PermissionGroup.All }] },
        });

        var described = (await client.DescribeImageAttributeAsync(
            new DescribeImageAttributeRequest(imageId, ImageAttributeName.LaunchPermission))).ImageAttribute;
        Assert.Equal(imageId, described.ImageId);
        Assert.Equal(
            [(OtherAccount, null, null, null), (null, null, org, null), (null, null, null, ou)],
            described.LaunchPermissions.Select(p => ((string?)p.UserId, p.Group?.Value, (string?)p.OrganizationArn, (string?)p.OrganizationalUnitArn)));
        Assert.False((await h.DescribeAsync(Source, imageId)).Public);
        await Ec2Assert.ErrorAsync("InvalidAMIAttributeItemValue", () => client.ModifyImageAttributeAsync(new ModifyImageAttributeRequest
        {
            ImageId = imageId,
            LaunchPermission = new LaunchPermissionModifications { Add = [new LaunchPermission { UserId = "12345" }] },
        }));
    }

    [Fact]
    public async Task Block_public_access_refuses_Group_all_with_OperationNotPermitted()
    {
        await using var h = await Harness.StartAsync();
        var imageId = await h.RegisterAsync(Source);
        var client = h.Client(Source);
        h.Simulator.SetImageBlockPublicAccess(Source, enabled: true);
        var makePublic = new ModifyImageAttributeRequest
        {
            ImageId = imageId,
            LaunchPermission = new LaunchPermissionModifications { Add = [new LaunchPermission { Group = PermissionGroup.All }] },
        };

        await Ec2Assert.ErrorAsync("OperationNotPermitted", () => client.ModifyImageAttributeAsync(makePublic));
        Assert.Equal(
            ImageBlockPublicAccessEnabledState.BlockNewSharing.Value,
            (await client.GetImageBlockPublicAccessStateAsync(new GetImageBlockPublicAccessStateRequest())).ImageBlockPublicAccessState);
        await client.ModifyImageAttributeAsync(new ModifyImageAttributeRequest
        {
            ImageId = imageId,
            LaunchPermission = new LaunchPermissionModifications { Add = [new LaunchPermission { UserId = OtherAccount }] },
        });

        h.Simulator.SetImageBlockPublicAccess(Source, enabled: false);
        await client.ModifyImageAttributeAsync(makePublic);
        Assert.True((await h.DescribeAsync(Source, imageId)).Public);
    }

    [Fact]
    public async Task An_image_is_shared_with_at_most_1000_entities()
    {
        await using var h = await Harness.StartAsync();
        var imageId = await h.RegisterAsync(Source);
        var client = h.Client(Source);
        LaunchPermissionModifications Accounts(int from, int count) => new()
        {
            Add = [.. Enumerable.Range(from, count).Select(i => new LaunchPermission { UserId = $"{i:D12}" })],
        };

        await client.ModifyImageAttributeAsync(new ModifyImageAttributeRequest { ImageId = imageId, LaunchPermission = Accounts(1, 1000) });
        await Ec2Assert.ErrorAsync("ResourceLimitExceeded", () =>
            client.ModifyImageAttributeAsync(new ModifyImageAttributeRequest { ImageId = imageId, LaunchPermission = Accounts(1001, 1) }));
    }

    [Fact]
    public async Task A_pending_copy_takes_tags_but_not_launch_permissions()
    {
        await using var h = await Harness.StartAsync();
        var copyId = await h.CopyAsync(await h.RegisterAsync(Source));
        var client = h.Client(Destination);

        await client.CreateTagsAsync(new CreateTagsRequest([copyId], [new Tag("team", "platform")]));
        await Ec2Assert.ErrorAsync("InvalidAMIID.Unavailable", () => client.ModifyImageAttributeAsync(new ModifyImageAttributeRequest
        {
            ImageId = copyId,
            LaunchPermission = new LaunchPermissionModifications { Add = [new LaunchPermission { UserId = OtherAccount }] },
        }));
    }

    [Fact]
    public async Task EnableImageDeprecation_rounds_to_the_minute_and_refuses_the_past_and_other_accounts_images()
    {
        await using var h = await Harness.StartAsync();
        var imageId = await h.RegisterAsync(Source);
        var shared = h.Simulator.SeedImage(Source, new SeedImage
        {
            Name = UniqueName("shared"),
            OwnerId = OtherAccount,
            LaunchPermissions = [LaunchPermissionEntry.Public],
        });
        var client = h.Client(Source);

        await client.EnableImageDeprecationAsync(new EnableImageDeprecationRequest
        {
            ImageId = imageId,
            DeprecateAt = new DateTime(2027, 3, 1, 12, 0, 40, DateTimeKind.Utc),
        });
        Assert.Equal("2027-03-01T12:01:00.000Z", (await h.DescribeAsync(Source, imageId)).DeprecationTime);
        await Ec2Assert.ErrorAsync("InvalidParameterValue", () => client.EnableImageDeprecationAsync(new EnableImageDeprecationRequest
        {
            ImageId = imageId,
            DeprecateAt = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc),
        }));
        await Ec2Assert.ErrorAsync("AuthFailure", () => client.EnableImageDeprecationAsync(new EnableImageDeprecationRequest
        {
            ImageId = shared,
            DeprecateAt = new DateTime(2027, 3, 1, 0, 0, 0, DateTimeKind.Utc),
        }));
    }

    [Fact]
    public async Task EnableImageDeprecation_refuses_a_time_seconds_past_even_where_it_rounds_up_and_takes_one_seconds_ahead_even_where_it_rounds_down()
    {
        await using var h = await Harness.StartAsync();
        var imageId = await h.RegisterAsync(Source);
        var client = h.Client(Source);
        Task DeprecateAsync(DateTimeOffset at) =>
            client.EnableImageDeprecationAsync(new EnableImageDeprecationRequest { ImageId = imageId, DeprecateAt = at.UtcDateTime });

        h.Clock.Advance(TimeSpan.FromSeconds(40));
        await Ec2Assert.ErrorAsync("InvalidParameterValue", () => DeprecateAsync(h.Clock.GetUtcNow().AddSeconds(-5)));
        Assert.Null((await h.DescribeAsync(Source, imageId)).DeprecationTime);

        h.Clock.Advance(TimeSpan.FromSeconds(40));
        await DeprecateAsync(h.Clock.GetUtcNow().AddSeconds(5));

        Assert.Equal("2026-11-25T10:01:00.000Z", (await h.DescribeAsync(Source, imageId)).DeprecationTime);
        await Ec2Assert.ErrorAsync("InvalidParameterValue", () => DeprecateAsync(h.Clock.GetUtcNow().AddYears(10).AddMinutes(1)));
    }

    [Fact]
    public async Task A_public_image_is_deprecated_at_most_2_years_after_its_creation_and_a_private_one_up_to_10_years_ahead()
    {
        await using var h = await Harness.StartAsync();
        var client = h.Client(Source);
        var publicImage = await h.RegisterAsync(Source);
        var privateImage = await h.RegisterAsync(Source);
        await client.ModifyImageAttributeAsync(new ModifyImageAttributeRequest
        {
            ImageId = publicImage,
            LaunchPermission = new LaunchPermissionModifications { Add = [new LaunchPermission { Group = PermissionGroup.All }] },
        });
        h.Clock.Advance(TimeSpan.FromDays(30));
        var created = new DateTime(2026, 11, 25, 10, 0, 0, DateTimeKind.Utc);

        await Ec2Assert.ErrorAsync("InvalidParameterValue", () => client.EnableImageDeprecationAsync(
            new EnableImageDeprecationRequest { ImageId = publicImage, DeprecateAt = created.AddYears(2).AddMinutes(1) }));
        await client.EnableImageDeprecationAsync(new EnableImageDeprecationRequest { ImageId = publicImage, DeprecateAt = created.AddYears(2) });
        await client.EnableImageDeprecationAsync(new EnableImageDeprecationRequest { ImageId = privateImage, DeprecateAt = created.AddYears(5) });

        Assert.Equal("2028-11-25T10:00:00.000Z", (await h.DescribeAsync(Source, publicImage)).DeprecationTime);
        Assert.Equal("2031-11-25T10:00:00.000Z", (await h.DescribeAsync(Source, privateImage)).DeprecationTime);
    }

    [Fact]
    public async Task A_description_longer_than_255_characters_is_refused_on_register_and_copy()
    {
        await using var h = await Harness.StartAsync();
        var sourceId = await h.RegisterAsync(Source);

        await Ec2Assert.ErrorAsync("InvalidParameterValue", () => h.CopyAsync(sourceId, configure: r => r.Description = new string('d', 256)));
        await Ec2Assert.ErrorAsync("InvalidParameterValue", () => h.Client(Source).RegisterImageAsync(new RegisterImageRequest
        {
            Name = UniqueName("long"),
            Description = new string('d', 256),
            RootDeviceName = "/dev/xvda",
            BlockDeviceMappings = [new BlockDeviceMapping { DeviceName = "/dev/xvda", Ebs = new EbsBlockDevice { VolumeSize = 8 } }],
        }));
        Assert.NotNull(await h.CopyAsync(sourceId, configure: r => r.Description = new string('d', 255)));
    }

    [Fact]
    public async Task An_image_encrypted_with_the_AWS_managed_key_cannot_be_shared_with_an_account()
    {
        await using var h = await Harness.StartAsync();
        var sourceId = await h.RegisterAsync(Source);
        var defaultKeyCopy = await h.CopyAsync(sourceId, configure: r => r.Encrypted = true);
        var ownKeyCopy = await h.CopyAsync(sourceId, configure: r => (r.Encrypted, r.KmsKeyId) = (true, h.Simulator.CreateKmsKey(Destination)));
        h.Clock.Advance(TimeSpan.FromMinutes(10));
        var share = new LaunchPermissionModifications { Add = [new LaunchPermission { UserId = OtherAccount }] };

        var refused = await Ec2Assert.ErrorAsync("InvalidParameter", () => h.Client(Destination).ModifyImageAttributeAsync(new ModifyImageAttributeRequest { ImageId = defaultKeyCopy, LaunchPermission = share }));
        Assert.Contains("AWS Managed CMK", refused.Message, StringComparison.Ordinal);
        await h.Client(Destination).ModifyImageAttributeAsync(new ModifyImageAttributeRequest { ImageId = ownKeyCopy, LaunchPermission = share });
    }

    [Fact]
    public async Task A_seeded_pending_image_becomes_available_with_its_event_when_its_build_finishes()
    {
        await using var h = await Harness.StartAsync();
        var imageId = h.Simulator.SeedImage(Source, new SeedImage { Name = UniqueName("baking"), State = "pending" });
        await Ec2Assert.ErrorAsync("InvalidAMIID.Unavailable", () => h.CopyAsync(imageId));

        h.Simulator.FinishPendingImage(Source, imageId);

        Assert.Equal("available", (await h.DescribeAsync(Source, imageId)).State.Value);
        Assert.Contains(h.Simulator.StateChanges(), c => c.ImageId == imageId && c.State == "available");
        Assert.NotNull(await h.CopyAsync(imageId));
    }
}

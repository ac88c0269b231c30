using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using static AmiReplicator.Ec2Simulator.Tests.Harness;

namespace AmiReplicator.Ec2Simulator.Tests;

/// <summary>
/// What uses an image: instances and launch templates made in-process, DescribeImageReferences and the lastLaunchedTime attribute
/// through the real client, as EC2 answers them.
/// </summary>
public sealed class ImageUsageTests
{
    private const string Account = "123456789012";

    [Fact]
    public async Task Instances_and_launch_templates_reference_their_image_until_terminated_or_deleted()
    {
        await using var h = await Harness.StartAsync();
        var used = await h.RegisterAsync(Source);
        var templated = await h.RegisterAsync(Source);
        var unused = await h.RegisterAsync(Source);
        var first = h.Simulator.LaunchInstance(Source, used);
        var second = h.Simulator.LaunchInstance(Source, used);
        var template = h.Simulator.CreateLaunchTemplate(Source, used);
        var otherTemplate = h.Simulator.CreateLaunchTemplate(Source, templated);
        Assert.Matches("^i-[0-9a-f]{17}$", first);
        Assert.Matches("^lt-[0-9a-f]{17}$", template);

        (string, string, string)[] expected =
        [
            (used, "ec2:Instance", InstanceArn(Source, first)),
            (used, "ec2:Instance", InstanceArn(Source, second)),
            (used, "ec2:LaunchTemplate", TemplateArn(Source, template)),
            (templated, "ec2:LaunchTemplate", TemplateArn(Source, otherTemplate)),
        ];
        Assert.Equal(expected.Order(), (await ReferencesAsync(h, Source, [used, templated, unused])).Order());
        Assert.Equal(
            new[] { InstanceArn(Source, first), InstanceArn(Source, second) }.Order(StringComparer.Ordinal),
            (await ReferencesAsync(h, Source, [used], Instances())).Select(r => r.Arn).Order(StringComparer.Ordinal));
        Assert.Empty(await ReferencesAsync(h, Destination, [used, templated]));

        h.Simulator.TerminateInstance(Source, first);
        h.Simulator.DeleteLaunchTemplate(Source, template);

        Assert.Equal(
            [(used, "ec2:Instance", InstanceArn(Source, second)), (templated, "ec2:LaunchTemplate", TemplateArn(Source, otherTemplate))],
            (await ReferencesAsync(h, Source, [used, templated, unused])).OrderBy(r => r.Item2, StringComparer.Ordinal));
        Assert.Equal("InvalidInstanceID.NotFound", Assert.Throws<Ec2RefusedException>(() => h.Simulator.TerminateInstance(Source, first)).Code);
        Assert.Equal("InvalidLaunchTemplateId.NotFound", Assert.Throws<Ec2RefusedException>(() => h.Simulator.DeleteLaunchTemplate(Source, template)).Code);
    }

    [Fact]
    public async Task A_reference_outlives_the_image_being_deregistered_and_a_template_may_name_a_disabled_or_unknown_image()
    {
        await using var h = await Harness.StartAsync();
        var client = h.Client(Source);
        var gone = await h.RegisterAsync(Source);
        var disabled = await h.RegisterAsync(Source);
        const string unknown = "ami-0123456789abcdef0";
        var instance = h.Simulator.LaunchInstance(Source, gone);
        await client.DeregisterImageAsync(new DeregisterImageRequest(gone));
        await client.DisableImageAsync(new DisableImageRequest { ImageId = disabled });

        var disabledTemplate = h.Simulator.CreateLaunchTemplate(Source, disabled);
        var unknownTemplate = h.Simulator.CreateLaunchTemplate(Source, unknown);

        Assert.Equal(
            [
                (gone, "ec2:Instance", InstanceArn(Source, instance)),
                (disabled, "ec2:LaunchTemplate", TemplateArn(Source, disabledTemplate)),
                (unknown, "ec2:LaunchTemplate", TemplateArn(Source, unknownTemplate)),
            ],
            await ReferencesAsync(h, Source, [gone, disabled, unknown]));
        // EC2 validates a template's parameters only when an instance is launched from it: even a malformed id is kept as written.
        var malformed = h.Simulator.CreateLaunchTemplate(Source, "ami-xyz");
        Assert.Equal("ami-xyz", h.Simulator.DefaultAccount.LaunchTemplates(Source).Single(t => t.LaunchTemplateId == malformed).LatestImageId);
    }

    [Fact]
    public async Task LaunchInstance_refuses_what_RunInstances_refuses()
    {
        await using var h = await Harness.StartAsync();
        var deregistered = await h.RegisterAsync(Source);
        await h.Client(Source).DeregisterImageAsync(new DeregisterImageRequest(deregistered));
        var disabled = await h.RegisterAsync(Source);
        h.Simulator.DisableImage(Source, disabled);
        var pending = h.Simulator.SeedImage(Source, new SeedImage { Name = UniqueName("baking"), State = "pending" });
        var failed = h.Simulator.SeedImage(Source, new SeedImage { Name = UniqueName("broken"), State = "failed" });
        var hidden = h.Simulator.SeedImage(Source, new SeedImage { Name = UniqueName("private"), OwnerId = OtherAccount });
        var shared = h.Simulator.SeedImage(Source, new SeedImage
        {
            Name = UniqueName("shared"),
            OwnerId = OtherAccount,
            LaunchPermissions = [LaunchPermissionEntry.ForAccount(Account)],
        });
        var elsewhere = await h.RegisterAsync(Destination);

        string Refusal(string imageId) => Assert.Throws<Ec2RefusedException>(() => h.Simulator.LaunchInstance(Source, imageId)).Code;

        Assert.Equal("InvalidAMIID.Malformed", Refusal("ami-xyz"));
        Assert.Equal("InvalidAMIID.NotFound", Refusal("ami-0123456789abcdef0"));
        Assert.Equal("InvalidAMIID.NotFound", Refusal(elsewhere));
        Assert.Equal("InvalidAMIID.Unavailable", Refusal(deregistered));
        Assert.Equal("InvalidAMIID.Unavailable", Refusal(pending));
        Assert.Equal("IncorrectState", Refusal(disabled));
        Assert.Equal("IncorrectState", Refusal(failed));
        Assert.Equal("AuthFailure", Refusal(hidden));
        var launched = h.Simulator.LaunchInstance(Source, shared);
        Assert.Equal(
            [(shared, "ec2:Instance", InstanceArn(Source, launched))],
            await ReferencesAsync(h, Source, [deregistered, disabled, pending, failed, hidden, shared]));
    }

    [Fact]
    public async Task The_last_launched_time_is_the_latest_launch_and_only_the_owner_reads_it()
    {
        await using var h = await Harness.StartAsync();
        var client = h.Client(Source);
        var image = await h.RegisterAsync(Source);
        var shared = h.Simulator.SeedImage(Source, new SeedImage
        {
            Name = UniqueName("shared"),
            OwnerId = OtherAccount,
            LaunchPermissions = [LaunchPermissionEntry.ForAccount(Account)],
        });
        async Task<string?> LastLaunchedAsync(string imageId) =>
            (await client.DescribeImageAttributeAsync(new DescribeImageAttributeRequest(imageId, ImageAttributeName.LastLaunchedTime))).ImageAttribute.LastLaunchedTime;

        Assert.Null(await LastLaunchedAsync(image));

        h.Clock.Advance(TimeSpan.FromHours(1));
        h.Simulator.LaunchInstance(Source, image);
        Assert.Equal("2026-11-25T11:00:00Z", await LastLaunchedAsync(image));
        h.Clock.Advance(TimeSpan.FromHours(2));
        var latest = h.Simulator.LaunchInstance(Source, image);
        h.Simulator.TerminateInstance(Source, latest);
        Assert.Equal("2026-11-25T13:00:00Z", await LastLaunchedAsync(image));

        h.Simulator.LaunchInstance(Source, shared);
        await Ec2Assert.ErrorAsync("AuthFailure", () => LastLaunchedAsync(shared));
        await client.DeregisterImageAsync(new DeregisterImageRequest(image));
        await Ec2Assert.ErrorAsync("InvalidAMIID.Unavailable", () => LastLaunchedAsync(image));
    }

    [Fact]
    public async Task The_options_narrow_instances_by_state_and_templates_by_version_depth_and_all_resource_types_include_image_parameters()
    {
        await using var h = await Harness.StartAsync();
        var image = await h.RegisterAsync(Source);
        var instance = h.Simulator.LaunchInstance(Source, image);
        var template = h.Simulator.CreateLaunchTemplate(Source, image);
        using var ssm = new AmazonSimpleSystemsManagementClient(new BasicAWSCredentials("test", "test"), new AmazonSimpleSystemsManagementConfig
        {
            ServiceURL = h.Simulator.Endpoint.ToString(),
            AuthenticationRegion = Source,
            MaxErrorRetry = 0,
        });
        await ssm.PutParameterAsync(new PutParameterRequest
        {
            Name = "/golden/latest",
            Value = image,
            Type = ParameterType.String,
            DataType = "aws:ec2:image",
        });
        await ssm.PutParameterAsync(new PutParameterRequest { Name = "/golden/note", Value = image, Type = ParameterType.String });
        h.Clock.Advance(TimeSpan.FromSeconds(5));
        var parameterArn = h.Simulator.FindParameter(Source, "/golden/latest")!.Arn;

        var stopped = await ReferencesAsync(h, Source, [image], Instances(state: "stopped"));
        var running = await ReferencesAsync(h, Source, [image], Instances(state: "running"), Templates(depth: "1"));
        var all = await ReferencesAsync(h, Source, new DescribeImageReferencesRequest { ImageIds = [image], IncludeAllResourceTypes = true });
        var allButStopped = await ReferencesAsync(h, Source, new DescribeImageReferencesRequest
        {
            ImageIds = [image],
            IncludeAllResourceTypes = true,
            ResourceTypes = [Instances(state: "stopped")],
        });

        Assert.Empty(stopped);
        Assert.Equal([InstanceArn(Source, instance), TemplateArn(Source, template)], running.Select(r => r.Arn));
        Assert.Equal(
            [(image, "ec2:Instance", InstanceArn(Source, instance)), (image, "ec2:LaunchTemplate", TemplateArn(Source, template)), (image, "ssm:Parameter", parameterArn)],
            all);
        Assert.Equal([TemplateArn(Source, template), parameterArn], allButStopped.Select(r => r.Arn));
    }

    [Fact]
    public async Task DescribeImageReferences_refuses_what_EC2_refuses()
    {
        await using var h = await Harness.StartAsync();
        var image = await h.RegisterAsync(Source);
        var ten = Enumerable.Range(1, 9).Select(i => $"ami-{i:x17}").Append(image).ToList();
        var instances = new ResourceTypeRequest { ResourceType = ImageReferenceResourceType.Ec2Instance };
        Task Call(DescribeImageReferencesRequest request) => h.Client(Source).DescribeImageReferencesAsync(request);

        await Ec2Assert.ErrorAsync("MissingParameter", () => Call(new() { ResourceTypes = [instances] }));
        await Ec2Assert.ErrorAsync("InvalidParameterValue", () => Call(new() { ImageIds = [.. ten, "ami-0123456789abcdef0"], ResourceTypes = [instances] }));
        await Ec2Assert.ErrorAsync("InvalidAMIID.Malformed", () => Call(new() { ImageIds = ["ami-xyz"], ResourceTypes = [instances] }));
        await Ec2Assert.ErrorAsync("MissingParameter", () => Call(new() { ImageIds = [image] }));
        await Ec2Assert.ErrorAsync("MissingParameter", () => Call(new() { ImageIds = [image], IncludeAllResourceTypes = false }));
        await Ec2Assert.ErrorAsync("InvalidParameterValue", () => Call(new()
        {
            ImageIds = [image],
            ResourceTypes = [new ResourceTypeRequest { ResourceType = new ImageReferenceResourceType("ec2:Volume") }],
        }));
        // AWSSDK.EC2's analyzer refuses a constant below the model's minimum of 5 at build time; a value known only at run time gets to EC2.
        var belowMinimum = ten.Count - 6;
        await Ec2Assert.ErrorAsync("InvalidParameterValue", () => Call(new() { ImageIds = [image], ResourceTypes = [instances], MaxResults = belowMinimum }));
        await Ec2Assert.ErrorAsync("InvalidParameterValue", () => Call(new() { ImageIds = [image], ResourceTypes = [Instances(state: "asleep")] }));
        await Ec2Assert.ErrorAsync("InvalidParameterValue", () => Call(new() { ImageIds = [image], ResourceTypes = [Templates(depth: "0")] }));
        await Ec2Assert.ErrorAsync("InvalidParameterValue", () => Call(new() { ImageIds = [image], ResourceTypes = [Templates(depth: "10001")] }));
        await Ec2Assert.ErrorAsync("InvalidParameterValue", () => Call(new()
        {
            ImageIds = [image],
            ResourceTypes = [new ResourceTypeRequest
            {
                ResourceType = ImageReferenceResourceType.Ec2LaunchTemplate,
                ResourceTypeOptions = [new ResourceTypeOption { OptionName = ImageReferenceOptionName.StateName, OptionValues = ["running"] }],
            }],
        }));

        await Call(new() { ImageIds = ten, ResourceTypes = [instances], MaxResults = 5 });
        await Call(new() { ImageIds = [image], ResourceTypes = [Templates(depth: "10000")] });
    }

    [Fact]
    public async Task DescribeImageReferences_pages_with_MaxResults_to_the_last_reference()
    {
        await using var h = await Harness.StartAsync();
        var image = await h.RegisterAsync(Source);
        var other = await h.RegisterAsync(Source);
        var expected = Enumerable.Range(0, 10).Select(_ => InstanceArn(Source, h.Simulator.LaunchInstance(Source, image)))
            .Append(TemplateArn(Source, h.Simulator.CreateLaunchTemplate(Source, other)))
            .Append(InstanceArn(Source, h.Simulator.LaunchInstance(Source, other)))
            .ToList();
        var request = new DescribeImageReferencesRequest
        {
            ImageIds = [image, other],
            ResourceTypes = [Instances(), Templates()],
            MaxResults = 5,
        };

        var pages = new List<List<string>>();
        do
        {
            var page = await h.Client(Source).DescribeImageReferencesAsync(request);
            pages.Add([.. page.ImageReferences.Select(r => r.Arn)]);
            request.NextToken = page.NextToken;
        }
        while (request.NextToken is not null);

        Assert.Equal([5, 5, 2], pages.Select(p => p.Count));
        Assert.Equal(expected.Order(StringComparer.Ordinal), pages.SelectMany(p => p).Order(StringComparer.Ordinal));
        var unpaged = await h.Client(Source).DescribeImageReferencesAsync(new DescribeImageReferencesRequest { ImageIds = [image, other], ResourceTypes = [Instances(), Templates()] });
        Assert.Equal(12, unpaged.ImageReferences.Count);
        Assert.Null(unpaged.NextToken);
    }

    private static ResourceTypeRequest Instances(string? state = null) => new()
    {
        ResourceType = ImageReferenceResourceType.Ec2Instance,
        ResourceTypeOptions = state is null ? null : [new ResourceTypeOption { OptionName = ImageReferenceOptionName.StateName, OptionValues = [state] }],
    };

    private static ResourceTypeRequest Templates(string? depth = null) => new()
    {
        ResourceType = ImageReferenceResourceType.Ec2LaunchTemplate,
        ResourceTypeOptions = depth is null ? null : [new ResourceTypeOption { OptionName = ImageReferenceOptionName.VersionDepth, OptionValues = [depth] }],
    };

    private static Task<List<(string ImageId, string ResourceType, string Arn)>> ReferencesAsync(
        Harness h, string region, List<string> imageIds, params ResourceTypeRequest[] types) =>
        ReferencesAsync(h, region, new DescribeImageReferencesRequest
        {
            ImageIds = imageIds,
            ResourceTypes = types.Length > 0 ? [.. types] : [Instances(), Templates()],
        });

    private static async Task<List<(string ImageId, string ResourceType, string Arn)>> ReferencesAsync(Harness h, string region, DescribeImageReferencesRequest request)
    {
        var response = await h.Client(region).DescribeImageReferencesAsync(request);
        Assert.Null(response.NextToken);
        return [.. (response.ImageReferences ?? []).Select(r => (r.ImageId, r.ResourceType.Value, r.Arn))];
    }

    private static string InstanceArn(string region, string instanceId) => $"arn:aws:ec2:{region}:{Account}:instance/{instanceId}";

    private static string TemplateArn(string region, string templateId) => $"arn:aws:ec2:{region}:{Account}:launch-template/{templateId}";
}

using AmiReplicator.Aws.Ec2;
using AmiReplicator.Aws.Ssm;
using AmiReplicator.Domain.Images;
using AmiReplicator.Ec2Simulator;
using AmiReplicator.LocalCloud;
using Microsoft.Extensions.Time.Testing;

namespace AmiReplicator.Workflows.Tests;

/// <summary>The EC2 adapter's calls that tell whether a copy is in use, and EnableImage, against the EC2 simulator.</summary>
public sealed class ImageUsageGatewayTests : IAsyncLifetime
{
    private const string Region = "eu-west-1";
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero));
    private Ec2Simulator.Ec2Simulator _simulator = null!;
    private Ec2Clients _clients = null!;
    private Ec2ImageGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _simulator = await Ec2Simulator.Ec2Simulator.StartAsync(new Ec2SimulatorOptions { Clock = _clock });
        _clients = new Ec2Clients(_simulator.Endpoint, LocalReplication.Credentials);
        _gateway = new Ec2ImageGateway(_clients);
    }

    public async Task DisposeAsync()
    {
        _clients.Dispose();
        await _simulator.DisposeAsync();
    }

    [Fact]
    public async Task References_come_by_image_for_any_number_of_images_and_references_in_batches_of_10_paged_to_the_end()
    {
        var images = Enumerable.Range(1, 12).Select(i => Seed($"golden-{i}")).ToList();
        var crowded = images[0];
        var crowd = Enumerable.Range(0, 1001).Select(_ => InstanceArn(_simulator.LaunchInstance(Region, crowded))).ToList();
        var templated = images[3];
        var template = TemplateArn(_simulator.CreateLaunchTemplate(Region, templated));
        var last = images[11];
        var lastInstance = InstanceArn(_simulator.LaunchInstance(Region, last));

        var references = await _gateway.GetImageReferencesAsync(Region, [.. images, crowded], CancellationToken.None);

        Assert.Equal(new[] { crowded, templated, last }.Order(StringComparer.Ordinal), references.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(crowd.Order(StringComparer.Ordinal), references[crowded].Order(StringComparer.Ordinal));
        Assert.Equal([template], references[templated]);
        Assert.Equal([lastInstance], references[last]);
        // Two batches (10 and 2 images); the first has 1,002 references, two pages of at most 1,000.
        Assert.Equal(3, _simulator.CallCount(Region, "DescribeImageReferences"));
    }

    [Fact]
    public async Task Only_instances_and_launch_templates_count_and_no_image_asks_nothing()
    {
        var image = Seed("golden-1");
        using var parameters = new SsmImageParameters(_simulator.Endpoint, LocalReplication.Credentials);
        await parameters.PutImageIdAsync(Region, "/amirepl/latest/golden", image, CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(image, await parameters.GetImageIdAsync(Region, "/amirepl/latest/golden", CancellationToken.None));

        Assert.Empty(await _gateway.GetImageReferencesAsync(Region, [image], CancellationToken.None));
        Assert.Empty(await _gateway.GetImageReferencesAsync(Region, [], CancellationToken.None));
        Assert.Equal(1, _simulator.CallCount(Region, "DescribeImageReferences"));
    }

    [Fact]
    public async Task A_malformed_image_id_is_refused_with_EC2s_code()
    {
        var refused = await Assert.ThrowsAsync<ImageServiceException>(() => _gateway.GetImageReferencesAsync(Region, ["ami-xyz"], CancellationToken.None));

        Assert.Equal(("InvalidAMIID.Malformed", Ec2ErrorKind.Refused), (refused.Code, refused.Kind));
    }

    [Fact]
    public async Task The_last_launch_time_is_null_until_an_instance_is_launched_and_only_the_owner_reads_it()
    {
        var image = Seed("golden-1");
        var shared = _simulator.SeedImage(Region, new SeedImage
        {
            Name = "theirs",
            OwnerId = "210987654321",
            LaunchPermissions = [LaunchPermissionEntry.ForAccount(_simulator.AccountId)],
        });
        Assert.Null(await _gateway.GetLastLaunchedTimeAsync(Region, image, CancellationToken.None));

        _clock.Advance(TimeSpan.FromHours(3));
        _simulator.LaunchInstance(Region, image);
        _simulator.LaunchInstance(Region, shared);

        Assert.Equal(new DateTimeOffset(2026, 11, 25, 11, 0, 0, TimeSpan.Zero), await _gateway.GetLastLaunchedTimeAsync(Region, image, CancellationToken.None));
        var refused = await Assert.ThrowsAsync<ImageServiceException>(() => _gateway.GetLastLaunchedTimeAsync(Region, shared, CancellationToken.None));
        Assert.Equal(("AuthFailure", Ec2ErrorKind.Refused), (refused.Code, refused.Kind));
    }

    [Fact]
    public async Task A_disabled_image_is_enabled_without_its_shares_and_an_available_one_is_refused()
    {
        var image = _simulator.SeedImage(Region, new SeedImage { Name = "golden-1", LaunchPermissions = [LaunchPermissionEntry.ForAccount("111122223333")] });
        await _gateway.DisableImageAsync(Region, image, CancellationToken.None);

        await _gateway.EnableImageAsync(Region, image, CancellationToken.None);

        Assert.Equal(ImageState.Available, (await _gateway.DescribeImageAsync(Region, image, CancellationToken.None))!.State);
        Assert.Empty(await _gateway.GetLaunchPermissionsAsync(Region, image, CancellationToken.None));
        Assert.Equal("available", _simulator.StateChanges().Last(c => c.ImageId == image).State);
        var refused = await Assert.ThrowsAsync<ImageServiceException>(() => _gateway.EnableImageAsync(Region, image, CancellationToken.None));
        Assert.Equal(("IncorrectState", Ec2ErrorKind.Refused), (refused.Code, refused.Kind));
    }

    private string Seed(string name) => _simulator.SeedImage(Region, new SeedImage { Name = name });

    private string InstanceArn(string instanceId) => $"arn:aws:ec2:{Region}:{_simulator.AccountId}:instance/{instanceId}";

    private string TemplateArn(string templateId) => $"arn:aws:ec2:{Region}:{_simulator.AccountId}:launch-template/{templateId}";
}

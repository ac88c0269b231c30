using Amazon.EC2.Model;
using static AmiReplicator.Ec2Simulator.Tests.Harness;

namespace AmiReplicator.Ec2Simulator.Tests;

/// <summary>Deregistration protection, disabling and enabling, and withdrawn deprecation, as EC2 does them.</summary>
public sealed class ImageLifecycleTests
{
    [Fact]
    public async Task A_protected_image_cannot_be_deregistered_and_after_a_cooldown_only_24_hours_after_protection_is_disabled()
    {
        await using var h = await Harness.StartAsync();
        var client = h.Client(Source);
        var plain = await h.RegisterAsync(Source);
        var cooled = await h.RegisterAsync(Source);
        await client.EnableImageDeregistrationProtectionAsync(new() { ImageId = plain });
        await client.EnableImageDeregistrationProtectionAsync(new() { ImageId = cooled, WithCooldown = true });

        Assert.Equal("enabled-without-cooldown", (await h.DescribeAsync(Source, plain)).DeregistrationProtection);
        Assert.Equal("enabled-with-cooldown", (await h.DescribeAsync(Source, cooled)).DeregistrationProtection);
        await Ec2Assert.ErrorAsync("OperationNotPermitted", () => client.DeregisterImageAsync(new() { ImageId = plain }));

        await client.DisableImageDeregistrationProtectionAsync(new() { ImageId = plain });
        await client.DisableImageDeregistrationProtectionAsync(new() { ImageId = cooled });
        await client.DeregisterImageAsync(new() { ImageId = plain });
        await Ec2Assert.ErrorAsync("OperationNotPermitted", () => client.DeregisterImageAsync(new() { ImageId = cooled }));

        h.Clock.Advance(TimeSpan.FromHours(24));
        await client.DeregisterImageAsync(new() { ImageId = cooled, DeleteAssociatedSnapshots = true });
        Assert.Equal("deregistered", h.Simulator.FindImage(Source, cooled)!.State);
    }

    [Fact]
    public async Task A_disabled_image_loses_its_shares_is_listed_only_when_asked_and_cannot_be_copied()
    {
        await using var h = await Harness.StartAsync();
        var client = h.Client(Source);
        var image = await h.RegisterAsync(Source);
        await client.ModifyImageAttributeAsync(new()
        {
            ImageId = image,
            LaunchPermission = new() { Add = [new Amazon.EC2.Model.LaunchPermission { UserId = OtherAccount }] },
        });

        await client.DisableImageAsync(new() { ImageId = image });

        Assert.Empty((await client.DescribeImagesAsync(new DescribeImagesRequest { Owners = ["self"] })).Images ?? []);
        var listed = Assert.Single((await client.DescribeImagesAsync(new DescribeImagesRequest { Owners = ["self"], IncludeDisabled = true })).Images);
        Assert.Equal("disabled", listed.State.Value);
        Assert.Empty(h.Simulator.FindImage(Source, image)!.LaunchPermissions);
        await Ec2Assert.ErrorAsync("IncorrectState", () => h.CopyAsync(image));

        await client.EnableImageAsync(new() { ImageId = image });
        Assert.Equal("available", (await h.DescribeAsync(Source, image)).State.Value);
        Assert.Empty(h.Simulator.FindImage(Source, image)!.LaunchPermissions);
    }

    [Fact]
    public async Task Disabling_enabling_and_deregistering_raise_their_events_through_the_API_and_in_process_alike_for_our_images_only()
    {
        await using var h = await Harness.StartAsync();
        var client = h.Client(Source);
        var byApi = await h.RegisterAsync(Source);
        var inProcess = await h.RegisterAsync(Source);
        var theirs = h.Simulator.SeedImage(Source, new SeedImage
        {
            Name = UniqueName("theirs"),
            OwnerId = OtherAccount,
            LaunchPermissions = [LaunchPermissionEntry.ForAccount("123456789012")],
        });

        await client.DisableImageAsync(new() { ImageId = byApi });
        await client.DisableImageAsync(new() { ImageId = byApi });
        h.Clock.Advance(TimeSpan.FromMinutes(1));
        await client.EnableImageAsync(new() { ImageId = byApi });
        h.Clock.Advance(TimeSpan.FromMinutes(1));
        await client.DeregisterImageAsync(new() { ImageId = byApi });
        h.Simulator.DisableImage(Source, inProcess);
        h.Simulator.DisableImage(Source, inProcess);
        h.Clock.Advance(TimeSpan.FromMinutes(1));
        h.Simulator.EnableImage(Source, inProcess);
        h.Clock.Advance(TimeSpan.FromMinutes(1));
        h.Simulator.DeregisterImage(Source, inProcess);
        h.Simulator.DisableImage(Source, theirs);
        h.Simulator.EnableImage(Source, theirs);
        h.Simulator.DeregisterImage(Source, theirs);

        var start = h.Clock.GetUtcNow().AddMinutes(-4);
        (string, DateTimeOffset)[] Changes(string imageId) =>
            [.. h.Simulator.StateChanges().Where(c => c.ImageId == imageId).Select(c => (c.State, c.Time))];
        Assert.Equal([("available", start), ("disabled", start), ("available", start.AddMinutes(1)), ("deregistered", start.AddMinutes(2))], Changes(byApi));
        Assert.Equal(
            [("available", start), ("disabled", start.AddMinutes(2)), ("available", start.AddMinutes(3)), ("deregistered", start.AddMinutes(4))],
            Changes(inProcess));
        Assert.Empty(Changes(theirs));
    }

    [Fact]
    public async Task Enabling_in_process_restores_no_shares_and_needs_a_disabled_image()
    {
        await using var h = await Harness.StartAsync();
        var image = await h.RegisterAsync(Source);
        await h.Client(Source).ModifyImageAttributeAsync(new()
        {
            ImageId = image,
            LaunchPermission = new() { Add = [new Amazon.EC2.Model.LaunchPermission { UserId = OtherAccount }] },
        });
        Assert.Throws<ArgumentException>(() => h.Simulator.EnableImage(Source, image));

        h.Simulator.DisableImage(Source, image);
        h.Simulator.EnableImage(Source, image);

        Assert.Equal("available", (await h.DescribeAsync(Source, image)).State.Value);
        Assert.Empty(h.Simulator.FindImage(Source, image)!.LaunchPermissions);
        h.Simulator.DeregisterImage(Source, image);
        Assert.Throws<ArgumentException>(() => h.Simulator.DisableImage(Source, image));
        Assert.Throws<ArgumentException>(() => h.Simulator.EnableImage(Source, image));
    }

    [Fact]
    public async Task A_deprecation_time_can_be_withdrawn()
    {
        await using var h = await Harness.StartAsync();
        var client = h.Client(Source);
        var image = await h.RegisterAsync(Source);
        await client.EnableImageDeprecationAsync(new() { ImageId = image, DeprecateAt = h.Clock.GetUtcNow().AddDays(1).UtcDateTime });
        Assert.False(string.IsNullOrEmpty((await h.DescribeAsync(Source, image)).DeprecationTime));

        await client.DisableImageDeprecationAsync(new() { ImageId = image });

        Assert.True(string.IsNullOrEmpty((await h.DescribeAsync(Source, image)).DeprecationTime));
    }
}

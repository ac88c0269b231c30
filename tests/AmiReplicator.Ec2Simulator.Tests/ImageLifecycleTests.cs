using Amazon.EC2.Model;
using static AmiReplicator.Ec2Simulator.Tests.Harness;

namespace AmiReplicator.Ec2Simulator.Tests;

/// <summary>Deregistration protection, disabling and withdrawn deprecation, as EC2 does them.</summary>
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

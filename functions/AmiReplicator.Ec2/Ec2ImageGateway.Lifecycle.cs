using Amazon.EC2.Model;
using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;

namespace AmiReplicator.Ec2;

/// <summary>The calls that make copies follow their sources' lifecycle.</summary>
public sealed partial class Ec2ImageGateway
{
    public IAsyncEnumerable<ImageInfo> ListOwnCopiesAsync(string region, string? sourceRegion, CancellationToken cancellationToken) =>
        ListPagesAsync(region, new DescribeImagesRequest
        {
            Owners = ["self"],
            Filters = [sourceRegion is null
                ? new Filter("tag-key", [ProvenanceTags.SourceImageId])
                : new Filter($"tag:{ProvenanceTags.SourceRegion}", [sourceRegion])],
            IncludeDeprecated = true,
            IncludeDisabled = true,
        }, cancellationToken);

    public Task DisableDeprecationAsync(string region, string imageId, CancellationToken cancellationToken) =>
        Call(() => clients.For(region).DisableImageDeprecationAsync(new DisableImageDeprecationRequest { ImageId = imageId }, cancellationToken));

    public Task EnableDeregistrationProtectionAsync(string region, string imageId, bool withCooldown, CancellationToken cancellationToken) =>
        Call(() => clients.For(region).EnableImageDeregistrationProtectionAsync(
            new EnableImageDeregistrationProtectionRequest { ImageId = imageId, WithCooldown = withCooldown }, cancellationToken));

    public Task DisableDeregistrationProtectionAsync(string region, string imageId, CancellationToken cancellationToken) =>
        Call(() => clients.For(region).DisableImageDeregistrationProtectionAsync(
            new DisableImageDeregistrationProtectionRequest { ImageId = imageId }, cancellationToken));

    public Task DisableImageAsync(string region, string imageId, CancellationToken cancellationToken) =>
        Call(() => clients.For(region).DisableImageAsync(new DisableImageRequest { ImageId = imageId }, cancellationToken));

    /// <summary>"enabled-with-cooldown", "enabled-without-cooldown" (or "enabled"), "disabled"; anything else counts as disabled.</summary>
    private static DeregistrationProtection ParseProtection(string? value) => value switch
    {
        "enabled-with-cooldown" => DeregistrationProtection.EnabledWithCooldown,
        { } enabled when enabled.StartsWith("enabled", StringComparison.Ordinal) => DeregistrationProtection.Enabled,
        _ => DeregistrationProtection.Disabled,
    };
}

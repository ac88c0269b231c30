using Amazon.EC2.Model;
using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using DomainLaunchPermission = AmiReplicator.Domain.Images.LaunchPermission;

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

    public Task DeleteTagsAsync(string region, IReadOnlyCollection<string> resourceIds, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) =>
        Call(() => clients.For(region).DeleteTagsAsync(new DeleteTagsRequest
        {
            Resources = [.. resourceIds],
            // With its value, a tag is deleted only where it still has that value.
            Tags = [.. tags.Select(t => new Tag(t.Key, t.Value))],
        }, cancellationToken));

    public Task RemoveLaunchPermissionsAsync(string region, string imageId, IReadOnlyCollection<DomainLaunchPermission> permissions, CancellationToken cancellationToken) =>
        Call(() => clients.For(region).ModifyImageAttributeAsync(new ModifyImageAttributeRequest
        {
            ImageId = imageId,
            LaunchPermission = new LaunchPermissionModifications { Remove = [.. permissions.Select(ToEc2)] },
        }, cancellationToken));

    public Task RemoveCreateVolumePermissionsAsync(string region, string snapshotId, IReadOnlyCollection<string> accountIds, CancellationToken cancellationToken) =>
        ModifyCreateVolumePermissionsAsync(region, snapshotId, new CreateVolumePermissionModifications { Remove = VolumePermissions(accountIds) }, cancellationToken);

    /// <summary>"enabled-with-cooldown", "enabled-without-cooldown" (or "enabled"), "disabled"; anything else counts as disabled.</summary>
    private static DeregistrationProtection ParseProtection(string? value) => value switch
    {
        "enabled-with-cooldown" => DeregistrationProtection.EnabledWithCooldown,
        { } enabled when enabled.StartsWith("enabled", StringComparison.Ordinal) => DeregistrationProtection.Enabled,
        _ => DeregistrationProtection.Disabled,
    };
}

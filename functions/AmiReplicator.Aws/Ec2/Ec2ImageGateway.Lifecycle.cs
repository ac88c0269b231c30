using System.Globalization;
using Amazon.EC2;
using Amazon.EC2.Model;
using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using DomainLaunchPermission = AmiReplicator.Domain.Images.LaunchPermission;

namespace AmiReplicator.Aws.Ec2;

/// <summary>The calls that make copies follow their sources' lifecycle.</summary>
public sealed partial class Ec2ImageGateway
{
    /// <summary>DescribeImageReferences takes at most 10 image ids a call.</summary>
    private const int MaxImageIdsPerReferenceCheck = 10;

    /// <summary>EC2 documents no maximum page size for DescribeImageReferences (only a minimum of 5); 1,000 as DescribeImages takes.</summary>
    private const int ReferencesPageSize = 1000;

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

    public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> GetImageReferencesAsync(string region, IReadOnlyCollection<string> imageIds,
        CancellationToken cancellationToken)
    {
        var references = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var batch in imageIds.Distinct(StringComparer.Ordinal).Chunk(MaxImageIdsPerReferenceCheck))
        {
            var request = new DescribeImageReferencesRequest
            {
                ImageIds = [.. batch],
                // What launches instances from an image, each with EC2's defaults: instances in every state, a template's latest 10 versions.
                ResourceTypes =
                [
                    new ResourceTypeRequest { ResourceType = ImageReferenceResourceType.Ec2Instance },
                    new ResourceTypeRequest { ResourceType = ImageReferenceResourceType.Ec2LaunchTemplate },
                ],
                MaxResults = ReferencesPageSize,
            };
            do
            {
                var response = await Call(() => clients.For(region).DescribeImageReferencesAsync(request, cancellationToken));
                foreach (var reference in response.ImageReferences ?? [])
                {
                    if (!references.TryGetValue(reference.ImageId, out var arns))
                    {
                        references[reference.ImageId] = arns = [];
                    }

                    arns.Add(reference.Arn);
                }

                request.NextToken = response.NextToken;
            }
            while (!string.IsNullOrEmpty(request.NextToken));
        }

        return references.ToDictionary(r => r.Key, r => (IReadOnlyList<string>)r.Value, StringComparer.Ordinal);
    }

    public async Task<DateTimeOffset?> GetLastLaunchedTimeAsync(string region, string imageId, CancellationToken cancellationToken)
    {
        var response = await Call(() => clients.For(region).DescribeImageAttributeAsync(new DescribeImageAttributeRequest
        {
            ImageId = imageId,
            Attribute = ImageAttributeName.LastLaunchedTime,
        }, cancellationToken));
        var lastLaunched = response.ImageAttribute?.LastLaunchedTime;
        return string.IsNullOrEmpty(lastLaunched)
            ? null
            : DateTimeOffset.Parse(lastLaunched, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
    }

    public Task EnableImageAsync(string region, string imageId, CancellationToken cancellationToken) =>
        Call(() => clients.For(region).EnableImageAsync(new EnableImageRequest { ImageId = imageId }, cancellationToken));

    /// <summary>"enabled-with-cooldown", "enabled-without-cooldown" (or "enabled"), "disabled"; anything else counts as disabled.</summary>
    private static DeregistrationProtection ParseProtection(string? value) => value switch
    {
        "enabled-with-cooldown" => DeregistrationProtection.EnabledWithCooldown,
        { } enabled when enabled.StartsWith("enabled", StringComparison.Ordinal) => DeregistrationProtection.Enabled,
        _ => DeregistrationProtection.Disabled,
    };
}

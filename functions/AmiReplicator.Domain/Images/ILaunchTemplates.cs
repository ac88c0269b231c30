namespace AmiReplicator.Domain.Images;

/// <summary>
/// The EC2 launch template calls, each in the region named, in one account (the home account's, or a target account's through its
/// spoke role). Errors come out as from <see cref="IImageGateway"/>.
/// </summary>
public interface ILaunchTemplates
{
    /// <summary>The account's launch templates in the region carrying the tag with the value (DescribeLaunchTemplates, filter <c>tag:KEY</c>), every page.</summary>
    Task<IReadOnlyList<LaunchTemplateInfo>> ListTaggedAsync(string region, string tagKey, string tagValue, CancellationToken cancellationToken);

    /// <summary>
    /// What the template's latest version launches (DescribeLaunchTemplateVersions <c>$Latest</c>, aliases not resolved): an image id, a
    /// <c>resolve:ssm:</c> parameter, or null when the version names no image.
    /// </summary>
    Task<LaunchTemplateVersionInfo> GetLatestVersionAsync(string region, string launchTemplateId, CancellationToken cancellationToken);

    /// <summary>
    /// CreateLaunchTemplateVersion from <paramref name="sourceVersion"/> with only the image changed; answers the new version's number.
    /// <paramref name="clientToken"/> makes a repeated call answer the version the first one created.
    /// </summary>
    Task<long> CreateVersionAsync(string region, string launchTemplateId, long sourceVersion, string imageId, string clientToken, CancellationToken cancellationToken);

    /// <summary>ModifyLaunchTemplate: the version instances launch from when none is named.</summary>
    Task SetDefaultVersionAsync(string region, string launchTemplateId, long version, CancellationToken cancellationToken);
}

/// <summary>A launch template as DescribeLaunchTemplates answers it.</summary>
public sealed record LaunchTemplateInfo(string LaunchTemplateId, string Name, long DefaultVersion, long LatestVersion, IReadOnlyDictionary<string, string> Tags);

/// <summary>One version of a launch template: its number and what it launches (null: no image).</summary>
public sealed record LaunchTemplateVersionInfo(long Version, string? ImageId);

namespace AmiReplicator.Domain.Images;

/// <summary>The EC2 calls that make a copy follow its source's lifecycle after it exists, each in the region named.</summary>
public interface IImageLifecycle
{
    /// <summary>
    /// The account's own images in <paramref name="region"/> that the replicator copied (known by their provenance tags), from
    /// <paramref name="sourceRegion"/> or, when null, from anywhere; deprecated and disabled ones included; page by page.
    /// </summary>
    IAsyncEnumerable<ImageInfo> ListOwnCopiesAsync(string region, string? sourceRegion, CancellationToken cancellationToken);

    /// <summary>Withdraws the image's deprecation time.</summary>
    Task DisableDeprecationAsync(string region, string imageId, CancellationToken cancellationToken);

    Task EnableDeregistrationProtectionAsync(string region, string imageId, bool withCooldown, CancellationToken cancellationToken);

    Task DisableDeregistrationProtectionAsync(string region, string imageId, CancellationToken cancellationToken);

    /// <summary>Disables the image (EC2 removes all its shares, and does not restore them when it is enabled again).</summary>
    Task DisableImageAsync(string region, string imageId, CancellationToken cancellationToken);

    /// <summary>Takes each tag off the resources where it still has the value given (a value someone changed since stays).</summary>
    Task DeleteTagsAsync(string region, IReadOnlyCollection<string> resourceIds, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken);

    /// <summary>Takes launch permissions off the image; removing one it does not have is harmless.</summary>
    Task RemoveLaunchPermissionsAsync(string region, string imageId, IReadOnlyCollection<LaunchPermission> permissions, CancellationToken cancellationToken);

    /// <summary>Takes these accounts' createVolumePermission off the snapshot; removing one it does not have is harmless.</summary>
    Task RemoveCreateVolumePermissionsAsync(string region, string snapshotId, IReadOnlyCollection<string> accountIds, CancellationToken cancellationToken);

    /// <summary>The account's instances and launch templates that reference each image (DescribeImageReferences), by image id, as resource ARNs; an image nothing references is absent.</summary>
    Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> GetImageReferencesAsync(string region, IReadOnlyCollection<string> imageIds, CancellationToken cancellationToken);

    /// <summary>When an instance was last launched from the image (DescribeImageAttribute lastLaunchedTime; EC2 updates it with about a day's lag), or null when never.</summary>
    Task<DateTimeOffset?> GetLastLaunchedTimeAsync(string region, string imageId, CancellationToken cancellationToken);

    /// <summary>Enables a disabled image (EC2 restores none of the shares it had).</summary>
    Task EnableImageAsync(string region, string imageId, CancellationToken cancellationToken);
}

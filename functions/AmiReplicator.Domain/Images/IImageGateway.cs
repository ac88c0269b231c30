namespace AmiReplicator.Domain.Images;

/// <summary>The EC2 calls the replicator makes, each in the region named.</summary>
public interface IImageGateway
{
    /// <summary>The image, or null when EC2 does not know it (InvalidAMIID.NotFound).</summary>
    Task<ImageInfo?> DescribeImageAsync(string region, string imageId, CancellationToken cancellationToken);

    /// <summary>The images of <paramref name="imageIds"/> that EC2 returns (at most 200 ids; unknown ids are simply absent).</summary>
    Task<IReadOnlyDictionary<string, ImageInfo>> DescribeImagesAsync(string region, IReadOnlyCollection<string> imageIds, CancellationToken cancellationToken);

    /// <summary>CopyImage in the destination region; returns the new image id (the same one again for a repeated ClientToken).</summary>
    Task<string> CopyImageAsync(CopyImageCommand command, CancellationToken cancellationToken);

    Task<IReadOnlyList<LaunchPermission>> GetLaunchPermissionsAsync(string region, string imageId, CancellationToken cancellationToken);

    Task AddLaunchPermissionsAsync(string region, string imageId, IReadOnlyCollection<LaunchPermission> permissions, CancellationToken cancellationToken);

    /// <summary>The user tags of each snapshot (all in the region), by snapshot id.</summary>
    Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> GetSnapshotTagsAsync(string region, IReadOnlyCollection<string> snapshotIds, CancellationToken cancellationToken);

    /// <summary>Lets these accounts create volumes from the snapshot (its createVolumePermission); adding an account twice is harmless.</summary>
    Task AddCreateVolumePermissionsAsync(string region, string snapshotId, IReadOnlyCollection<string> accountIds, CancellationToken cancellationToken);

    Task CreateTagsAsync(string region, IReadOnlyCollection<string> resourceIds, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken);

    /// <summary>
    /// Deregisters the image together with its snapshots (stops a pending copy, removes a failed one), so nothing is left
    /// behind; an image already gone is no error.
    /// </summary>
    Task DeregisterImageAsync(string region, string imageId, CancellationToken cancellationToken);

    /// <summary>
    /// The available images of the region that these owners ("self" or account ids) own and the account may use, narrowed by EC2's
    /// filters to names matching one of <paramref name="namePatterns"/> (none: any) and carrying every tag given; page by page.
    /// </summary>
    IAsyncEnumerable<ImageInfo> ListAvailableImagesAsync(string region, IReadOnlyCollection<string> owners, IReadOnlyCollection<string> namePatterns,
        IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken);

    /// <summary>The account's own image with that name in the region, whatever its state (names are unique per account and region).</summary>
    Task<ImageInfo?> FindOwnImageByNameAsync(string region, string name, CancellationToken cancellationToken);

    Task EnableDeprecationAsync(string region, string imageId, DateTimeOffset deprecateAt, CancellationToken cancellationToken);
}

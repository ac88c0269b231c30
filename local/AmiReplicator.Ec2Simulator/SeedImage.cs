namespace AmiReplicator.Ec2Simulator;

/// <summary>
/// An image placed in a region in-process, for what the API cannot express: images of other accounts
/// shared with the default account, billing products, unreadable storage, deprecation, instance-store.
/// </summary>
public sealed record SeedImage
{
    public required string Name { get; init; }

    public string? Description { get; init; }

    /// <summary>Owner (12 digits); null means the default account. An image is visible to other accounts only through its launch
    /// permissions (their account id, their organization or OU, or Group=all).</summary>
    public string? OwnerId { get; init; }

    /// <summary>A fixed id; null generates one.</summary>
    public string? ImageId { get; init; }

    public string State { get; init; } = "available";

    public DateTimeOffset? CreationDate { get; init; }

    /// <summary>"ebs" or "instance-store" (which has no snapshots and an S3 <see cref="ImageLocation"/>).</summary>
    public string RootDeviceType { get; init; } = "ebs";

    public string RootDeviceName { get; init; } = "/dev/xvda";

    /// <summary>EBS volumes; the first is the root. Empty gives one 8 GiB unencrypted root volume.</summary>
    public IReadOnlyList<SeedVolume> Volumes { get; init; } = [];

    public string? ImageLocation { get; init; }

    public string Architecture { get; init; } = "x86_64";

    public IReadOnlyList<ImageProductCode> ProductCodes { get; init; } = [];

    /// <summary>"Linux/UNIX" has no billing product; anything else ("Windows", "Red Hat Enterprise Linux", ...) has one.</summary>
    public string PlatformDetails { get; init; } = "Linux/UNIX";

    public DateTimeOffset? DeprecationTime { get; init; }

    /// <summary>The owner's tags. Other accounts do not see them.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<LaunchPermissionEntry> LaunchPermissions { get; init; } = [];

    /// <summary>Whether the accounts the image is shared with may read its storage: its snapshots get a createVolumePermission for
    /// each UserId and Group=all launch permission (snapshots cannot be shared with organizations); an instance-store image's S3
    /// bucket is readable by them.</summary>
    public bool StorageReadable { get; init; } = true;
}

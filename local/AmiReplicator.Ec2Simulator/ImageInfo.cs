namespace AmiReplicator.Ec2Simulator;

/// <summary>An image as one account sees it, plus what only the simulator knows (visibility, completion).</summary>
public sealed record ImageInfo
{
    public required string Region { get; init; }

    public required string ImageId { get; init; }

    public required string OwnerId { get; init; }

    public required string Name { get; init; }

    public string? Description { get; init; }

    /// <summary>pending, available, failed or deregistered.</summary>
    public required string State { get; init; }

    public StateReason? StateReason { get; init; }

    public required DateTimeOffset CreationDate { get; init; }

    public required string RootDeviceType { get; init; }

    public required string RootDeviceName { get; init; }

    public string? ImageLocation { get; init; }

    public required string Architecture { get; init; }

    public required string PlatformDetails { get; init; }

    public required string UsageOperation { get; init; }

    /// <summary>"windows" for Windows images, else null (as EC2 omits it).</summary>
    public string? Platform { get; init; }

    public required IReadOnlyList<ImageProductCode> ProductCodes { get; init; }

    public required IReadOnlyList<BlockDeviceInfo> BlockDevices { get; init; }

    /// <summary>The tags the account sees: the owner's on its own images, its own on shared ones.</summary>
    public required IReadOnlyDictionary<string, string> Tags { get; init; }

    public required IReadOnlyList<LaunchPermissionEntry> LaunchPermissions { get; init; }

    public DateTimeOffset? DeprecationTime { get; init; }

    /// <summary>disabled, enabled-without-cooldown or enabled-with-cooldown, as DescribeImages shows it.</summary>
    public string DeregistrationProtection { get; init; } = "disabled";

    /// <summary>Set on copies, as EC2 reports sourceImageId and sourceImageRegion.</summary>
    public string? SourceImageId { get; init; }

    public string? SourceRegion { get; init; }

    public bool IsPublic { get; init; }

    /// <summary>Before this, the API answers as if the image did not exist (eventual consistency).</summary>
    public required DateTimeOffset VisibleFrom { get; init; }

    /// <summary>When a pending copy ends (available or failed).</summary>
    public DateTimeOffset? CompletesAt { get; init; }
}

namespace AmiReplicator.Ec2Simulator.Model;

/// <summary>An image in one region, mutable under the cloud's lock.</summary>
internal sealed class SimImage
{
    public required string Id { get; init; }

    public required string Region { get; init; }

    public required string OwnerId { get; init; }

    public required string Name { get; init; }

    public string? Description { get; init; }

    public required string State { get; set; }

    public StateReason? Reason { get; set; }

    public required DateTimeOffset CreationDate { get; init; }

    public required DateTimeOffset VisibleFrom { get; init; }

    public DateTimeOffset? CompletesAt { get; init; }

    public required string RootDeviceType { get; init; }

    public required string RootDeviceName { get; init; }

    public string? ImageLocation { get; init; }

    public required string Architecture { get; init; }

    public required string PlatformDetails { get; init; }

    public required IReadOnlyList<ImageProductCode> ProductCodes { get; init; }

    public required IReadOnlyList<BlockDeviceInfo> BlockDevices { get; init; }

    public DateTimeOffset? DeprecationTime { get; set; }

    /// <summary>When an instance was last launched from the image; EC2 shows it to the owner only (DescribeImageAttribute lastLaunchedTime).</summary>
    public DateTimeOffset? LastLaunchedTime { get; set; }

    /// <summary>As DescribeImages shows it: disabled, enabled-without-cooldown or enabled-with-cooldown.</summary>
    public string DeregistrationProtection { get; set; } = DeregistrationProtectionStates.Disabled;

    /// <summary>Protection disabled after it was enabled with the cooldown still refuses deregistration until then.</summary>
    public DateTimeOffset? ProtectedUntil { get; set; }

    /// <summary>Tags the owner sees.</summary>
    public Dictionary<string, string> OwnerTags { get; } = new(StringComparer.Ordinal);

    /// <summary>Tags other accounts put on the image, by account: tags are per account, and no account sees another's.</summary>
    private Dictionary<string, Dictionary<string, string>> ViewerTags { get; } = new(StringComparer.Ordinal);

    public List<LaunchPermissionEntry> LaunchPermissions { get; } = [];

    /// <summary>Instance-store images: whether other accounts may read the S3 bucket of its bundle (EBS images' storage is their
    /// snapshots, shared through createVolumePermission).</summary>
    public bool StorageReadable { get; init; } = true;

    public string? SourceImageId { get; init; }

    public string? SourceRegion { get; init; }

    /// <summary>How a pending copy will end if not deregistered first; null means available.</summary>
    public StateReason? PlannedFailure { get; init; }

    /// <summary>A pending time-based copy: the snapshot copy throughput (MiB/s) it holds against its source->destination pair.</summary>
    public double SnapshotCopyMiBps { get; init; }

    public bool IsPendingCopy => SourceImageId is not null && State == ImageStates.Pending;

    public bool IsPublic => LaunchPermissions.Contains(LaunchPermissionEntry.Public);

    public bool HasBillingProduct => PlatformDetails != PlatformDetailsCatalog.LinuxUnix;

    public bool IsFromMarketplace => ProductCodes.Any(code => code.Type == "marketplace");

    public bool IsDeprecatedAt(DateTimeOffset now) => DeprecationTime is { } at && at <= now;

    /// <summary>The owner, everyone when public, and the accounts a launch permission names, directly or by their organization or OU.</summary>
    public bool IsSeenBy(string accountId, OrganizationMembership? membership) =>
        OwnerId == accountId || IsSharedWith(accountId, membership);

    /// <summary>Whether a launch permission admits the account (its own is not one).</summary>
    public bool IsSharedWith(string accountId, OrganizationMembership? membership) =>
        IsPublic || IsExplicitlySharedWith(accountId, membership);

    /// <summary>Whether a launch permission names the account, its organization or one of its OUs (DescribeImages ExecutableBy).</summary>
    public bool IsExplicitlySharedWith(string accountId, OrganizationMembership? membership) =>
        LaunchPermissions.Contains(LaunchPermissionEntry.ForAccount(accountId))
        || (membership is not null && LaunchPermissions.Any(membership.IsCoveredBy));

    public Dictionary<string, string> TagsOf(string accountId)
    {
        if (OwnerId == accountId)
        {
            return OwnerTags;
        }

        if (!ViewerTags.TryGetValue(accountId, out var tags))
        {
            ViewerTags[accountId] = tags = new Dictionary<string, string>(StringComparer.Ordinal);
        }

        return tags;
    }

    public ImageInfo ToInfo(string accountId) => new()
    {
        Region = Region,
        ImageId = Id,
        OwnerId = OwnerId,
        Name = Name,
        Description = Description,
        State = State,
        StateReason = Reason,
        CreationDate = CreationDate,
        RootDeviceType = RootDeviceType,
        RootDeviceName = RootDeviceName,
        ImageLocation = ImageLocation,
        Architecture = Architecture,
        PlatformDetails = PlatformDetails,
        UsageOperation = PlatformDetailsCatalog.UsageOperation(PlatformDetails),
        Platform = PlatformDetails.StartsWith("Windows", StringComparison.Ordinal) ? "windows" : null,
        ProductCodes = ProductCodes,
        BlockDevices = BlockDevices,
        Tags = new Dictionary<string, string>(TagsOf(accountId), StringComparer.Ordinal),
        LaunchPermissions = [.. LaunchPermissions],
        DeprecationTime = DeprecationTime,
        DeregistrationProtection = DeregistrationProtection,
        SourceImageId = SourceImageId,
        SourceRegion = SourceRegion,
        IsPublic = IsPublic,
        VisibleFrom = VisibleFrom,
        CompletesAt = CompletesAt,
    };
}

internal static class ImageStates
{
    public const string Pending = "pending";
    public const string Available = "available";
    public const string Failed = "failed";
    public const string Deregistered = "deregistered";
    public const string Disabled = "disabled";
}

internal static class DeregistrationProtectionStates
{
    public const string Disabled = "disabled";
    public const string Enabled = "enabled-without-cooldown";
    public const string EnabledWithCooldown = "enabled-with-cooldown";
}

/// <summary>The billing side of an image: its platform details and the usage operation EC2 bills it under.</summary>
internal static class PlatformDetailsCatalog
{
    public const string LinuxUnix = "Linux/UNIX";

    private static readonly Dictionary<string, string> UsageOperations = new(StringComparer.Ordinal)
    {
        [LinuxUnix] = "RunInstances",
        ["Windows"] = "RunInstances:0002",
        ["Red Hat Enterprise Linux"] = "RunInstances:0010",
        ["SUSE Linux"] = "RunInstances:000g",
        ["Windows with SQL Server Standard"] = "RunInstances:0006",
    };

    public static string UsageOperation(string platformDetails) =>
        UsageOperations.GetValueOrDefault(platformDetails, "RunInstances");
}

/// <summary>An EBS snapshot, mutable under the cloud's lock.</summary>
internal sealed class SimSnapshot
{
    public required string Id { get; init; }

    public required string Region { get; init; }

    public required string OwnerId { get; init; }

    public required int VolumeSize { get; init; }

    public required bool Encrypted { get; init; }

    public string? KmsKeyId { get; init; }

    /// <summary>pending, completed, error; null once deleted.</summary>
    public string? State { get; set; }

    public required string Description { get; init; }

    public required DateTimeOffset VisibleFrom { get; init; }

    public Dictionary<string, string> Tags { get; } = new(StringComparer.Ordinal);

    /// <summary>Accounts (UserId) or everyone (Group=all) who may create volumes from it.</summary>
    public List<LaunchPermissionEntry> CreateVolumePermissions { get; } = [];

    /// <summary>The owner, and the accounts its createVolumePermission admits.</summary>
    public bool IsReadableBy(string accountId) =>
        OwnerId == accountId
        || CreateVolumePermissions.Contains(LaunchPermissionEntry.ForAccount(accountId))
        || CreateVolumePermissions.Contains(LaunchPermissionEntry.Public);

    /// <summary>The snapshot as <paramref name="viewerAccountId"/> sees it: tags are the owner's, seen by the owner only.</summary>
    public SnapshotInfo ToInfo(string viewerAccountId) =>
        new(Region, Id, OwnerId, VolumeSize, Encrypted, KmsKeyId, State ?? "deleted", Description,
            viewerAccountId == OwnerId ? new Dictionary<string, string>(Tags, StringComparer.Ordinal) : [])
        {
            CreateVolumePermissions = [.. CreateVolumePermissions],
        };
}

using System.Text.Json.Nodes;

namespace AmiReplicator.Ec2Simulator;

/// <summary>Whether a region answers the account (regions not opted in and SCP denials refuse everything).</summary>
public enum RegionAccess
{
    Enabled,

    /// <summary>Not opted in: every call answers AuthFailure (HTTP 401).</summary>
    NotOptedIn,

    /// <summary>Denied by policy: every call answers UnauthorizedOperation (HTTP 403).</summary>
    Denied,
}

/// <summary>An error injected in place of the next calls of an action.</summary>
public enum ApiFault
{
    /// <summary>RequestLimitExceeded, HTTP 503.</summary>
    Throttle,

    /// <summary>InternalError, HTTP 500.</summary>
    InternalError,

    /// <summary>Unavailable, HTTP 503.</summary>
    Unavailable,
}

/// <summary>
/// One launch permission entry: exactly one of the four is set, as in EC2's LaunchPermission.
/// </summary>
public sealed record LaunchPermissionEntry(
    string? UserId = null, string? Group = null, string? OrganizationArn = null, string? OrganizationalUnitArn = null)
{
    public static LaunchPermissionEntry ForAccount(string accountId) => new(UserId: accountId);

    public static LaunchPermissionEntry Public { get; } = new(Group: "all");

    public static LaunchPermissionEntry ForOrganization(string arn) => new(OrganizationArn: arn);

    public static LaunchPermissionEntry ForOrganizationalUnit(string arn) => new(OrganizationalUnitArn: arn);
}

/// <summary>A product code as DescribeImages shows it (type "marketplace" or "devpay").</summary>
public sealed record ImageProductCode(string Id, string Type = "marketplace");

/// <summary>Why an image is failed, as DescribeImages' stateReason shows it.</summary>
public sealed record StateReason(string Code, string Message)
{
    /// <summary>What EC2 reports for a copy that failed, bad KMS keys included (seen in hashicorp/packer#6599).</summary>
    public static StateReason CopyInternalError { get; } =
        new("Server.InternalError", "Copy image failed with an internal error.");
}

/// <summary>One EBS volume of a seeded image.</summary>
public sealed record SeedVolume(
    string DeviceName = "/dev/xvda", int SizeGiB = 8, bool Encrypted = false, string? KmsKeyId = null, string VolumeType = "gp3")
{
    /// <summary>The snapshot's own tags (the owner's).</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// An image placed in a region in-process, for what the API cannot express: images of other accounts
/// shared with ours, billing products, unreadable storage, deprecation, instance-store.
/// </summary>
public sealed record SeedImage
{
    public required string Name { get; init; }

    public string? Description { get; init; }

    /// <summary>Owner; null means the caller's own account. Another account's image is visible to ours only
    /// through a launch permission for our account id or Group=all.</summary>
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

    /// <summary>The owner's tags. On another account's image our account does not see them.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<LaunchPermissionEntry> LaunchPermissions { get; init; } = [];

    /// <summary>Whether our account may read the snapshots (or S3 bucket) of another account's image.</summary>
    public bool StorageReadable { get; init; } = true;
}

/// <summary>A block device mapping as DescribeImages shows it.</summary>
public sealed record BlockDeviceInfo(
    string DeviceName,
    string? VirtualName,
    string? SnapshotId,
    int? VolumeSize,
    string? VolumeType,
    bool DeleteOnTermination,
    bool Encrypted,
    string? KmsKeyId);

/// <summary>An image as our account sees it, plus what only the simulator knows (visibility, completion).</summary>
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

    /// <summary>The tags our account sees: the owner's on our images, our own on shared ones.</summary>
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

/// <summary>An EBS snapshot as the simulator holds it.</summary>
public sealed record SnapshotInfo(
    string Region,
    string SnapshotId,
    string OwnerId,
    int VolumeSize,
    bool Encrypted,
    string? KmsKeyId,
    string State,
    string Description,
    IReadOnlyDictionary<string, string> Tags)
{
    public IReadOnlyList<LaunchPermissionEntry> CreateVolumePermissions { get; init; } = [];
}

/// <summary>
/// An "EC2 AMI State Change" event of an image of our account: emitted once per change, timed at the
/// change (a copy's completion time), even when first noticed later.
/// </summary>
public sealed record ImageStateChange(
    string Region, string ImageId, string State, DateTimeOffset Time, string AccountId, string ErrorMessage)
{
    /// <summary>The event as EventBridge delivers it on the default bus of <see cref="Region"/>.</summary>
    public string ToEventBridgeJson()
    {
        var json = new JsonObject
        {
            ["version"] = "0",
            ["id"] = Guid.NewGuid().ToString(),
            ["detail-type"] = "EC2 AMI State Change",
            ["source"] = "aws.ec2",
            ["account"] = AccountId,
            ["time"] = Time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            ["region"] = Region,
            ["resources"] = new JsonArray($"arn:aws:ec2:{Region}::image/{ImageId}"),
            ["detail"] = new JsonObject
            {
                ["RequestId"] = Guid.NewGuid().ToString(),
                [nameof(ImageId)] = ImageId,
                [nameof(State)] = State,
                [nameof(ErrorMessage)] = ErrorMessage,
            },
        };
        return json.ToJsonString();
    }
}

/// <summary>An SSM parameter as GetParameter answers it.</summary>
public sealed record ParameterInfo(string Name, string Type, string DataType, string Value, long Version, DateTimeOffset LastModifiedDate, string Arn);

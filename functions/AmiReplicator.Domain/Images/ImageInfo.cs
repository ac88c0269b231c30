namespace AmiReplicator.Domain.Images;

/// <summary>What the replicator needs to know of an AMI, read from DescribeImages.</summary>
public sealed record ImageInfo(
    string ImageId,
    string Region,
    string Name,
    string? Description,
    ImageState State,
    string? StateReason,
    string OwnerId,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyList<SnapshotInfo> Snapshots,
    bool IsEbsBacked,
    bool HasBillingProducts,
    DateTimeOffset? DeprecationTime,
    string? CopiedFromImageId = null,
    string? CopiedFromRegion = null,
    DeregistrationProtection Protection = DeregistrationProtection.Disabled,
    DateTimeOffset? CreationDate = null)
{
    public bool IsEncrypted => Snapshots.Any(s => s.Encrypted);

    /// <summary>The size of all its snapshots: what a copy has to move, so what its duration grows with.</summary>
    public int SizeGiB => Snapshots.Sum(s => s.SizeGiB);

    /// <summary>Tags a caller may write again: EC2 refuses keys with the reserved 'aws:' prefix.</summary>
    public IEnumerable<KeyValuePair<string, string>> UserTags =>
        Tags.Where(t => !t.Key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase));
}

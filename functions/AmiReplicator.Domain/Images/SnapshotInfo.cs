namespace AmiReplicator.Domain.Images;

/// <param name="KmsKeyId">The key an encrypted snapshot is encrypted with (its ARN, as DescribeImages shows it).</param>
/// <param name="DeviceName">The block device it backs: how a copy's snapshot is matched to its source's.</param>
public sealed record SnapshotInfo(string SnapshotId, bool Encrypted, int SizeGiB = 0, string? KmsKeyId = null, string? DeviceName = null);

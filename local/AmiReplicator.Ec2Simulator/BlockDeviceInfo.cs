namespace AmiReplicator.Ec2Simulator;

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

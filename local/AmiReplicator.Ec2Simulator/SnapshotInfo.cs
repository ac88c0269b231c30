namespace AmiReplicator.Ec2Simulator;

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

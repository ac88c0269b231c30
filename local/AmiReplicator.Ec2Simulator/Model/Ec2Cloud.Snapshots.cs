namespace AmiReplicator.Ec2Simulator.Model;

/// <summary>
/// Snapshots as the EC2 API shows them: DescribeSnapshots (tags included), and the createVolumePermission attribute, which a copy's
/// snapshots do not get from their source (DOMAIN.md "Launch permissions, tags, lifecycle").
/// </summary>
internal sealed partial class Ec2Cloud
{
    public IReadOnlyList<SnapshotInfo> DescribeSnapshots(string accountId, string regionName, IReadOnlyList<string> snapshotIds) => Run(() =>
    {
        var region = Region(accountId, regionName);
        return (IReadOnlyList<SnapshotInfo>)snapshotIds.Select(id => VisibleSnapshot(region, id).ToInfo(region.AccountId)).ToList();
    });

    public IReadOnlyList<LaunchPermissionEntry> DescribeCreateVolumePermissions(string accountId, string regionName, string snapshotId) => Run(() =>
        (IReadOnlyList<LaunchPermissionEntry>)[.. OwnSnapshot(Region(accountId, regionName), snapshotId).CreateVolumePermissions]);

    public void ModifyCreateVolumePermissions(string accountId, string regionName, string snapshotId, LaunchPermissionChanges changes) => Run(() =>
    {
        var region = Region(accountId, regionName);
        var snapshot = OwnSnapshot(region, snapshotId);
        if (changes.Add.Count > 0 && IsEncryptedWithAwsManagedKey(snapshot))
        {
            // EC2's wording (hashicorp/packer#7499): the AWS managed key cannot be used by another account.
            throw new Ec2Exception("OperationNotPermitted", "Encrypted snapshots with EBS default key cannot be shared");
        }

        if (changes.Add.Concat(changes.Remove).FirstOrDefault(entry => entry.UserId is null && entry.Group != "all") is { } bad)
        {
            throw Ec2Errors.InvalidValue($"A snapshot can be shared with accounts or the group 'all' only, not {bad}.");
        }

        snapshot.CreateVolumePermissions.RemoveAll(changes.Remove.Contains);
        snapshot.CreateVolumePermissions.AddRange(changes.Add.Where(entry => !snapshot.CreateVolumePermissions.Contains(entry)).Distinct());
    });

    /// <summary>A snapshot the account may see: its own, or one shared with it (createVolumePermission).</summary>
    private static SimSnapshot VisibleSnapshot(RegionState region, string snapshotId) =>
        region.Snapshots.TryGetValue(snapshotId, out var snapshot) && snapshot.State is not null
            && snapshot.IsReadableBy(region.AccountId)
            ? snapshot
            : throw Ec2Errors.SnapshotNotFound(snapshotId);

    private static SimSnapshot OwnSnapshot(RegionState region, string snapshotId) =>
        VisibleSnapshot(region, snapshotId) is { } snapshot && snapshot.OwnerId == region.AccountId
            ? snapshot
            : throw Ec2Errors.SnapshotNotFound(snapshotId);
}

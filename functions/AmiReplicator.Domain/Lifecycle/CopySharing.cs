using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Policy;

namespace AmiReplicator.Domain.Lifecycle;

/// <summary>
/// A copy's shares as the policy wants them, given the source's launch permissions: the permissions on the image (<c>all</c> only
/// with <see cref="ReplicationPolicy.CopyPublicLaunchPermission"/>) and, with <see cref="ReplicationPolicy.ShareSnapshots"/>,
/// createVolumePermission on its snapshots for the accounts they name. Used when a copy is finished and when its source's
/// permissions change. What EC2 refuses (block public access, the AWS managed key, the 1,000-entity limit) is noted, never retried.
/// </summary>
internal sealed class CopySharing(IImageGateway images, ReplicationPolicy policy)
{
    /// <summary>Whether the policy copies this permission of a source to its copies.</summary>
    public bool Copies(LaunchPermission permission) => permission != LaunchPermission.Public || policy.CopyPublicLaunchPermission;

    /// <summary>Adds the permissions the policy copies to the copy (the image only; see <see cref="ShareSnapshotsAsync"/>).</summary>
    public async Task ShareImageAsync(ImageInfo copy, IReadOnlyList<LaunchPermission> permissions, List<string> notes, CancellationToken cancellationToken)
    {
        if (!Copies(LaunchPermission.Public) && permissions.Contains(LaunchPermission.Public))
        {
            notes.Add("the source is public; its copy is not (copyPublicLaunchPermission is off)");
        }

        if (Copies(LaunchPermission.Public) && permissions.Contains(LaunchPermission.Public))
        {
            // Block public access for AMIs refuses Group=all on its own: share the rest whatever it answers.
            await AddLaunchPermissionsAsync(copy, [LaunchPermission.Public], "public launch permission (group all)", notes, cancellationToken);
        }

        var shared = permissions.Where(p => p != LaunchPermission.Public).ToList();
        await AddLaunchPermissionsAsync(copy, shared, $"launch permissions for {string.Join(", ", shared.Select(p => p.Value))}", notes, cancellationToken);
    }

    /// <summary>
    /// With <see cref="ReplicationPolicy.ShareSnapshots"/>, the copy's snapshots are shared (createVolumePermission) with the accounts
    /// the permissions name. EC2 shares snapshots with accounts, not organizations or OUs: those are noted.
    /// </summary>
    public async Task ShareSnapshotsAsync(ImageInfo copy, IReadOnlyList<LaunchPermission> permissions, List<string> notes, CancellationToken cancellationToken)
    {
        var accounts = SnapshotAccounts(copy, permissions);
        var others = permissions.Where(p => p.Kind is LaunchPermissionKind.OrganizationArn or LaunchPermissionKind.OrganizationalUnitArn).Select(p => p.Value).ToList();
        if (policy.ShareSnapshots && copy.Snapshots.Count > 0 && others.Count > 0)
        {
            notes.Add($"snapshots not shared with {string.Join(", ", others)}: EC2 shares snapshots with accounts only");
        }

        foreach (var snapshot in accounts.Count == 0 ? [] : copy.Snapshots)
        {
            try
            {
                await images.AddCreateVolumePermissionsAsync(copy.Region, snapshot.SnapshotId, accounts, cancellationToken);
            }
            catch (ImageServiceException e) when (e.Kind == Ec2ErrorKind.Refused)
            {
                // The AWS managed key aws/ebs cannot be used by another account, so EC2 refuses to share what it encrypts.
                notes.Add($"snapshot {snapshot.SnapshotId} not shared with {string.Join(", ", accounts)}: {e.Message}");
            }
        }
    }

    /// <summary>The accounts whose createVolumePermission on the copy's snapshots follows these permissions (none without shareSnapshots).</summary>
    public List<string> SnapshotAccounts(ImageInfo copy, IReadOnlyList<LaunchPermission> permissions) =>
        policy.ShareSnapshots && copy.Snapshots.Count > 0
            ? [.. permissions.Where(p => p.Kind == LaunchPermissionKind.UserId).Select(p => p.Value)]
            : [];

    private async Task AddLaunchPermissionsAsync(ImageInfo copy, List<LaunchPermission> permissions, string what, List<string> notes, CancellationToken cancellationToken)
    {
        if (permissions.Count == 0)
        {
            return;
        }

        try
        {
            await images.AddLaunchPermissionsAsync(copy.Region, copy.ImageId, permissions, cancellationToken);
        }
        catch (ImageServiceException e) when (e.Kind == Ec2ErrorKind.Refused)
        {
            // Block public access, a copy encrypted with the AWS managed key (which EC2 cannot share), the 1,000-entity limit.
            notes.Add($"{what} refused in {copy.Region}: {e.Message}");
        }
    }
}

using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Domain.Lifecycle;

/// <summary>A copy's tags and launch permissions following its source's, as far as the policy copies them.</summary>
public sealed partial class LifecycleFollower
{
    /// <summary>
    /// The copy's tags follow what the policy gives a copy of the source as it is now (<see cref="CopyTags.For"/>: provenance, the
    /// policy's tags, the source's user tags), on the image and its snapshots: a tag the replicator put on that is no longer wanted is
    /// taken off (only where it still has the value put on), a new or changed one is put on, provenance stays. Tags others put on the
    /// copy are left alone. The job records what the copy was given.
    /// </summary>
    private async Task<CopyJob> FollowTagsAsync(CopyJob job, ImageInfo copy, ImageInfo source, List<string> notes, LifecycleReport report, CancellationToken cancellationToken)
    {
        var (wanted, leftOut) = CopyTags.For(source, policy);
        var put = wanted.Where(t => !job.Tags.TryGetValue(t.Key, out var value) || value != t.Value).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
        var taken = job.Tags.Where(t => !wanted.ContainsKey(t.Key) && !t.Key.StartsWith(ProvenanceTags.Prefix, StringComparison.Ordinal))
            .ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
        if (put.Count == 0 && taken.Count == 0)
        {
            return job;
        }

        var change = Describe("put on", put.Keys, "taken off", taken.Keys);
        string[] resources = [copy.ImageId, .. copy.Snapshots.Select(s => s.SnapshotId)];
        try
        {
            // Taken off first, so that the new ones find room within EC2's 50.
            if (taken.Count > 0)
            {
                await LifecycleOf(job).DeleteTagsAsync(copy.Region, resources, taken, cancellationToken);
            }

            if (put.Count > 0)
            {
                await ImagesOf(job).CreateTagsAsync(copy.Region, resources, put, cancellationToken);
            }

            notes.Add($"tags follow the source: {change}");
        }
        catch (ImageServiceException e) when (e.Kind == Ec2ErrorKind.Refused)
        {
            // TagLimitExceeded: others tagged the copy meanwhile. Noted once, as when the copy was finished.
            notes.Add($"tags follow the source: {change} refused: {e.Message}");
        }

        if (leftOut.Count > 0)
        {
            notes.Add($"source tags left out, EC2 allows {CopyTags.MaxTagsPerResource} per image: {string.Join(", ", leftOut)}");
        }

        report.Tags++;
        return job with { Tags = wanted };
    }

    /// <summary>
    /// The copy's launch permissions follow the source's, as far as the policy copies them (<see cref="CopySharing"/>): those the
    /// source gained are added, those it lost are taken off, and with shareSnapshots the copy's snapshots follow for the accounts.
    /// Only a source of the account's own (only an AMI's owner can read whom it is shared with), and only an available one: a
    /// disabled source lost its shares by being disabled, which its copies follow only with disableWithSource. Not a target account's
    /// copy: it is the account's own, for its own use, and gets no launch permissions.
    /// </summary>
    private async Task<CopyJob> FollowLaunchPermissionsAsync(CopyJob job, ImageInfo copy, ImageInfo source, SourcePermissions sourcePermissions, List<string> notes,
        LifecycleReport report, CancellationToken cancellationToken)
    {
        if (!job.Key.Destination.IsHome || source.OwnerId != ownAccountId || source.State != ImageState.Available || await sourcePermissions.ReadAsync(source, cancellationToken) is not { } now)
        {
            return job;
        }

        var before = job.LaunchPermissions ?? [];
        List<LaunchPermission> added = [.. now.Except(before)];
        List<LaunchPermission> removed = [.. before.Except(now)];
        if (added.Count == 0 && removed.Count == 0)
        {
            return job;
        }

        var taken = removed.Where(_sharing.Copies).ToList();
        if (taken.Count > 0)
        {
            await LifecycleOf(job).RemoveLaunchPermissionsAsync(copy.Region, copy.ImageId, taken, cancellationToken);
        }

        await _sharing.ShareImageAsync(copy, added, notes, cancellationToken);
        var unshared = _sharing.SnapshotAccounts(copy, removed);
        foreach (var snapshot in unshared.Count == 0 ? [] : copy.Snapshots)
        {
            await LifecycleOf(job).RemoveCreateVolumePermissionsAsync(copy.Region, snapshot.SnapshotId, unshared, cancellationToken);
        }

        await _sharing.ShareSnapshotsAsync(copy, added, notes, cancellationToken);
        notes.Add($"launch permissions follow the source: {Describe("added", added.Select(p => p.Value), "removed", removed.Select(p => p.Value))}");
        report.LaunchPermissions++;
        return job with { LaunchPermissions = now };
    }

    private static string Describe(string first, IEnumerable<string> these, string second, IEnumerable<string> those) =>
        string.Join("; ", new[] { (first, these.ToList()), (second, those.ToList()) }.Where(p => p.Item2.Count > 0).Select(p => $"{p.Item1} {string.Join(", ", p.Item2)}"));

    /// <summary>Each source's launch permissions, read once per sweep of its region however many destinations its copies are in.</summary>
    private sealed class SourcePermissions(IImageGateway images, ILogger log)
    {
        private readonly Dictionary<string, IReadOnlyList<LaunchPermission>?> _read = new(StringComparer.Ordinal);

        /// <summary>Null when EC2 refuses to say (the source is followed again at the next sweep).</summary>
        public async Task<IReadOnlyList<LaunchPermission>?> ReadAsync(ImageInfo source, CancellationToken cancellationToken)
        {
            if (!_read.TryGetValue(source.ImageId, out var permissions))
            {
                try
                {
                    permissions = await images.GetLaunchPermissionsAsync(source.Region, source.ImageId, cancellationToken);
                }
                catch (ImageServiceException e) when (e.Kind is Ec2ErrorKind.Refused or Ec2ErrorKind.NotFound)
                {
                    log.LogWarning("The launch permissions of {SourceImageId} in {SourceRegion} could not be read ({Error}); its copies' are left as they are",
                        source.ImageId, source.Region, e.Message);
                    permissions = null;
                }

                _read[source.ImageId] = permissions;
            }

            return permissions;
        }
    }
}

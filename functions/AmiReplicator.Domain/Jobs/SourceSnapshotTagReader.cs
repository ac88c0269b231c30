using AmiReplicator.Domain.Images;

namespace AmiReplicator.Domain.Jobs;

/// <summary>Reads the tags of a source's snapshots (one DescribeSnapshots), by the device each snapshot backs.</summary>
internal static class SourceSnapshotTagReader
{
    public static async Task<IReadOnlyList<SourceSnapshotTags>> ReadAsync(IImageGateway images, ImageInfo source, CancellationToken cancellationToken)
    {
        var devices = new List<(string Device, string SnapshotId)>();
        foreach (var snapshot in source.Snapshots)
        {
            if (snapshot.DeviceName is { } device)
            {
                devices.Add((device, snapshot.SnapshotId));
            }
        }

        if (devices.Count == 0)
        {
            return [];
        }

        var tags = await images.GetSnapshotTagsAsync(source.Region, [.. devices.Select(d => d.SnapshotId)], cancellationToken);
        return [.. devices.Where(d => tags.ContainsKey(d.SnapshotId)).Select(d => new SourceSnapshotTags(d.Device, d.SnapshotId, tags[d.SnapshotId]))];
    }
}

using AmiReplicator.Domain.Images;

namespace AmiReplicator.Domain.Jobs;

/// <summary>Reads the tags of a source's snapshots (one DescribeSnapshots), by the device each snapshot backs.</summary>
internal static class SourceSnapshotTagReader
{
    public static async Task<IReadOnlyList<SourceSnapshotTags>> ReadAsync(IImageGateway images, ImageInfo source, CancellationToken cancellationToken)
    {
        var snapshotIds = SnapshotIds(source);
        return snapshotIds.Count == 0 ? [] : From(source, await images.GetSnapshotTagsAsync(source.Region, snapshotIds, cancellationToken));
    }

    /// <summary>The snapshots whose tags a copy gets: those backing a device of the source.</summary>
    public static IReadOnlyList<string> SnapshotIds(ImageInfo source) =>
        [.. source.Snapshots.Where(s => s.DeviceName is not null).Select(s => s.SnapshotId)];

    /// <summary>The source's snapshot tags by device, from what DescribeSnapshots answered (a snapshot it did not answer has none).</summary>
    public static IReadOnlyList<SourceSnapshotTags> From(ImageInfo source, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> tags) =>
        [.. source.Snapshots.Where(s => s.DeviceName is not null && tags.ContainsKey(s.SnapshotId))
            .Select(s => new SourceSnapshotTags(s.DeviceName!, s.SnapshotId, tags[s.SnapshotId]))];
}

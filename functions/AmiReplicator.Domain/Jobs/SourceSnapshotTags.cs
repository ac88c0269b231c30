namespace AmiReplicator.Domain.Jobs;

/// <summary>
/// The user tags of one of the source's snapshots, read once per source AMI when its copies were asked for and kept on each job,
/// so that finishing a copy gives its snapshot of the same device these tags without reading the source again.
/// </summary>
public sealed record SourceSnapshotTags(string DeviceName, string SnapshotId, IReadOnlyDictionary<string, string> Tags);

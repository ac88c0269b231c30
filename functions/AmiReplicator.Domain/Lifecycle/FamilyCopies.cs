using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;

namespace AmiReplicator.Domain.Lifecycle;

/// <summary>The one order of a family's copies, shared by retention (which keeps the first) and the latest-copy parameter (which names it).</summary>
internal static class FamilyCopies
{
    /// <summary>
    /// Newest build first: by the source's creation time recorded on the copy (<see cref="ProvenanceTags.SourceCreated"/>), so a
    /// backfill or recopy of an older build never ranks above a newer build's copy. A copy made before that tag was written is given
    /// its source's by <see cref="FamilyBuilds"/> (and its own creation time when the source is gone). Builds created in the same
    /// second rank by when their copies were made, then by image id.
    /// </summary>
    public static IOrderedEnumerable<ImageInfo> NewestFirst(this IEnumerable<ImageInfo> copies) => copies
        .OrderByDescending(BuildTime)
        .ThenByDescending(c => c.CreationDate ?? DateTimeOffset.MinValue)
        .ThenByDescending(c => c.ImageId, StringComparer.Ordinal);

    /// <summary>When the copy's build was made: its source's creation time, or its own for a copy that does not record it.</summary>
    public static DateTimeOffset BuildTime(this ImageInfo copy) =>
        ProvenanceTags.SourceCreatedAt(copy.Tags) ?? copy.CreationDate ?? DateTimeOffset.MinValue;
}

using AmiReplicator.Domain.Images;

namespace AmiReplicator.Domain.Workflows;

/// <summary>The one order of a family's copies, shared by retention (which keeps the first) and the latest-copy parameter (which names it).</summary>
internal static class FamilyCopies
{
    /// <summary>Newest first by creation date; copies made in the same second by image id.</summary>
    public static IOrderedEnumerable<ImageInfo> NewestFirst(this IEnumerable<ImageInfo> copies) => copies
        .OrderByDescending(c => c.CreationDate ?? DateTimeOffset.MinValue)
        .ThenByDescending(c => c.ImageId, StringComparer.Ordinal);
}

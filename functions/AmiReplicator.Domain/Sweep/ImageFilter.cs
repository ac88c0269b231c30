using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Policy;

namespace AmiReplicator.Domain.Sweep;

/// <summary>A narrower choice of images than the policy's: the selection's conditions, and only images created since a time.</summary>
public sealed record ImageFilter(Selection Selection, DateTimeOffset? CreatedSince)
{
    /// <summary>Why the image is left out, or null when it is kept.</summary>
    public string? Excludes(ImageInfo image, string ownAccountId) =>
        Selection.Excludes(image, ownAccountId)
        ?? (CreatedSince is { } since && !(image.CreationDate >= since) ? $"created before {since:yyyy-MM-dd HH:mm:ss}Z" : null);
}

using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;

namespace AmiReplicator.Domain.Sweep;

/// <summary>A selected source image and its job into each destination that takes copies from its region (null: none yet).</summary>
public sealed record SelectedImage(ImageInfo Image, IReadOnlyList<(CopyDestination Destination, CopyJob? Job)> Destinations)
{
    /// <summary>The destinations it has no job for: what a request would copy it to.</summary>
    public IReadOnlyList<CopyDestination> Missing => [.. Destinations.Where(d => d.Job is null).Select(d => d.Destination)];
}

namespace AmiReplicator.Domain.Sweep;

/// <summary>Selected images of one source region, and how many EC2 listed to find them (the replicator's copies and unselected ones included).</summary>
public sealed record SelectedImagePage(string SourceRegion, int Listed, IReadOnlyList<SelectedImage> Images);

using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;

namespace AmiReplicator.Domain.Lifecycle;

/// <summary>
/// The build of every copy, so a family is ranked by its builds (<see cref="FamilyCopies"/>). Copies made before the build was recorded
/// on them (<see cref="ProvenanceTags.SourceCreated"/>) get it from their source, read in memory only (the sweep of their job tags
/// them for good); a copy whose source is gone keeps its own creation time as its build.
/// </summary>
internal sealed class FamilyBuilds(IImageGateway images)
{
    /// <summary>DescribeImages takes this many ids per call.</summary>
    private const int DescribeBatchSize = 200;

    /// <summary>The copies, each naming its build: one DescribeImages per 200 copies that do not, per source region.</summary>
    public async Task<IReadOnlyList<ImageInfo>> WithBuildsAsync(IReadOnlyList<ImageInfo> copies, CancellationToken cancellationToken)
    {
        var created = new Dictionary<(string Region, string ImageId), DateTimeOffset>();
        var unrecorded = copies
            .Where(c => ProvenanceTags.SourceCreatedAt(c.Tags) is null && c.Tags.ContainsKey(ProvenanceTags.SourceRegion))
            .Select(c => (Region: c.Tags[ProvenanceTags.SourceRegion], ImageId: c.Tags[ProvenanceTags.SourceImageId]))
            .Distinct()
            .GroupBy(s => s.Region);
        foreach (var region in unrecorded)
        {
            foreach (var batch in region.Select(s => s.ImageId).Chunk(DescribeBatchSize))
            {
                foreach (var (id, source) in await images.DescribeImagesAsync(region.Key, batch, cancellationToken))
                {
                    if (source.CreationDate is { } date)
                    {
                        created[(region.Key, id)] = date;
                    }
                }
            }
        }

        return created.Count == 0
            ? copies
            : [.. copies.Select(c => c.Tags.TryGetValue(ProvenanceTags.SourceRegion, out var region)
                && created.TryGetValue((region, c.Tags[ProvenanceTags.SourceImageId]), out var date) && ProvenanceTags.SourceCreatedAt(c.Tags) is null
                    ? c with { Tags = new Dictionary<string, string>(c.Tags, StringComparer.Ordinal) { [ProvenanceTags.SourceCreated] = ProvenanceTags.TimeText(date) } }
                    : c)];
    }
}

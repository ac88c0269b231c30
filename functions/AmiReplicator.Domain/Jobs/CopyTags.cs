using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Policy;

namespace AmiReplicator.Domain.Jobs;

/// <summary>The tags a copy carries, within EC2's limits: what does not fit is left out, in an order that never changes.</summary>
internal static class CopyTags
{
    /// <summary>User tags EC2 allows per resource (keys starting with 'aws:' do not count and cannot be written).</summary>
    public const int MaxTagsPerResource = 50;

    public const int MaxKeyLength = 128;
    public const int MaxValueLength = 256;

    /// <summary>
    /// Provenance first (it keeps the copy from being replicated again and lets the replicator find its own copies), then the
    /// policy's tags, then the source's user tags in key order, up to <see cref="MaxTagsPerResource"/>. A policy tag wins over a
    /// source tag of the same key. Answers the tags and the keys of the source's tags left out.
    /// </summary>
    public static (IReadOnlyDictionary<string, string> Tags, IReadOnlyList<string> LeftOut) For(ImageInfo source, ReplicationPolicy policy)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ProvenanceTags.SourceImageId] = source.ImageId,
            [ProvenanceTags.SourceRegion] = source.Region,
        };
        foreach (var (key, value) in policy.ExtraTags)
        {
            tags[key] = value;
        }

        var leftOut = new List<string>();
        foreach (var (key, value) in source.UserTags.Where(t => !tags.ContainsKey(t.Key)).OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            if (tags.Count < MaxTagsPerResource && !key.StartsWith(ProvenanceTags.Prefix, StringComparison.Ordinal))
            {
                tags[key] = value;
            }
            else
            {
                leftOut.Add(key);
            }
        }

        return (tags, leftOut);
    }
}

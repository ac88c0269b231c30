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
        var tags = ProvenanceTags.For(source, policy.Deployment);
        foreach (var (key, value) in policy.ExtraTags)
        {
            tags[key] = value;
        }

        return (tags, Fill(tags, source.UserTags));
    }

    /// <summary>
    /// What a copy's snapshot gets from its source's snapshot besides the job's tags (given to it at creation): the source
    /// snapshot's user tags in key order, the job's tags winning, up to <see cref="MaxTagsPerResource"/> in all. Answers the tags to
    /// add and the keys left out.
    /// </summary>
    public static (IReadOnlyDictionary<string, string> Extra, IReadOnlyList<string> LeftOut) ForSnapshot(
        IReadOnlyDictionary<string, string> jobTags, IReadOnlyDictionary<string, string> sourceSnapshotTags)
    {
        var tags = new Dictionary<string, string>(jobTags, StringComparer.Ordinal);
        var leftOut = Fill(tags, sourceSnapshotTags.Where(t => !t.Key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase)));
        return (tags.Where(t => !jobTags.ContainsKey(t.Key)).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal), leftOut);
    }

    /// <summary>Adds the source's tags that <paramref name="tags"/> lacks, in key order, while there is room; answers the keys left out.</summary>
    private static List<string> Fill(Dictionary<string, string> tags, IEnumerable<KeyValuePair<string, string>> sourceTags)
    {
        var leftOut = new List<string>();
        foreach (var (key, value) in sourceTags.Where(t => !tags.ContainsKey(t.Key)).OrderBy(t => t.Key, StringComparer.Ordinal))
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

        return leftOut;
    }
}

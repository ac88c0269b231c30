namespace AmiReplicator.Domain.Jobs;

/// <summary>
/// Tags that mark a copy as made by the replicator (so it is never replicated again), name its source, the source's creation time
/// (its build: what a family's copies are ordered by) and the deployment that made it (so side-by-side deployments keep to their own
/// copies). Given to CopyImage at creation, so they survive a lost job.
/// </summary>
public static class ProvenanceTags
{
    public const string Prefix = "amireplicator:";
    public const string SourceImageId = Prefix + "source-image-id";
    public const string SourceRegion = Prefix + "source-region";

    /// <summary>The source's CreationDate as EC2 reports it (ISO 8601, UTC).</summary>
    public const string SourceCreated = Prefix + "source-created";

    /// <summary>The account that owns the source: a target account's copy, and a copy of an AMI another account shares, say whose build it is.</summary>
    public const string SourceAccount = Prefix + "source-account";

    /// <summary>The deployment (the stack's prefix) that made the copy.</summary>
    public const string Deployment = Prefix + "deployment";

    /// <summary>The deployment of a stack without a prefix, and of every copy made before copies named their deployment.</summary>
    public const string DefaultDeployment = "default";

    public static bool IsReplicatorCopy(IReadOnlyDictionary<string, string> tags) => tags.ContainsKey(SourceImageId);

    /// <summary>Whether <paramref name="deployment"/> made the copy: a replicator copy naming it, or naming none for the default deployment.</summary>
    public static bool BelongsTo(IReadOnlyDictionary<string, string> tags, string deployment) =>
        IsReplicatorCopy(tags) && tags.GetValueOrDefault(Deployment, DefaultDeployment) == deployment;

    /// <summary>The tags of a copy of <paramref name="source"/> made by <paramref name="deployment"/>.</summary>
    public static Dictionary<string, string> For(Images.ImageInfo source, string deployment)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [SourceImageId] = source.ImageId,
            [SourceRegion] = source.Region,
            [Deployment] = deployment,
        };
        if (source.CreationDate is { } created)
        {
            tags[SourceCreated] = TimeText(created);
        }

        if (source.OwnerId is { } owner)
        {
            tags[SourceAccount] = owner;
        }

        return tags;
    }

    /// <summary>A time as the provenance tags write it (as EC2 writes CreationDate).</summary>
    public static string TimeText(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>When the copy's source was created, as recorded on the copy; null for a copy made before it was recorded.</summary>
    public static DateTimeOffset? SourceCreatedAt(IReadOnlyDictionary<string, string> tags) =>
        tags.TryGetValue(SourceCreated, out var text)
            && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var created)
            ? created
            : null;
}

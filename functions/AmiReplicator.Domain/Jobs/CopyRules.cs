using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Policy;

namespace AmiReplicator.Domain.Jobs;

/// <summary>What EC2 refuses to copy (the seed's limits), checked before any slot is taken.</summary>
internal static class CopyRules
{
    /// <summary>Why this copy cannot be made, or null when EC2 would accept it.</summary>
    public static string? Refusal(ImageInfo source, Destination destination, string ownAccountId)
    {
        var shared = source.OwnerId != ownAccountId;
        if (shared && source.IsEncrypted)
        {
            return $"refused: encrypted AMI shared from account {source.OwnerId} cannot be copied; "
                + "copy its snapshots with re-encryption under a key of your own and register a new AMI instead";
        }

        if (shared && source.HasBillingProducts)
        {
            return $"refused: AMI with a billing product code (Windows, AWS Marketplace) shared from account {source.OwnerId} "
                + "cannot be copied; launch an instance from it and create an image instead";
        }

        if (!source.IsEbsBacked && destination.Encrypt)
        {
            return "refused: an instance-store-backed AMI has no snapshots, so copying cannot encrypt it";
        }

        return null;
    }

    /// <summary>A new job for one destination: waiting, or failed at once when EC2 would refuse the copy.</summary>
    /// <param name="sharing">The source's launch permissions as read when the copy was asked for, or why they could not be.</param>
    public static CopyJob NewJob(ImageInfo source, Destination destination, ReplicationPolicy policy, ReplicationRequest request, string ownAccountId,
        SourceSharing sharing, DateTimeOffset now)
    {
        var refusal = Refusal(source, destination, ownAccountId);
        var (tags, leftOut) = CopyTags.For(source, policy);
        var notes = new List<string>();
        if (sharing.Unreadable is { } why)
        {
            notes.Add($"launch permissions not copied: {why}");
        }

        if (leftOut.Count > 0)
        {
            notes.Add($"source tags left out, EC2 allows {CopyTags.MaxTagsPerResource} per image: {string.Join(", ", leftOut)}");
        }

        return new CopyJob
        {
            Key = new CopyJobKey(source.Region, source.ImageId, destination.Region),
            State = refusal is null ? CopyJobState.Waiting : CopyJobState.Failed,
            Name = policy.Templates.NameFor(source, destination.Region),
            Description = policy.Templates.DescriptionFor(source, destination.Region),
            Encrypt = destination.Encrypt,
            KmsKeyId = destination.KmsKeyId,
            Tags = tags,
            LaunchPermissions = sharing.Permissions,
            SourceDeprecationTime = source.DeprecationTime,
            SourceDeregistrationProtection = source.Protection,
            SourceOwnerId = source.OwnerId,
            SizeGiB = source.SizeGiB,
            RequestedBy = request.RequestedBy,
            Reason = request.Reason,
            CreatedAt = now,
            UpdatedAt = now,
            WaitingSince = now,
            CompletedAt = refusal is null ? null : now,
            LastError = refusal,
            Notes = notes,
        };
    }
}

/// <summary>A source's launch permissions, read once per source AMI; or, when the account could not read them, why.</summary>
internal sealed record SourceSharing(IReadOnlyList<LaunchPermission>? Permissions, string? Unreadable)
{
    public static SourceSharing Read(IReadOnlyList<LaunchPermission> permissions) => new(permissions, null);

    public static SourceSharing NotReadable(string why) => new(null, why);
}

using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Domain.Slots;

namespace AmiReplicator.Domain.Jobs;

/// <summary>What EC2 refuses to copy (the seed's limits), checked before any slot is taken.</summary>
internal static class CopyRules
{
    /// <summary>Why this copy cannot be made, or null when EC2 would accept it.</summary>
    /// <param name="unusableKeys">The KMS keys of the source's snapshots the account may not use, each with why (see <see cref="IKeyGateway"/>).</param>
    public static string? Refusal(ImageInfo source, string ownAccountId, IReadOnlyList<string> unusableKeys)
    {
        var shared = source.OwnerId != ownAccountId;
        if (shared && source.HasBillingProducts)
        {
            return $"refused: AMI with a billing product code (Windows, AWS Marketplace) shared from account {source.OwnerId} "
                + "cannot be copied; launch an instance from it and create an image instead";
        }

        // EC2 copies an encrypted AMI another account shares when the account may use its keys; the copy is encrypted with a key
        // of the account's. Without a key, the copy would fail later: the seed's advice is what remains.
        if (shared && unusableKeys.Count > 0)
        {
            return $"refused: encrypted AMI shared from account {source.OwnerId}, and this account cannot use its KMS "
                + $"{(unusableKeys.Count == 1 ? "key" : "keys")} ({string.Join("; ", unusableKeys)}); ask the owner to allow this account "
                + "kms:DescribeKey, kms:Decrypt, kms:CreateGrant and kms:ReEncrypt* in the key policy, or copy its snapshots with "
                + "re-encryption under a key of your own and register a new AMI instead";
        }

        return null;
    }

    /// <summary>The keys of a shared source's encrypted snapshots, which the account must be allowed to use for EC2 to copy it.</summary>
    public static IReadOnlyList<string> KeysToCheck(ImageInfo source, string ownAccountId) =>
        source.OwnerId == ownAccountId
            ? []
            : [.. source.Snapshots.Where(s => s.Encrypted).Select(s => s.KmsKeyId).OfType<string>().Distinct(StringComparer.Ordinal)];

    /// <summary>
    /// The encryption a copy of the source into the destination is made with. Encrypting applies to snapshots only: EC2 refuses
    /// Encrypted for an instance-store-backed AMI, so it is copied as it is. A home copy that target accounts copy is never left to
    /// the account's aws/ebs key, which cannot be shared: where the policy names no key, an encrypted one uses the distribution key.
    /// </summary>
    public static (bool Encrypt, string? KmsKeyId) EncryptionFor(ImageInfo source, Destination destination, ReplicationPolicy policy)
    {
        if (!source.IsEbsBacked)
        {
            return (false, null);
        }

        var distribution = policy.UsesDistributionKey(destination) ? policy.DistributionKeyAlias : null;
        return destination.Encrypt ? (true, destination.KmsKeyId ?? distribution)
            : distribution is not null && source.Snapshots.Any(s => s.Encrypted) ? (true, distribution)
            : (false, null);
    }

    /// <summary>A new job for one destination: waiting, or failed at once when EC2 would refuse the copy.</summary>
    /// <param name="sharing">The source's launch permissions as read when the copy was asked for, or why they could not be.</param>
    /// <param name="unusableKeys">The source's KMS keys the account may not use (<see cref="Refusal"/>).</param>
    public static CopyJob NewJob(ImageInfo source, Destination destination, ReplicationPolicy policy, ReplicationRequest request, string ownAccountId,
        SourceSharing sharing, IReadOnlyList<string> unusableKeys, DateTimeOffset now)
    {
        var refusal = Refusal(source, ownAccountId, unusableKeys);
        var (tags, leftOut) = CopyTags.For(source, policy);
        var notes = new List<string>();
        var (encrypt, kmsKeyId) = EncryptionFor(source, destination, policy);
        // A time-based copy sets the pace of snapshots: an instance-store-backed AMI has none, and is copied as usual.
        var timeBased = source.IsEbsBacked ? destination.SnapshotCopyCompletionDurationMinutes : null;
        if (destination.Encrypt && !source.IsEbsBacked)
        {
            notes.Add($"not encrypted: an instance-store-backed AMI has no snapshots, so the encryption {destination.Region} asks for does not apply to its copy");
        }

        if (sharing.Unreadable is { } why)
        {
            notes.Add($"launch permissions not copied: {why}");
        }

        if (leftOut.Count > 0)
        {
            notes.Add($"source tags left out, EC2 allows {CopyTags.MaxTagsPerResource} per image: {string.Join(", ", leftOut)}");
        }

        var wave = policy.Rollout?.WaveOf(destination.Account, policy.UnitsOf(destination.Account));
        var held = refusal is null && wave > 0;
        if (held && wave is { } heldFor)
        {
            notes.Add(RolloutPolicy.HeldNote(heldFor));
        }

        return new CopyJob
        {
            Key = CopyJobKey.Into(source.Region, source.ImageId, destination.Key),
            State = refusal is null ? CopyJobState.Waiting : CopyJobState.Failed,
            Wave = wave,
            Held = held,
            Name = policy.Templates.NameFor(source, destination.Region),
            Description = policy.Templates.DescriptionFor(source, destination.Region),
            Encrypt = encrypt,
            KmsKeyId = kmsKeyId,
            Tags = tags,
            // A target account's copy is the account's own: the source's shares (often the account's own OU) are not its to copy.
            LaunchPermissions = destination.Account is null ? sharing.Permissions : [],
            SourceDeprecationTime = source.DeprecationTime,
            SourceDeregistrationProtection = source.Protection,
            SourceOwnerId = source.OwnerId,
            SizeGiB = source.SizeGiB,
            SnapshotCopyCompletionDurationMinutes = timeBased,
            SnapshotCopyMiBps = timeBased is { } minutes
                ? SnapshotCopyThroughput.ClaimMiBps(source.Snapshots.Select(s => s.SizeGiB), minutes, destination.Budget.MaxSnapshotCopyMiBpsPerSource)
                : 0,
            RequestedBy = request.RequestedBy,
            Reason = request.Reason,
            CreatedAt = now,
            UpdatedAt = now,
            WaitingSince = now,
            CompletedAt = refusal is null ? null : now,
            LastError = refusal,
            FailureCode = refusal is null ? null : FailureCodes.CopyRefused,
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

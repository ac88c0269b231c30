namespace AmiReplicator.Ec2Simulator.Model;

/// <summary>
/// KMS keys: each belongs to an account in a region (every account has its AWS managed aws/ebs key in each region), and its key
/// policy may let other accounts or organizations use it, which is what an encrypted AMI shared across accounts needs
/// (DOMAIN.md "Cross-account"). A key is usable by its owner and by those its policy admits; an AWS managed key by its owner only.
/// </summary>
internal sealed partial class Ec2Cloud
{
    private readonly Dictionary<string, SimKmsKey> _kmsKeys = new(StringComparer.Ordinal);

    public string CreateKmsKey(string accountId, string regionName, string? alias) => Run(() =>
    {
        RequireAccountId(accountId);
        var region = Region(accountId, regionName);
        var key = NewKmsKey(region.Name, accountId, isAwsManaged: false);
        region.NameKmsKey(key, alias);
        return key.Arn;
    });

    /// <summary>Adds an account ("123456789012") or an organization ("o-...") to the key policy's users of the key.</summary>
    public void AllowKeyUse(string ownerAccountId, string keyArn, string accountOrOrganizationId) => Run(() =>
    {
        var key = _kmsKeys.TryGetValue(keyArn, out var found) && !found.IsAwsManaged && found.OwnerId == ownerAccountId
            ? found
            : throw new ArgumentException($"'{keyArn}' is not the ARN of a customer managed key of account {ownerAccountId}.", nameof(keyArn));
        if (!IsAccountId(accountOrOrganizationId) && !OrganizationIdPattern().IsMatch(accountOrOrganizationId))
        {
            throw new ArgumentException($"'{accountOrOrganizationId}' is neither an account id nor an organization id.", nameof(accountOrOrganizationId));
        }

        key.AllowedUsers.Add(accountOrOrganizationId);
    });

    public string DefaultKmsKeyArn(string accountId, string regionName) => Run(() => Region(accountId, regionName).DefaultKmsKeyArn);

    /// <summary>KMS DescribeKey: the key's metadata when the caller may use it, else KMS's AccessDenied or NotFound.</summary>
    public KmsKeyMetadata DescribeKey(CallerIdentity caller, string regionName, string keyId) => Run(() =>
    {
        var region = Region(caller.AccountId, regionName);
        var key = region.KmsKeyNames.TryGetValue(keyId, out var ownArn) ? _kmsKeys[ownArn]
            : _kmsKeys.TryGetValue(keyId, out var other) && other.Region == region.Name ? other
            : throw new Ec2Exception("NotFoundException", keyId.Contains(":alias/", StringComparison.Ordinal) || keyId.StartsWith("alias/", StringComparison.Ordinal)
                ? $"Alias {keyId} is not found."
                : $"Key '{keyId}' does not exist");
        return IsUsableKey(caller.AccountId, key.Arn)
            ? new KmsKeyMetadata(key.Arn, key.OwnerId, key.IsAwsManaged ? "AWS" : "CUSTOMER")
            : throw new Ec2Exception("AccessDeniedException",
                $"User: {caller.Arn} is not authorized to perform: kms:DescribeKey on resource: {key.Arn} "
                + "because no resource-based policy allows the kms:DescribeKey action");
    });

    private SimKmsKey NewKmsKey(string regionName, string accountId, bool isAwsManaged)
    {
        var key = new SimKmsKey($"arn:aws:kms:{regionName}:{accountId}:key/{Guid.NewGuid()}", regionName, accountId, isAwsManaged);
        _kmsKeys.Add(key.Arn, key);
        return key;
    }

    /// <summary>Whether the account may use the key (by its ARN): its own, or another account's whose policy admits it.</summary>
    private bool IsUsableKey(string accountId, string? keyArn) =>
        keyArn is not null && _kmsKeys.TryGetValue(keyArn, out var key) && key.IsUsableBy(accountId, MembershipOf(accountId)?.OrganizationId);

    /// <summary>Whether the snapshot is encrypted with an AWS managed key (aws/ebs), which no other account can use.</summary>
    private bool IsEncryptedWithAwsManagedKey(SimSnapshot snapshot) =>
        snapshot.Encrypted && snapshot.KmsKeyId is { } keyArn && _kmsKeys.TryGetValue(keyArn, out var key) && key.IsAwsManaged;

    /// <summary>The ARN of a key the account names in the region by id, ARN, alias or alias ARN (another account's by ARN, when the
    /// account may use it); the account's aws/ebs key when none is named; null when there is no such key for it.</summary>
    private string? ResolveKmsKey(RegionState region, string? kmsKeyId) =>
        kmsKeyId is null ? region.DefaultKmsKeyArn
        : region.KmsKeyNames.TryGetValue(kmsKeyId, out var own) ? own
        : _kmsKeys.TryGetValue(kmsKeyId, out var other) && other.Region == region.Name && IsUsableKey(region.AccountId, other.Arn) ? other.Arn
        : null;
}

/// <summary>What KMS DescribeKey answers of a key (the fields the replicator reads).</summary>
internal sealed record KmsKeyMetadata(string Arn, string AccountId, string KeyManager)
{
    public string KeyId => Arn[(Arn.LastIndexOf('/') + 1)..];
}

namespace AmiReplicator.Ec2Simulator.Model;

/// <summary>
/// KMS as the account sees it in each region: its own keys (the default EBS key among them), and keys of other accounts whose
/// key policy does or does not let the account use them (what a shared encrypted AMI needs, DOMAIN.md "Cross-account").
/// </summary>
internal sealed partial class Ec2Cloud
{
    public string CreateForeignKmsKey(string regionName, string ownerAccountId, bool sharedWithUs) => Run(() =>
    {
        var region = Region(regionName);
        var arn = $"arn:aws:kms:{region.Name}:{ownerAccountId}:key/{Guid.NewGuid()}";
        region.ForeignKmsKeys[arn] = sharedWithUs;
        return arn;
    });

    public string DefaultKmsKeyArn(string regionName) => Run(() => Region(regionName).DefaultKmsKeyArn);

    /// <summary>KMS DescribeKey: the key's metadata when the account may use it, else KMS's AccessDenied or NotFound.</summary>
    public KmsKeyMetadata DescribeKey(string regionName, string keyId) => Run(() =>
    {
        var region = Region(regionName);
        if (region.KmsKeyNames.TryGetValue(keyId, out var ownArn))
        {
            return new KmsKeyMetadata(ownArn, AccountId, ownArn == region.DefaultKmsKeyArn ? "AWS" : "CUSTOMER");
        }

        if (region.ForeignKmsKeys.TryGetValue(keyId, out var shared))
        {
            return shared
                ? new KmsKeyMetadata(keyId, keyId.Split(':')[4], "CUSTOMER")
                : throw new Ec2Exception("AccessDeniedException",
                    $"User: arn:aws:iam::{AccountId}:root is not authorized to perform: kms:DescribeKey on resource: {keyId} "
                    + "because no resource-based policy allows the kms:DescribeKey action");
        }

        throw new Ec2Exception("NotFoundException", keyId.Contains(":alias/", StringComparison.Ordinal) || keyId.StartsWith("alias/", StringComparison.Ordinal)
            ? $"Alias {keyId} is not found."
            : $"Key '{keyId}' does not exist");
    });

    /// <summary>Whether the account may use the key in the region: one of its own there, or another account's shared with it.</summary>
    private static bool IsUsableKey(RegionState region, string? keyArn) =>
        keyArn is not null && (region.KmsKeyNames.ContainsKey(keyArn) || region.ForeignKmsKeys.GetValueOrDefault(keyArn));
}

/// <summary>What KMS DescribeKey answers of a key (the fields the replicator reads).</summary>
internal sealed record KmsKeyMetadata(string Arn, string AccountId, string KeyManager)
{
    public string KeyId => Arn[(Arn.LastIndexOf('/') + 1)..];
}

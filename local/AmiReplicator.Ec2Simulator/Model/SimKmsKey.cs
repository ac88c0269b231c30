namespace AmiReplicator.Ec2Simulator.Model;

/// <summary>
/// A KMS key of one account in one region, with what its key policy lets other principals do: use it (DescribeKey, and EC2
/// decrypting what it encrypts) from the accounts and organizations named. An AWS managed key (aws/ebs) serves its owner only.
/// </summary>
internal sealed record SimKmsKey(string Arn, string Region, string OwnerId, bool IsAwsManaged)
{
    public string KeyId => Arn[(Arn.LastIndexOf('/') + 1)..];

    /// <summary>Accounts (12 digits) and organizations ("o-...") the key policy admits.</summary>
    public HashSet<string> AllowedUsers { get; } = new(StringComparer.Ordinal);

    public bool IsUsableBy(string accountId, string? organizationId) =>
        OwnerId == accountId
        || (!IsAwsManaged && (AllowedUsers.Contains(accountId) || (organizationId is not null && AllowedUsers.Contains(organizationId))));
}

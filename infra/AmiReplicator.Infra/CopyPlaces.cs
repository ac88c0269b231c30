using Amazon.CDK;
using AmiReplicator.Contract;

namespace AmiReplicator.Infra;

/// <summary>
/// Where a role makes copies: the regions its EC2 calls are narrowed to (<c>aws:RequestedRegion</c>), and the KMS keys it encrypts
/// them with there (a key ARN, and the alias it must carry when the policy names the key by alias).
/// </summary>
internal sealed record CopyPlaces(IReadOnlyList<string> Regions, IReadOnlyList<(string Region, string KeyArn, string? Alias)> Keys)
{
    /// <summary>
    /// The functions' own: the policy's destinations in the home account, with their <c>kmsKeyId</c>, or the distribution key (by its
    /// alias) where target accounts copy and the policy names none.
    /// </summary>
    public static CopyPlaces Home(DeploymentSettings settings) => new(settings.DestinationRegions,
        [.. settings.Policy.Destinations.Select(d => settings.Policy.UsesDistributionKey(d) ? d with { KmsKeyId = DistributionKey.AliasFor(settings.Deployment) } : d)
            .Where(d => d.KmsKeyId is not null).Select(d => ReplicatorPermissions.KmsKey(d) is var (arn, alias) ? (d.Region, arn, alias) : default)]);

    /// <summary>
    /// A spoke role's, in the target account its stack is deployed to: every target's regions, and the targets' keys by alias, which
    /// each account has in that region (the stack's own account: one template serves every account).
    /// </summary>
    public static CopyPlaces Targets(DeploymentSettings settings) => new(settings.TargetRegions,
        [.. settings.Policy.Targets.SelectMany(t => t.KmsKeys).Distinct().OrderBy(k => k.Key, StringComparer.Ordinal).ThenBy(k => k.Value, StringComparer.Ordinal)
            .Select(k => (k.Key, $"arn:{Aws.PARTITION}:kms:{k.Key}:{Aws.ACCOUNT_ID}:key/*", (string?)k.Value))]);
}

using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using AmiReplicator.Contract;

namespace AmiReplicator.Infra;

/// <summary>
/// The distribution key of a region target accounts copy from (<see cref="DistributionKey"/>): the home account's copies there are
/// encrypted with it when the policy names no key, since the account's aws/ebs key cannot be shared. Its key policy lets the target
/// accounts (the organization, when the policy names one) use it through EC2 of the region to copy what it encrypts.
/// </summary>
internal static class DistributionKeys
{
    /// <summary>Adds the key to <paramref name="stack"/> when its region needs one: a target region whose home destination names no key.</summary>
    public static void AddTo(Stack stack, string region, DeploymentSettings settings)
    {
        if (!settings.Policy.Destinations.Any(d => d.Region == region && settings.Policy.UsesDistributionKey(d)))
        {
            return;
        }

        // Kept when the stack goes: copies encrypted with it, and the target accounts' copies made from them, still need it.
        var key = new Key(stack, "DistributionKey", new KeyProps
        {
            Alias = DistributionKey.AliasFor(settings.Deployment),
            Description = $"AMI replicator: the home account's copies in {region} that target accounts copy (aws/ebs cannot be shared).",
            EnableKeyRotation = true,
            RemovalPolicy = RemovalPolicy.RETAIN,
        });
        var (principals, conditions) = settings.Policy.OrganizationId is { } organization
            ? ([new AnyPrincipal()], new Dictionary<string, object> { ["aws:PrincipalOrgID"] = organization })
            : (settings.Policy.Targets.SelectMany(t => t.Accounts).Distinct().Order(StringComparer.Ordinal).Select(a => (IPrincipal)new AccountPrincipal(a)).ToArray(),
                new Dictionary<string, object>());
        var viaEc2 = new Dictionary<string, object>(conditions) { ["kms:ViaService"] = $"ec2.{region}.amazonaws.com" };
        key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "TargetAccountsCopyThroughEc2",
            Principals = principals,
            Actions = ["kms:Decrypt", "kms:ReEncryptFrom", "kms:CreateGrant"],
            Resources = ["*"],
            Conditions = new Dictionary<string, object> { ["StringEquals"] = viaEc2 },
        }));
        key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "TargetAccountsDescribe",
            Principals = principals,
            Actions = ["kms:DescribeKey"],
            Resources = ["*"],
            Conditions = conditions.Count == 0 ? null : new Dictionary<string, object> { ["StringEquals"] = conditions },
        }));
        if (settings.Policy.Targets.Any(t => t.SharesHomeCopy && t.Regions.Contains(region)))
        {
            // A target in share mode launches the home account's copy itself: EC2 makes its volumes under the key, which needs more than
            // a copy does (a data key for each volume, re-encryption to it).
            key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
            {
                Sid = "ShareTargetsLaunchThroughEc2",
                Principals = principals,
                Actions = ["kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptTo"],
                Resources = ["*"],
                Conditions = new Dictionary<string, object> { ["StringEquals"] = viaEc2 },
            }));
        }
    }
}

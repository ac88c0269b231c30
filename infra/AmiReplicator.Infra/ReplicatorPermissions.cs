using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using AmiReplicator.Contract;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;

namespace AmiReplicator.Infra;

/// <summary>
/// The functions' and the spoke roles' IAM statements, made from the permission contract (<see cref="PermissionContract"/>): one
/// statement per kind of resource (<see cref="PermissionScope"/>), each as narrow as IAM can check it. EC2 grants are region-wide
/// ARNs narrowed by <c>aws:RequestedRegion</c> to the regions the role copies into (<see cref="CopyPlaces"/>), so the policies
/// stay small however many regions there are; the KMS grants name each of those regions' keys.
/// </summary>
internal static class ReplicatorPermissions
{
    /// <summary>Only copies carry this tag (set at creation): changing or deregistering an image needs it.</summary>
    public const string CopyTagCondition = "aws:ResourceTag/" + ProvenanceTags.SourceImageId;

    /// <summary>Only launch templates that ask to follow a family carry this tag: versioning one needs it.</summary>
    public const string TrackTagCondition = "aws:ResourceTag/" + LaunchTemplatePolicy.TrackTag;

    private const string GrantAction = "kms:CreateGrant";

    /// <summary>Statements allowing every call the contract lists for <paramref name="function"/>, and nothing else.</summary>
    public static IReadOnlyList<PolicyStatement> ForCalls(string function, DeploymentSettings settings, ReplicatorResources resources, PermissionContract? contract = null) =>
        Statements((contract ?? PermissionContract.Current).CallsOf(function), settings, CopyPlaces.Home(settings), resources);

    /// <summary>
    /// Statements allowing every call the contract's spoke entry lists, in the target account the spoke stack is deployed to (its
    /// regions among the targets', its keys by the targets' aliases), and nothing else.
    /// </summary>
    public static IReadOnlyList<PolicyStatement> ForSpoke(DeploymentSettings settings, PermissionContract? contract = null) =>
        Statements((contract ?? PermissionContract.Current).SpokeCalls, settings, CopyPlaces.Targets(settings), resources: null);

    /// <summary>
    /// The suppressions of cdk-nag's wildcard finding (AwsSolutions-IAM5) that statements made here need, on <paramref name="policy"/>:
    /// region-wide image and snapshot ARNs, EC2 reads without resource-level permissions, keys known only at run time, keys by alias.
    /// </summary>
    public static void SuppressWildcards(Nag nag, Policy policy, CopyPlaces places)
    {
        nag.Suppress(policy,
            new NagSuppression("AwsSolutions-IAM5",
                "EC2 image and snapshot ARNs end in the id of an image that does not exist yet (the copy) or is only known at run time (the source, in any region); "
                + "every statement on them allows only requests to the regions copies are made in (aws:RequestedRegion), and changing an image needs the tag the replicator puts on its copies.",
                "regex:/^Resource::arn:(<AWS::Partition>|aws[a-z-]*):ec2:\\*::(image|snapshot)\\/\\*$/"),
            new NagSuppression("AwsSolutions-IAM5",
                "ec2:DescribeImages, ec2:DescribeImageAttribute and ec2:DescribeSnapshots do not support resource-level permissions, and a source AMI may be in any region (a copy request names its own).",
                "Resource::*"),
            new NagSuppression("AwsSolutions-IAM5",
                "An encrypted source's keys (the account's own, or those of the account sharing the AMI) are known only at run time, in any region: "
                + "they are used only via EC2 (kms:ViaService), or described (kms:DescribeKey, metadata only), and each key's own policy still decides.",
                "regex:/^Resource::arn:(<AWS::Partition>|aws[a-z-]*):kms:\\*:\\*:key\\/\\*$/"));
        nag.Suppress(policy, new NagSuppression("AwsSolutions-IAM5",
            "Launch templates are found at run time by their tag: only those carrying amireplicator:track (aws:ResourceTag), in the regions copies are made in, get versions.",
            "regex:/^Resource::arn:(<AWS::Partition>|aws[a-z-]*):ec2:\\*:(<AWS::AccountId>|\\d{12}):launch-template\\/\\*$/"));
        if (places.Keys.Any(k => k.Alias is not null))
        {
            nag.Suppress(policy, new NagSuppression("AwsSolutions-IAM5",
                "A KMS key named by alias is granted on the keys of its region that carry that alias (kms:ResourceAliases), and only via EC2 (kms:ViaService).",
                "regex:/^Resource::arn:(<AWS::Partition>|aws[a-z-]*):kms:[a-z0-9-]+:(<AWS::AccountId>|\\d{12}):key\\/\\*$/"));
        }
    }

    private static PolicyStatement[] Statements(IEnumerable<AwsPermission> calls, DeploymentSettings settings, CopyPlaces places, ReplicatorResources? resources) =>
        [.. calls
            .GroupBy(p => p.Scope)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .SelectMany(g => StatementsFor(g.Key, [.. g.Select(p => p.Action).Order(StringComparer.Ordinal)], settings, places, resources))];

    /// <summary>What Lambda writes with the function's role: its log streams, in its own log group.</summary>
    public static PolicyStatement WriteLogs(string function, string logGroupArn, PermissionContract? contract = null) => new(new PolicyStatementProps
    {
        Sid = "WriteOwnLogs",
        Actions = [.. (contract ?? PermissionContract.Current).LambdaNeedsOf(function).Where(p => p.Scope == PermissionScope.OwnLogGroup).Select(p => p.Action).Order(StringComparer.Ordinal)],
        Resources = [logGroupArn],
    });

    private static IEnumerable<PolicyStatement> StatementsFor(string scope, string[] actions, DeploymentSettings settings, CopyPlaces places, ReplicatorResources? resources)
    {
        // The home stack's own resources: a spoke role in a target account has none of them.
        ReplicatorResources Home() => resources ?? throw new InvalidOperationException(
            $"The permission contract lists {string.Join(", ", actions)} on '{scope}' for the spoke role, which works in a target account: the home stack's resources are not there.");

        switch (scope)
        {
            case PermissionScope.Table:
                yield return Statement("JobTable", actions, [Home().TableArn]);
                break;
            case PermissionScope.Index:
                yield return Statement("JobTableIndex", actions, [$"{Home().TableArn}/index/{JobTableSchema.ActiveIndexName}"]);
                break;
            case PermissionScope.RequestQueue:
                yield return Statement("RequestQueue", actions, [Home().RequestQueueArn]);
                break;
            case PermissionScope.DefaultEventBus:
                // The distribution completed event: only the home account's default bus, in the home region.
                yield return Statement("SendDistributionEvents", actions, [$"arn:{Aws.PARTITION}:events:{settings.HomeRegion}:{Aws.ACCOUNT_ID}:event-bus/default"]);
                break;
            case PermissionScope.DeadLetterQueue:
                yield return Statement("DeadLetterQueue", actions, [Home().DeadLetterQueueArn]);
                break;
            case PermissionScope.AnyRegion:
                // No resource-level permissions, and a source may be in any region (a request by hand names its own).
                yield return Statement("ReadImagesInAnyRegion", actions, ["*"]);
                break;
            case PermissionScope.DestinationRegion:
                // CopyImage is authorised on the source image and snapshots (in their region) and on the new image: only
                // the request's region, the destination, is narrowed.
                yield return Statement("CopyIntoDestinations", actions, ImagesAndSnapshots, InRegions(places));
                break;
            case PermissionScope.NewCopy:
                yield return Statement("TagCopiesAtCreation", actions, ImagesAndSnapshots, InRegions(places, ("StringEquals", "ec2:CreateAction", "CopyImage")));
                break;
            case PermissionScope.Copy:
                yield return Statement("ChangeOnlyCopies", actions, ImagesAndSnapshots, InRegions(places, ("Null", CopyTagCondition, "false")));
                break;
            case PermissionScope.LatestCopyParameter:
                // Only the parameters the policy's template names (any family), only in the destinations (one ARN, narrowed by
                // aws:RequestedRegion as the EC2 grants are, so the policy stays small however many destinations there are). A spoke
                // role (no home resources) only when a target asks for the parameter in its accounts.
                if (settings.Policy.LatestCopyParameter is { } parameter && (resources is not null || settings.Policy.Targets.Any(t => t.LatestCopyParameter)))
                {
                    yield return Statement("PointAtLatestCopies", actions, [LatestCopyParameterArn(parameter)], InRegions(places));
                }

                break;
            case PermissionScope.TrackedLaunchTemplate:
                // The account's launch templates that carry the track tag, only in the regions copies are made in.
                if (settings.Policy.LaunchTemplates is not null)
                {
                    yield return Statement("MoveTrackedLaunchTemplates", actions, [LaunchTemplateArn], InRegions(places, ("Null", TrackTagCondition, "false")));
                }

                break;
            case PermissionScope.DestinationKey:
                foreach (var statement in KeyStatements(actions, places))
                {
                    yield return statement;
                }

                break;
            case PermissionScope.AnyKey:
                // Asking KMS whether the account may use a key (a shared source's, or a destination's after a failed copy): the key's
                // metadata only, of keys known at run time in any account and region; each key's own policy still decides.
                yield return Statement("DescribeAnyKey", actions, [AnyKeyArn]);
                break;
            case PermissionScope.SourceKey:
                // The keys of an encrypted source's snapshots, the account's own or those of the account sharing the AMI, known only
                // at run time: used only by EC2 (kms:ViaService, in the destination where the copy runs or in the source's region).
                foreach (var statement in SourceKeyStatements(actions))
                {
                    yield return statement;
                }

                break;
            case PermissionScope.SpokeRole:
                // The spoke roles by name in any account (a list of account ARNs would outgrow IAM's 10,240 characters long before
                // 2,000 accounts), within the organization when the policy names it; each role's trust still decides.
                if (settings.Policy.Targets.Count > 0)
                {
                    yield return Statement("AssumeSpokeRoles", actions, SpokeRoleArns(settings.Policy),
                        settings.Policy.OrganizationId is { } organization
                            ? new Dictionary<string, object> { ["StringEquals"] = new Dictionary<string, object> { ["aws:ResourceOrgID"] = organization } }
                            : null);
                }

                break;
            case PermissionScope.Organization:
                // Organizations' read calls take no resource the replicator can name ahead (ListAccountsForParent's parent is any OU
                // below the units); granted only when a target names units. The organization still decides: the home account must be its
                // management account or a delegated administrator.
                if (settings.Policy.NamesOrganizationalUnits)
                {
                    yield return Statement("ReadOrganization", actions, ["*"]);
                }

                break;
            default:
                throw new InvalidOperationException(
                    $"The permission contract lists {string.Join(", ", actions)} on '{scope}', for which ReplicatorPermissions has no grant: add one.");
        }
    }

    /// <summary>
    /// The copies' KMS keys, used only by EC2 in their region: keys named by id or key ARN on their ARNs, keys named by
    /// alias on the keys of those regions that carry one of the aliases. CreateGrant only for AWS resources (EBS).
    /// </summary>
    private static IEnumerable<PolicyStatement> KeyStatements(string[] actions, CopyPlaces places)
    {
        var keyed = places.Keys.Select(k => (k.Region, Key: (k.KeyArn, k.Alias))).ToList();
        string[] use = [.. actions.Where(a => a != GrantAction)];
        var grant = actions.Contains(GrantAction);
        foreach (var (named, byAlias) in new[] { ("", false), ("ByAlias", true) })
        {
            var keys = keyed.Where(k => (k.Key.Alias is not null) == byAlias).ToList();
            if (keys.Count == 0)
            {
                continue;
            }

            string[] resources = [.. keys.Select(k => k.Key.KeyArn).Distinct().Order(StringComparer.Ordinal)];
            List<(string, string, object)> conditions =
                [("StringEquals", "kms:ViaService", keys.Select(k => Ec2Endpoint(k.Region)).Distinct().Order(StringComparer.Ordinal).ToArray())];
            if (byAlias)
            {
                conditions.Add(("ForAnyValue:StringEquals", "kms:ResourceAliases", keys.Select(k => k.Key.Alias).OfType<string>().Distinct().Order(StringComparer.Ordinal).ToArray()));
            }

            if (use.Length > 0)
            {
                yield return Statement($"EncryptCopiesWithDestinationKeys{named}", use, resources, Conditions([.. conditions]));
            }

            if (grant)
            {
                yield return Statement($"LetEbsUseDestinationKeys{named}", [GrantAction], resources,
                    Conditions([.. conditions, ("Bool", "kms:GrantIsForAWSResource", "true")]));
            }
        }
    }

    private static IEnumerable<PolicyStatement> SourceKeyStatements(string[] actions)
    {
        var viaEc2 = ("StringLike", "kms:ViaService", new[] { "ec2.*.amazonaws.com", "ec2.*.amazonaws.com.cn" });
        string[] use = [.. actions.Where(a => a != GrantAction)];
        if (use.Length > 0)
        {
            yield return Statement("CopyFromSourceKeysViaEc2", use, [AnyKeyArn], Conditions(viaEc2));
        }

        if (actions.Contains(GrantAction))
        {
            yield return Statement("LetEbsUseSourceKeys", [GrantAction], [AnyKeyArn], Conditions(viaEc2, ("Bool", "kms:GrantIsForAWSResource", "true")));
        }
    }

    /// <summary>Every KMS key of any account in any region (KMS key ARNs name the key's region and owner).</summary>
    public static string AnyKeyArn => $"arn:{Aws.PARTITION}:kms:*:*:key/*";

    /// <summary>The key ARN to grant on, and the alias it must carry when the policy names the key by alias.</summary>
    public static (string KeyArn, string? Alias) KmsKey(Destination destination)
    {
        var key = destination.KmsKeyId ?? throw new ArgumentException("the destination has no KMS key", nameof(destination));
        if (key.StartsWith("arn:", StringComparison.Ordinal))
        {
            var parts = key.Split(':', 6);
            return parts[5].StartsWith("alias/", StringComparison.Ordinal)
                ? ($"arn:{parts[1]}:kms:{parts[3]}:{parts[4]}:key/*", parts[5])
                : (key, null);
        }

        return key.StartsWith("alias/", StringComparison.Ordinal)
            ? ($"arn:{Aws.PARTITION}:kms:{destination.Region}:{Aws.ACCOUNT_ID}:key/*", key)
            : ($"arn:{Aws.PARTITION}:kms:{destination.Region}:{Aws.ACCOUNT_ID}:key/{key}", null);
    }

    /// <summary>The spoke roles by name, in any account.</summary>
    public static string[] SpokeRoleArns(ReplicationPolicy policy) =>
        [.. policy.Targets.Select(t => t.RoleName).Distinct().Order(StringComparer.Ordinal).Select(name => $"arn:{Aws.PARTITION}:iam::*:role/{name}")];

    /// <summary>The ARN of every parameter the template names, in any region (the family as a wildcard).</summary>
    public static string LatestCopyParameterArn(LatestCopyParameterPolicy parameter) =>
        $"arn:{Aws.PARTITION}:ssm:*:{Aws.ACCOUNT_ID}:parameter{parameter.NameTemplate.Replace(LatestCopyParameterPolicy.FamilyPlaceholder, "*", StringComparison.Ordinal)}";

    /// <summary>How EC2 of a region appears in kms:ViaService.</summary>
    public static string Ec2Endpoint(string region) => $"ec2.{region}.{(region.StartsWith("cn-", StringComparison.Ordinal) ? "amazonaws.com.cn" : "amazonaws.com")}";

    /// <summary>Every launch template of the account the role is in, of any region.</summary>
    public static string LaunchTemplateArn => $"arn:{Aws.PARTITION}:ec2:*:{Aws.ACCOUNT_ID}:launch-template/*";

    /// <summary>Every image and every snapshot, of any region (image and snapshot ARNs have no account field).</summary>
    public static string[] ImagesAndSnapshots => [$"arn:{Aws.PARTITION}:ec2:*::image/*", $"arn:{Aws.PARTITION}:ec2:*::snapshot/*"];

    private static Dictionary<string, object> InRegions(CopyPlaces places, params (string Operator, string Key, object Value)[] more) =>
        Conditions([("StringEquals", "aws:RequestedRegion", places.Regions.Order(StringComparer.Ordinal).ToArray()), .. more]);

    private static Dictionary<string, object> Conditions(params (string Operator, string Key, object Value)[] conditions)
    {
        var result = new Dictionary<string, object>();
        foreach (var (op, key, value) in conditions)
        {
            if (!result.TryGetValue(op, out var keys))
            {
                result[op] = keys = new Dictionary<string, object>();
            }

            ((Dictionary<string, object>)keys)[key] = value;
        }

        return result;
    }

    private static PolicyStatement Statement(string sid, string[] actions, string[] resources, Dictionary<string, object>? conditions = null) => new(new PolicyStatementProps
    {
        Sid = sid,
        Actions = actions,
        Resources = resources,
        Conditions = conditions,
    });
}

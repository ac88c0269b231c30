using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using AmiReplicator.Contract;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;

namespace AmiReplicator.Infra;

/// <summary>
/// The functions' IAM statements, one action at a time and each on the narrowest resource EC2, KMS and DynamoDB
/// can check: images and snapshots of the configured regions, the configured KMS keys, the job table and its index.
/// </summary>
public static class ReplicatorPermissions
{
    /// <summary>Only copies carry this tag (set at creation): changing or deregistering an image needs it.</summary>
    public const string CopyTagCondition = "aws:ResourceTag/" + ProvenanceTags.SourceImageId;

    public static readonly string[] TableActions = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"];

    public static readonly string[] KmsUseActions =
    [
        "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey",
    ];

    /// <summary>
    /// What both functions need: each starts copies, and each finishes them (the poller on its passes, the dispatcher
    /// when an event tells it one of its copies is available).
    /// </summary>
    public static IEnumerable<PolicyStatement> CopyImages(DeploymentSettings settings) => StartCopies(settings).Concat(FinishCopies(settings));

    private static IEnumerable<PolicyStatement> StartCopies(DeploymentSettings settings)
    {
        var described = settings.SourceRegions.Append(settings.HomeRegion).Concat(settings.DestinationRegions).Distinct().Order(StringComparer.Ordinal).ToArray();
        var copied = settings.SourceRegions.Concat(settings.DestinationRegions).Distinct().Order(StringComparer.Ordinal).ToArray();

        // DescribeImages has no resource-level permissions: the region condition is the only narrowing EC2 offers.
        yield return new PolicyStatement(new PolicyStatementProps
        {
            Sid = "DescribeImagesInConfiguredRegions",
            Actions = ["ec2:DescribeImages"],
            Resources = ["*"],
            Conditions = RequestedRegions(described),
        });

        // CopyImage is authorised on the source image (and its snapshots) and on the new image in the destination.
        yield return new PolicyStatement(new PolicyStatementProps
        {
            Sid = "CopyImagesBetweenConfiguredRegions",
            Actions = ["ec2:CopyImage"],
            Resources = [.. copied.SelectMany(r => new[] { ImageArn(r), SnapshotArn(r) })],
        });

        yield return new PolicyStatement(new PolicyStatementProps
        {
            Sid = "TagCopiesAtCreation",
            Actions = ["ec2:CreateTags"],
            Resources = DestinationImagesAndSnapshots(settings),
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["ec2:CreateAction"] = "CopyImage" },
            },
        });

        foreach (var statement in settings.Policy.Destinations.Where(d => d.KmsKeyId is not null).SelectMany(KmsStatements))
        {
            yield return statement;
        }
    }

    /// <summary>
    /// Finishing a copy: read the source's launch permissions, share, tag, deprecate or stop the copy; then, on the copies only, what
    /// following the source's lifecycle and retention do (protection, withdrawn deprecation, disabling, deregistering).
    /// </summary>
    private static IEnumerable<PolicyStatement> FinishCopies(DeploymentSettings settings)
    {
        var sources = settings.SourceRegions.Append(settings.HomeRegion).Distinct().Order(StringComparer.Ordinal).ToArray();
        yield return new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ReadSourceLaunchPermissions",
            Actions = ["ec2:DescribeImageAttribute"],
            Resources = ["*"],
            Conditions = RequestedRegions(sources),
        });

        yield return new PolicyStatement(new PolicyStatementProps
        {
            Sid = "TagCopies",
            Actions = ["ec2:CreateTags"],
            Resources = DestinationImagesAndSnapshots(settings),
            Conditions = CopiesOnly(),
        });

        yield return new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ShareDeprecateOrStopCopies",
            Actions =
            [
                "ec2:ModifyImageAttribute", "ec2:EnableImageDeprecation", "ec2:DeregisterImage", "ec2:DisableImageDeprecation",
                "ec2:EnableImageDeregistrationProtection", "ec2:DisableImageDeregistrationProtection", "ec2:DisableImage",
            ],
            Resources = [.. settings.DestinationRegions.Select(ImageArn)],
            Conditions = CopiesOnly(),
        });
    }

    public static PolicyStatement JobTableAccess(string tableArn) => new(new PolicyStatementProps
    {
        Sid = "JobTable",
        Actions = TableActions,
        Resources = [tableArn, $"{tableArn}/index/{JobTableSchema.ActiveIndexName}"],
    });

    public static PolicyStatement WriteLogs(string logGroupArn) => new(new PolicyStatementProps
    {
        Sid = "WriteOwnLogs",
        Actions = ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resources = [logGroupArn],
    });

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

    private static IEnumerable<PolicyStatement> KmsStatements(Destination destination)
    {
        var (keyArn, alias) = KmsKey(destination);
        var sid = Sid(destination.Region);

        Dictionary<string, object> Conditions(params (string Operator, string Key, object Value)[] extra)
        {
            // EC2 uses the key on the caller's behalf, in the destination region, and only then.
            var conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["kms:ViaService"] = $"ec2.{destination.Region}.amazonaws.com" },
            };
            if (alias is not null)
            {
                conditions["ForAnyValue:StringEquals"] = new Dictionary<string, object> { ["kms:ResourceAliases"] = alias };
            }

            foreach (var (op, key, value) in extra)
            {
                conditions[op] = new Dictionary<string, object> { [key] = value };
            }

            return conditions;
        }

        yield return new PolicyStatement(new PolicyStatementProps
        {
            Sid = $"EncryptCopiesIn{sid}",
            Actions = KmsUseActions,
            Resources = [keyArn],
            Conditions = Conditions(),
        });
        yield return new PolicyStatement(new PolicyStatementProps
        {
            Sid = $"GrantEbsTheKeyIn{sid}",
            Actions = ["kms:CreateGrant"],
            Resources = [keyArn],
            Conditions = Conditions(("Bool", "kms:GrantIsForAWSResource", "true")),
        });
    }

    private static string[] DestinationImagesAndSnapshots(DeploymentSettings settings) =>
        [.. settings.DestinationRegions.SelectMany(r => new[] { ImageArn(r), SnapshotArn(r) })];

    private static Dictionary<string, object> RequestedRegions(string[] regions) => new()
    {
        ["StringEquals"] = new Dictionary<string, object> { ["aws:RequestedRegion"] = regions },
    };

    private static Dictionary<string, object> CopiesOnly() => new()
    {
        ["Null"] = new Dictionary<string, object> { [CopyTagCondition] = "false" },
    };

    // Image and snapshot ARNs have no account field.
    public static string ImageArn(string region) => $"arn:{Aws.PARTITION}:ec2:{region}::image/*";

    public static string SnapshotArn(string region) => $"arn:{Aws.PARTITION}:ec2:{region}::snapshot/*";

    private static string Sid(string region) =>
        string.Concat(region.Split('-').Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
}

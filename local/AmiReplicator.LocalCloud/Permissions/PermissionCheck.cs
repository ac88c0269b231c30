using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Amazon.DynamoDBv2.Model;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Amazon.SQS.Model;
using AmiReplicator.Contract;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;

namespace AmiReplicator.LocalCloud.Permissions;

/// <summary>
/// The permission contract applied to one local deployment (its table, its EC2 simulator, its policy): every AWS call a
/// function makes is turned into the IAM permissions it needs, recorded, and refused as IAM would (AccessDenied,
/// UnauthorizedOperation) when the contract does not list one for that function. A call made with a target account's
/// credentials (the spoke role's session, whose account the simulator tells from the access key) is held to the contract's
/// spoke entry instead, its scopes read in that account: its regions and keys in the policy's targets, its images' tags.
/// <see cref="ThrowIfViolated"/> ends the test with the list, since the product handles a refusal like any other failed call.
/// </summary>
public sealed class PermissionCheck : IDisposable
{
    /// <summary>A folder: each test process appends there every (function, permission) it saw, for tools/test.sh to compare with the contract.</summary>
    public const string RecordVariable = "AMIREPL_RECORDED_PERMISSIONS";

    private static readonly Lock RecordGate = new();
    private static readonly ConcurrentDictionary<string, byte> RecordedInProcess = new(StringComparer.Ordinal);

    private readonly PermissionContract _contract;
    private readonly ReplicationPolicy _policy;
    private readonly string _tableName;
    private readonly Ec2Simulator.Ec2Simulator _simulator;
    private readonly IReadOnlyDictionary<string, string> _queueScopes;
    private readonly ConcurrentDictionary<(string Function, AwsPermission Permission), int> _observed = new();
    private readonly ConcurrentQueue<string> _violations = new();

    private PermissionCheck(PermissionContract contract, ReplicationPolicy policy, string tableName, Ec2Simulator.Ec2Simulator simulator,
        IReadOnlyDictionary<string, string> queueScopes)
    {
        _queueScopes = queueScopes;
        _contract = contract;
        _policy = policy;
        _tableName = tableName;
        _simulator = simulator;
    }

    /// <summary>
    /// Checks the calls made on <paramref name="tableName"/>, <paramref name="simulator"/> and the queues of
    /// <paramref name="queueScopes"/> (queue URL -> its <see cref="PermissionScope"/>) from now on (clients made later).
    /// </summary>
    public static PermissionCheck Start(ReplicationPolicy policy, string tableName, Ec2Simulator.Ec2Simulator simulator,
        PermissionContract? contract = null, IReadOnlyDictionary<string, string>? queueScopes = null)
    {
        var check = new PermissionCheck(contract ?? PermissionContract.Current, policy, tableName, simulator,
            queueScopes ?? new Dictionary<string, string>());
        PermissionRecorder.Register(check);
        return check;
    }

    internal string TableName => _tableName;

    internal Uri Ec2Endpoint => _simulator.Endpoint;

    internal IEnumerable<string> QueueUrls => _queueScopes.Keys;

    /// <summary>Every permission each function (and the spoke role, as <see cref="PermissionContract.Spoke"/>) used, with how many calls needed it.</summary>
    public IReadOnlyDictionary<(string Function, AwsPermission Permission), int> Observed => _observed;

    public IReadOnlyCollection<string> Violations => _violations;

    public void ThrowIfViolated()
    {
        if (!_violations.IsEmpty)
        {
            throw new PermissionContractException(_violations.Distinct().ToList());
        }
    }

    public void Dispose() => PermissionRecorder.Unregister(this);

    /// <summary>
    /// Null when the contract allows the call; otherwise why IAM would refuse it. <paramref name="accessKeyId"/> is the credentials'
    /// key: the function's own (the home account's; null: the harness's default ones) or a target account's spoke role session.
    /// </summary>
    internal string? Authorize(string function, string service, string region, AmazonWebServiceRequest request, string? accessKeyId)
    {
        var operation = request.GetType().Name.Replace("Request", "", StringComparison.Ordinal);
        var caller = CallerFor(function, accessKeyId is null ? _simulator.AccountId : _simulator.AccountOfAccessKey(accessKeyId));
        return Needs(caller, service, operation, region, request).Select(permission => Allow(caller, permission, $"{service} {operation} in {region}")).FirstOrDefault(v => v is not null);
    }

    /// <summary>
    /// A call made without the AWS SDK (the signed JSON client: EventBridge's PutEvents), with the function's own credentials: seen
    /// by <see cref="PermissionRecorder"/> as it leaves (it cannot be refused there, so a violation fails the test at its end).
    /// </summary>
    internal void ObserveSigned(string function, string service, string operation, string region) =>
        Allow(CallerFor(function, _simulator.AccountId),
            service == "events" ? new AwsPermission($"events:{operation}", PermissionScope.DefaultEventBus) : new AwsPermission($"{service}:{operation}", "*"),
            $"{service} {operation} in {region}");

    /// <summary>
    /// A call of the function in scope (<see cref="FunctionScope"/>) to AWS Organizations, made over the signed JSON client that no SDK
    /// pipeline sees (<see cref="CheckedOrganization"/> reports it): authorised as <c>organizations:{operation} organization</c>.
    /// </summary>
    public string? AuthorizeOrganizations(string operation) => FunctionScope.Current is not { } function ? null
        : Allow(CallerFor(function, _simulator.AccountId), new AwsPermission($"organizations:{operation}", PermissionScope.Organization), $"organizations {operation}");

    /// <summary>Records the permission the caller used, or the violation (answered) when the contract does not list it.</summary>
    private string? Allow(Caller caller, AwsPermission permission, string call)
    {
        if (!caller.Allowed.Contains(permission))
        {
            var violation = $"the {caller.Name} called {call}, which needs \"{permission}\": "
                + $"functions/AmiReplicator.Contract/{PermissionContract.FileName} does not list it for the {caller.Name}";
            _violations.Enqueue(violation);
            return violation;
        }

        _observed.AddOrUpdate((caller.Name, permission), 1, (_, n) => n + 1);
        Record(caller.Name, permission);
        return null;
    }

    /// <summary>The function with its own credentials, in the home account; or, with a target account's, that account's spoke role.</summary>
    private Caller CallerFor(string function, string account) => account == _simulator.AccountId
        ? new Caller(function, _contract.CallsOf(function), _simulator.DefaultAccount, region => _policy.FindDestination(CopyDestination.Home(region)))
        : new Caller(PermissionContract.Spoke, _contract.SpokeCalls, _simulator.Account(account), region => _policy.FindDestination(new CopyDestination(region, account)));

    /// <summary>The IAM permissions one call needs, each on the kind of resource IAM checks it on.</summary>
    private IEnumerable<AwsPermission> Needs(Caller caller, string service, string operation, string region, AmazonWebServiceRequest request) =>
        service switch
        {
            "dynamodb" => DynamoDbNeeds(operation, request),
            "ec2" => Ec2Needs(caller, operation, region, request),
            "sqs" => [SqsNeeds(operation, request)],
            "kms" => [KmsNeeds(caller, operation, region, request)],
            "ssm" => [SsmNeeds(caller, operation, region, request)],
            "sts" => [StsNeeds(operation, request)],
            _ => [new AwsPermission($"{service}:{operation}", "*")],
        };

    private IEnumerable<AwsPermission> DynamoDbNeeds(string operation, AmazonWebServiceRequest request)
    {
        switch (request)
        {
            // A transaction is authorised item by item, each by the action of its kind.
            case TransactWriteItemsRequest transaction:
                foreach (var item in transaction.TransactItems ?? [])
                {
                    yield return item switch
                    {
                        { Put: { } put } => Table("dynamodb:PutItem", put.TableName),
                        { Update: { } update } => Table("dynamodb:UpdateItem", update.TableName),
                        { Delete: { } delete } => Table("dynamodb:DeleteItem", delete.TableName),
                        { ConditionCheck: { } check } => Table("dynamodb:ConditionCheckItem", check.TableName),
                        _ => new AwsPermission("dynamodb:TransactWriteItems", "empty-item"),
                    };
                }

                break;
            case TransactGetItemsRequest transaction:
                foreach (var item in transaction.TransactItems ?? [])
                {
                    yield return Table("dynamodb:GetItem", item.Get.TableName);
                }

                break;
            case QueryRequest query:
                yield return Table("dynamodb:Query", query.TableName, query.IndexName);
                break;
            case ScanRequest scan:
                yield return Table("dynamodb:Scan", scan.TableName, scan.IndexName);
                break;
            case BatchGetItemRequest batch:
                foreach (var table in batch.RequestItems.Keys)
                {
                    yield return Table("dynamodb:BatchGetItem", table);
                }

                break;
            case BatchWriteItemRequest batch:
                foreach (var table in batch.RequestItems.Keys)
                {
                    yield return Table("dynamodb:BatchWriteItem", table);
                }

                break;
            default:
                yield return Table($"dynamodb:{operation}", request.GetType().GetProperty("TableName")?.GetValue(request) as string);
                break;
        }
    }

    /// <summary>
    /// A KMS call the function makes itself (DescribeKey) is authorised on the key: <see cref="PermissionScope.AnyKey"/> for the key of
    /// a destination or of a snapshot the region holds (what the functions ask about), otherwise the key it names.
    /// </summary>
    /// <summary>The key the caller's copies in the region are encrypted with: the policy's, or the home account's distribution key there.</summary>
    private string? DestinationKeyOf(Caller caller, string region) => caller.DestinationIn(region) is not { } destination ? null
        : _policy.UsesDistributionKey(destination) ? _policy.DistributionKeyAlias : destination.KmsKeyId;

    private AwsPermission KmsNeeds(Caller caller, string operation, string region, AmazonWebServiceRequest request)
    {
        var key = request.GetType().GetProperty("KeyId")?.GetValue(request) as string;
        // Asked directly, not through EC2: the grants on destination keys hold only through EC2 (kms:ViaService), so describing any
        // key the caller knows (its destination's, a source's) is the any-key grant, metadata only.
        var known = key is not null
            && (DestinationKeyOf(caller, region) == key || _simulator.Snapshots(region).Any(s => s.KmsKeyId == key));
        return new AwsPermission($"kms:{operation}", known ? PermissionScope.AnyKey : $"key/{key}");
    }

    /// <summary>A batch send is authorised as <c>sqs:SendMessage</c>, on the queue the request names.</summary>
    private AwsPermission SqsNeeds(string operation, AmazonWebServiceRequest request)
    {
        var queueUrl = request.GetType().GetProperty("QueueUrl")?.GetValue(request) as string;
        var action = request is SendMessageBatchRequest ? "sqs:SendMessage" : $"sqs:{operation}";
        return new AwsPermission(action, queueUrl is not null && _queueScopes.TryGetValue(queueUrl, out var scope) ? scope : $"queue/{queueUrl}");
    }

    /// <summary>A parameter call is authorised on the parameter it names, in the region it is made in.</summary>
    private AwsPermission SsmNeeds(Caller caller, string operation, string region, AmazonWebServiceRequest request)
    {
        var name = request.GetType().GetProperty("Name")?.GetValue(request) as string ?? "";
        var latest = _policy.LatestCopyParameter is { } parameter && Regex.IsMatch(name,
            "^" + Regex.Escape(parameter.NameTemplate).Replace(Regex.Escape(LatestCopyParameterPolicy.FamilyPlaceholder), ".*", StringComparison.Ordinal) + "$");
        return new AwsPermission($"ssm:{operation}", latest && caller.DestinationIn(region) is not null ? PermissionScope.LatestCopyParameter : $"parameter/{region}{name}");
    }

    /// <summary>AssumeRole is authorised on the role: <see cref="PermissionScope.SpokeRole"/> for a role by one of the policy's spoke role names.</summary>
    private AwsPermission StsNeeds(string operation, AmazonWebServiceRequest request)
    {
        var role = request.GetType().GetProperty("RoleArn")?.GetValue(request) as string ?? "";
        var spoke = _policy.Targets.Any(t => role.EndsWith($":role/{t.RoleName}", StringComparison.Ordinal));
        return new AwsPermission($"sts:{operation}", spoke ? PermissionScope.SpokeRole : $"role/{role}");
    }

    private AwsPermission Table(string action, string? tableName, string? indexName = null) =>
        new(action, tableName != _tableName ? $"table/{tableName}"
            : indexName is null ? PermissionScope.Table
            : indexName == JobTableSchema.ActiveIndexName ? PermissionScope.Index
            : $"index/{indexName}");

    private IEnumerable<AwsPermission> Ec2Needs(Caller caller, string operation, string region, AmazonWebServiceRequest request)
    {
        var action = $"ec2:{operation}";
        switch (request)
        {
            case CopyImageRequest copy:
                yield return new AwsPermission(action, caller.DestinationIn(region) is null ? $"region/{region}" : PermissionScope.DestinationRegion);
                // Tags on create need ec2:CreateTags on the new image and snapshots, with ec2:CreateAction = CopyImage.
                if (copy.TagSpecifications is { Count: > 0 })
                {
                    yield return new AwsPermission("ec2:CreateTags", PermissionScope.NewCopy);
                }

                // EC2 uses the key with the caller's permissions (kms:ViaService); the default EBS key needs no grant.
                if (copy.KmsKeyId is { } key)
                {
                    var scope = DestinationKeyOf(caller, region) == key ? PermissionScope.DestinationKey : $"key/{key}";
                    foreach (var kms in EbsKeyActions)
                    {
                        yield return new AwsPermission(kms, scope);
                    }
                }

                // The source's snapshots are read with their keys, the caller's permissions again (the AWS managed key's policy
                // lets any principal of the account use it through EC2, so it needs none).
                var sourceKeys = _simulator.FindImage(copy.SourceRegion, copy.SourceImageId)?.BlockDevices
                    .Where(b => b.Encrypted && b.KmsKeyId is not null && b.KmsKeyId != _simulator.DefaultEbsKeyArn(copy.SourceRegion))
                    .Select(b => b.KmsKeyId).Distinct() ?? [];
                if (sourceKeys.Any())
                {
                    foreach (var kms in SourceKeyActions)
                    {
                        yield return new AwsPermission(kms, PermissionScope.SourceKey);
                    }
                }

                break;
            case CreateTagsRequest tags:
                foreach (var resource in tags.Resources ?? [])
                {
                    yield return new AwsPermission(action, ResourceScope(caller, region, resource));
                }

                break;
            case DeleteTagsRequest tags:
                foreach (var resource in tags.Resources ?? [])
                {
                    yield return new AwsPermission(action, ResourceScope(caller, region, resource));
                }

                break;
            case DeregisterImageRequest deregister:
                yield return new AwsPermission(action, ResourceScope(caller, region, deregister.ImageId));
                // Deleting the snapshots with the image is assumed to need ec2:DeleteSnapshot on each of them.
                if (deregister.DeleteAssociatedSnapshots == true)
                {
                    var snapshots = _simulator.FindImage(region, deregister.ImageId)?.BlockDevices.Select(b => b.SnapshotId).OfType<string>() ?? [];
                    foreach (var snapshot in snapshots)
                    {
                        yield return new AwsPermission("ec2:DeleteSnapshot", ResourceScope(caller, region, snapshot));
                    }
                }

                break;
            case CreateLaunchTemplateVersionRequest version:
                yield return new AwsPermission(action, LaunchTemplateScope(caller, region, version.LaunchTemplateId));
                break;
            case ModifyLaunchTemplateRequest modify:
                yield return new AwsPermission(action, LaunchTemplateScope(caller, region, modify.LaunchTemplateId));
                break;
            default:
                // Describe* and the account's settings (Get*) have no resource-level permissions; any other call is authorised on the
                // image or snapshot it names.
                if (operation.StartsWith("Describe", StringComparison.Ordinal) || operation.StartsWith("Get", StringComparison.Ordinal))
                {
                    yield return new AwsPermission(action, PermissionScope.AnyRegion);
                    break;
                }

                var target = request.GetType().GetProperty("ImageId")?.GetValue(request) as string
                    ?? request.GetType().GetProperty("SnapshotId")?.GetValue(request) as string;
                yield return new AwsPermission(action, target is null ? $"region/{region}" : ResourceScope(caller, region, target));
                break;
        }
    }

    /// <summary>What EBS does with a customer managed key when CopyImage encrypts with it.</summary>
    public static IReadOnlyList<string> EbsKeyActions { get; } =
    [
        "kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo",
    ];

    /// <summary>What EBS is assumed to do with the key of an encrypted source snapshot while it copies it: read it, re-encrypt from it.</summary>
    public static IReadOnlyList<string> SourceKeyActions { get; } = ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:ReEncryptFrom"];

    /// <summary>
    /// <see cref="PermissionScope.Copy"/> for an image or snapshot of the caller's destination that carries the provenance tag (as
    /// IAM reads it, in the caller's account, before the call), or one the simulator does not know (EC2 answers NotFound to those);
    /// otherwise where it is.
    /// </summary>
    private string ResourceScope(Caller caller, string region, string resourceId)
    {
        var tags = resourceId.StartsWith("snap-", StringComparison.Ordinal)
            ? _simulator.Snapshots(region).FirstOrDefault(s => s.SnapshotId == resourceId)?.Tags
            : caller.Account.Images(region).FirstOrDefault(i => i.ImageId == resourceId)?.Tags;
        var inDestination = caller.DestinationIn(region) is not null;
        if (inDestination && (tags is null || ProvenanceTags.IsReplicatorCopy(tags)))
        {
            return PermissionScope.Copy;
        }

        var kind = resourceId.StartsWith("snap-", StringComparison.Ordinal) ? "snapshot" : "image";
        return inDestination ? $"untagged-{kind}" : $"{kind}-outside-destinations";
    }

    /// <summary>
    /// <see cref="PermissionScope.TrackedLaunchTemplate"/> for a template of the caller's account in one of its destinations that carries
    /// the track tag (as IAM reads it, before the call), or one the simulator does not know (EC2 answers NotFound); otherwise where it is.
    /// </summary>
    private static string LaunchTemplateScope(Caller caller, string region, string? launchTemplateId)
    {
        if (caller.DestinationIn(region) is null)
        {
            return $"launch-template-outside-destinations/{launchTemplateId}";
        }

        return caller.Account.LaunchTemplates(region).FirstOrDefault(t => t.LaunchTemplateId == launchTemplateId) is not { } template || template.Tags.ContainsKey(LaunchTemplatePolicy.TrackTag)
            ? PermissionScope.TrackedLaunchTemplate
            : $"untracked-launch-template/{launchTemplateId}";
    }

    private static void Record(string caller, AwsPermission permission)
    {
        var line = $"{caller} {permission}";
        if (Environment.GetEnvironmentVariable(RecordVariable) is not { Length: > 0 } folder || !RecordedInProcess.TryAdd(line, 0))
        {
            return;
        }

        lock (RecordGate)
        {
            Directory.CreateDirectory(folder);
            File.AppendAllText(Path.Combine(folder, $"{Environment.ProcessId}.txt"), line + "\n");
        }
    }

    /// <summary>
    /// Whose permissions a call uses: <see cref="Name"/> as the contract names the entry (a function, or the spoke role), where its
    /// copies are (<see cref="DestinationIn"/>: the policy's entry for that region of its account, null outside them) and the
    /// account whose view of the images IAM reads the tags in.
    /// </summary>
    private sealed record Caller(string Name, IReadOnlySet<AwsPermission> Allowed, Ec2Simulator.SimulatedAccount Account, Func<string, Destination?> DestinationIn);
}

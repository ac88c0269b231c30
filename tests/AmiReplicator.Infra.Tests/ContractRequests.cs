using AmiReplicator.Contract;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Infra;

namespace AmiReplicator.Infra.Tests;

/// <summary>
/// The requests IAM authorises for one entry of the permission contract, in every region and on every resource the entry
/// covers (per the Service Authorization Reference: CopyImage is authorised on the source image and snapshots and on the new
/// image and snapshots, requested in the destination region; Describe* have no resource-level permissions).
/// </summary>
internal static class ContractRequests
{
    /// <summary>A region no test configuration names: a request by hand may still name a source there.</summary>
    public const string UnconfiguredRegion = "me-central-1";

    public const string SourceImage = "ami-0aaaaaaaaaaaaaaaa";

    public static IEnumerable<IamRequest> For(AwsPermission permission, string function, DeploymentSettings settings, SynthesizedApp app)
    {
        var (action, scope) = (permission.Action, permission.Scope);
        var table = IamPolicySimulator.ArnOf(app.MainLogicalId("AWS::DynamoDB::Table", "Jobs"));
        return scope switch
        {
            PermissionScope.Table => [Request(action, table, settings.HomeRegion)],
            PermissionScope.Index => [Request(action, $"{table}/index/{JobTableSchema.ActiveIndexName}", settings.HomeRegion)],
            PermissionScope.AnyRegion => settings.SourceRegions.Concat(settings.DestinationRegions).Append(settings.HomeRegion).Append(UnconfiguredRegion)
                .Distinct().Select(r => Request(action, "*", r)),
            PermissionScope.DestinationRegion => settings.DestinationRegions.SelectMany(d => CopyImageRequests(action, d, settings.SourceRegions.Append(UnconfiguredRegion).Where(s => s != d))),
            PermissionScope.NewCopy => settings.DestinationRegions.SelectMany(d => TagAtCreationRequests(action, d)),
            PermissionScope.Copy => settings.DestinationRegions.SelectMany(d => ChangeCopyRequests(action, d)),
            PermissionScope.LatestCopyParameter => settings.Policy.LatestCopyParameter is null ? []
                : settings.DestinationRegions.Select(d => Request(action, LatestCopyParameter(d, "golden-al2023-"), d)),
            PermissionScope.TrackedLaunchTemplate => TrackedLaunchTemplateRequests(action, settings, settings.DestinationRegions),
            PermissionScope.DestinationKey => settings.Policy.Destinations.Where(d => d.KmsKeyId is not null).Select(d => KeyRequest(action, d.Region, d.KmsKeyId!)),
            // Asked about directly: a source's keys, of any account and region, and the destinations' keys.
            PermissionScope.AnyKey => SourceKeys(settings).Select(k => KeyRequest(action, k.Region, k.Arn, byEc2: false))
                .Concat(settings.Policy.Destinations.Where(d => d.KmsKeyId is not null).Select(d => KeyRequest(action, d.Region, d.KmsKeyId!, byEc2: false))),
            // Used by EC2 of the destination that copies the source.
            PermissionScope.SourceKey => SourceKeys(settings).SelectMany(k => settings.DestinationRegions.Select(d => KeyRequest(action, k.Region, k.Arn, ReplicatorPermissions.Ec2Endpoint(d)))),
            PermissionScope.SpokeRole => settings.Policy.Targets.SelectMany(t => t.Accounts.Take(2).Select(a => Request(action, $"arn:aws:iam::{a}:role/{t.RoleName}", settings.HomeRegion,
                [.. settings.Policy.OrganizationId is { } organization ? new[] { ("aws:ResourceOrgID", organization) } : []]))),
            PermissionScope.Organization => settings.Policy.NamesOrganizationalUnits ? [Request(action, "*", "us-east-1")] : [],
            PermissionScope.OwnLogGroup => [Request(action, IamPolicySimulator.ArnOf(app.MainLogicalId("AWS::Logs::LogGroup", Capitalized(function) + "Logs")), settings.HomeRegion)],
            PermissionScope.RequestQueue => [Request(action, IamPolicySimulator.ArnOf(app.MainLogicalId("AWS::SQS::Queue", "RequestQueue")), settings.HomeRegion)],
            PermissionScope.DeadLetterQueue => [Request(action, IamPolicySimulator.ArnOf(app.MainLogicalId("AWS::SQS::Queue", "DeadLetterQueue")), settings.HomeRegion)],
            PermissionScope.DefaultEventBus => [Request(action, $"arn:aws:events:{settings.HomeRegion}:{IamPolicySimulator.Account}:event-bus/default", settings.HomeRegion)],
            _ => throw new InvalidOperationException($"ContractRequests knows no requests for scope '{scope}': add them"),
        };
    }

    /// <summary>
    /// The requests of one entry of the contract's spoke entry, made with the spoke role in the target account: copies in the targets'
    /// regions from the home account's copy in the same region, encrypted with the targets' keys (by alias) there.
    /// </summary>
    public static IEnumerable<IamRequest> ForSpoke(AwsPermission permission, DeploymentSettings settings)
    {
        var (action, scope) = (permission.Action, permission.Scope);
        return scope switch
        {
            PermissionScope.AnyRegion => settings.TargetRegions.Append(UnconfiguredRegion).Select(r => Request(action, "*", r)),
            PermissionScope.DestinationRegion => settings.TargetRegions.SelectMany(d => CopyImageRequests(action, d, [d])),
            PermissionScope.NewCopy => settings.TargetRegions.SelectMany(d => TagAtCreationRequests(action, d)),
            PermissionScope.Copy => settings.TargetRegions.SelectMany(d => ChangeCopyRequests(action, d)),
            PermissionScope.TrackedLaunchTemplate => TrackedLaunchTemplateRequests(action, settings, settings.TargetRegions),
            PermissionScope.DestinationKey => settings.Policy.Targets.SelectMany(t => t.KmsKeys).Select(k => KeyRequest(action, k.Key, k.Value)),
            // Asked about directly by the preflight: the targets' keys, not through EC2.
            PermissionScope.AnyKey => settings.Policy.Targets.SelectMany(t => t.KmsKeys).Select(k => KeyRequest(action, k.Key, k.Value, byEc2: false)),
            // The home account's copy's keys (or, copied as they were, its source's), used by EC2 of the region the account copies in.
            PermissionScope.SourceKey => SourceKeys(settings).SelectMany(k => settings.TargetRegions.Select(d => KeyRequest(action, k.Region, k.Arn, ReplicatorPermissions.Ec2Endpoint(d)))),
            // The parameter in the account itself, in each target region.
            PermissionScope.LatestCopyParameter => settings.Policy.LatestCopyParameter is null ? []
                : settings.TargetRegions.Select(d => Request(action, LatestCopyParameter(d, "golden-al2023-"), d)),
            _ => throw new InvalidOperationException($"ContractRequests knows no spoke requests for scope '{scope}': add them"),
        };
    }

    /// <summary>CopyImage into <paramref name="region"/>: the new image and snapshots there, the source image and snapshots in theirs.</summary>
    private static IEnumerable<IamRequest> CopyImageRequests(string action, string region, IEnumerable<string> sourceRegions) =>
        sourceRegions.SelectMany(s => new[] { Image(region, "ami-0bbbbbbbbbbbbbbbb"), Snapshot(region, "snap-0bbbbbbbbbbbbbbbb"), Image(s, SourceImage), Snapshot(s, "snap-0aaaaaaaaaaaaaaaa") })
            .Select(resource => Request(action, resource, region));

    private static IEnumerable<IamRequest> TagAtCreationRequests(string action, string region) =>
        new[] { Image(region, "ami-0bbbbbbbbbbbbbbbb"), Snapshot(region, "snap-0bbbbbbbbbbbbbbbb") }.Select(resource => Request(action, resource, region, ("ec2:CreateAction", "CopyImage")));

    /// <summary>A version of a template tracking a family, in each region (none without launchTemplates in the policy).</summary>
    private static IEnumerable<IamRequest> TrackedLaunchTemplateRequests(string action, DeploymentSettings settings, IEnumerable<string> regions) =>
        settings.Policy.LaunchTemplates is null ? []
            : regions.Select(r => Request(action, LaunchTemplate(r, "lt-0aaaaaaaaaaaaaaaa"), r, (ReplicatorPermissions.TrackTagCondition, "golden-al2023")));

    public static string LaunchTemplate(string region, string id) => $"arn:aws:ec2:{region}:{IamPolicySimulator.Account}:launch-template/{id}";

    private static IEnumerable<IamRequest> ChangeCopyRequests(string action, string region) =>
        CopyResources(action, region).Select(resource => Request(action, resource, region, (ReplicatorPermissions.CopyTagCondition, SourceImage)));

    /// <summary>Keys an encrypted source may have: the account's own and another account's, in each source region and one no configuration names.</summary>
    private static IEnumerable<(string Region, string Arn)> SourceKeys(DeploymentSettings settings) =>
        settings.SourceRegions.Append(UnconfiguredRegion).Distinct().SelectMany(r => new[]
        {
            (r, $"arn:aws:kms:{r}:{IamPolicySimulator.Account}:key/5555aaaa-12ab-34cd-56ef-1234567890ab"),
            (r, $"arn:aws:kms:{r}:999988887777:key/6666aaaa-12ab-34cd-56ef-1234567890ab"),
        });

    /// <summary>
    /// A use of the key as EC2 makes it in <paramref name="region"/> on the function's behalf (or by EC2 of <paramref name="viaService"/>);
    /// without <paramref name="byEc2"/>, a call the function makes itself.
    /// </summary>
    public static IamRequest KeyRequest(string action, string region, string keyId, string viaService = "", bool byEc2 = true)
    {
        List<(string, string)> context = byEc2 ? [("kms:ViaService", viaService.Length > 0 ? viaService : ReplicatorPermissions.Ec2Endpoint(region))] : [];
        if (action == "kms:CreateGrant")
        {
            context.Add(("kms:GrantIsForAWSResource", "true"));
        }

        string arn;
        if (keyId.StartsWith("alias/", StringComparison.Ordinal))
        {
            arn = $"arn:aws:kms:{region}:{IamPolicySimulator.Account}:key/0000aaaa-12ab-34cd-56ef-1234567890ab";
            context.Add(("kms:ResourceAliases", keyId));
        }
        else
        {
            arn = keyId.StartsWith("arn:", StringComparison.Ordinal) ? keyId : $"arn:aws:kms:{region}:{IamPolicySimulator.Account}:key/{keyId}";
        }

        return Request(action, arn, region, [.. context]);
    }

    public static IamRequest Request(string action, string resource, string region, params (string Key, string Value)[] context) =>
        new(action, resource, new Dictionary<string, string[]>(context.Select(c => KeyValuePair.Create(c.Key, new[] { c.Value })))
        {
            ["aws:RequestedRegion"] = [region],
        });

    /// <summary>The latest-copy parameter of a family in the region, as the test configurations' template names it.</summary>
    public static string LatestCopyParameter(string region, string family) => $"arn:aws:ssm:{region}:{IamPolicySimulator.Account}:parameter/amirepl/latest/{family}";

    public static string Image(string region, string id) => $"arn:aws:ec2:{region}::image/{id}";

    public static string Snapshot(string region, string id) => $"arn:aws:ec2:{region}::snapshot/{id}";

    private static string[] CopyResources(string action, string region) => action switch
    {
        "ec2:CreateTags" or "ec2:DeleteTags" => [Image(region, "ami-0bbbbbbbbbbbbbbbb"), Snapshot(region, "snap-0bbbbbbbbbbbbbbbb")],
        "ec2:DeleteSnapshot" or "ec2:ModifySnapshotAttribute" => [Snapshot(region, "snap-0bbbbbbbbbbbbbbbb")],
        _ => [Image(region, "ami-0bbbbbbbbbbbbbbbb")],
    };

    private static string Capitalized(string function) => char.ToUpperInvariant(function[0]) + function[1..];
}

using System.Text.Json.Nodes;
using Amazon.CDK;
using CfnStackSet = Amazon.CDK.AWS.CloudFormation.CfnStackSet;
using CfnStackSetProps = Amazon.CDK.AWS.CloudFormation.CfnStackSetProps;

namespace AmiReplicator.Infra;

/// <summary>
/// What the home stack does for the spoke stacks in the target accounts: its region's default bus accepts the events they forward,
/// and, when the settings ask for it, it deploys them as a service-managed StackSet.
/// </summary>
internal static class SpokeAccess
{
    /// <summary>
    /// EventBridge allows a bus 10,240 characters of resource policy, shared with every other statement on the account's default bus
    /// (other deployments', other tools'): one deployment's statement naming accounts one by one takes at most this many.
    /// </summary>
    public const int MaxAccountsStatementCharacters = 6_000;

    /// <summary>
    /// The home region's default bus accepts <c>events:PutEvents</c> from the target accounts (their spoke rules forward their copies'
    /// events): from the whole organization when the policy names it (one statement however many accounts), otherwise from each target
    /// account by id, which fails synth, naming <c>organizationId</c>, when the accounts would not fit in the bus policy.
    /// </summary>
    public static void AcceptForwardedEvents(Stack home, DeploymentSettings settings)
    {
        var busArn = $"arn:{Aws.PARTITION}:events:{home.Region}:{Aws.ACCOUNT_ID}:event-bus/default";
        var statement = settings.Policy.OrganizationId is { } organization
            ? new Dictionary<string, object>
            {
                ["Effect"] = "Allow",
                ["Principal"] = "*",
                ["Action"] = "events:PutEvents",
                ["Resource"] = busArn,
                ["Condition"] = new Dictionary<string, object> { ["StringEquals"] = new Dictionary<string, object> { ["aws:PrincipalOrgID"] = organization } },
            }
            : new Dictionary<string, object>
            {
                ["Effect"] = "Allow",
                ["Principal"] = new Dictionary<string, object> { ["AWS"] = TargetAccounts(settings) },
                ["Action"] = "events:PutEvents",
                ["Resource"] = busArn,
            };
        if (settings.Policy.OrganizationId is null && MeasuredCharacters(settings) is var characters and > MaxAccountsStatementCharacters)
        {
            throw new ConfigurationException($"{DeploymentSettings.PolicyKey}.organizationId",
                $"not set, so the home bus must admit the {TargetAccounts(settings).Length} target accounts one by one: about {characters:N0} characters of its "
                + $"policy, more than the {MaxAccountsStatementCharacters:N0} one deployment may take of EventBridge's 10,240; name the accounts' organization, whose "
                + "one statement admits them all");
        }

        // A plain resource: CfnEventBusPolicyProps reads its deprecated Principal property, and synth would warn about it every time.
        new CfnResource(home, "SpokeEventsPolicy", new CfnResourceProps
        {
            Type = "AWS::Events::EventBusPolicy",
            Properties = new Dictionary<string, object>
            {
                ["EventBusName"] = "default",
                // Unique per deployment: deployments homed in the same region share the default bus.
                ["StatementId"] = $"{home.StackName}-spokes",
                ["Statement"] = statement,
            },
        });
    }

    /// <summary>
    /// The spoke as a service-managed StackSet (trusted access for CloudFormation StackSets in Organizations; run from the management
    /// account, or a delegated administrator with <c>callAs</c> DELEGATED_ADMIN): into the accounts of the settings' organizational
    /// units (only the targets' accounts among them unless <c>allAccounts</c>), in every target region; accounts joining the units get
    /// it too (auto-deployment), and an account leaving them loses it.
    /// </summary>
    public static CfnStackSet DeployAsStackSet(Stack home, DeploymentSettings settings, string spokeTemplate) =>
        new(home, "SpokeStackSet", new CfnStackSetProps
        {
            StackSetName = ReplicatorApp.SpokeStackName(settings.StackPrefix),
            Description = $"AMI replicator spoke: the roles the replicator in {settings.HomeAccount} copies with, and the forwarding of the copies' events.",
            PermissionModel = "SERVICE_MANAGED",
            CallAs = settings.Spoke.CallAs,
            AutoDeployment = new CfnStackSet.AutoDeploymentProperty { Enabled = true, RetainStacksOnAccountRemoval = false },
            // The roles have names (the functions assume them by name).
            Capabilities = ["CAPABILITY_NAMED_IAM"],
            // An account that fails (a region it has not enabled) must not hold up the others.
            OperationPreferences = new CfnStackSet.OperationPreferencesProperty
            {
                RegionConcurrencyType = "PARALLEL",
                MaxConcurrentPercentage = 100,
                FailureTolerancePercentage = 100,
            },
            StackInstancesGroup = new[]
            {
                new CfnStackSet.StackInstancesProperty
                {
                    DeploymentTargets = settings.Spoke.AllAccounts
                        ? new CfnStackSet.DeploymentTargetsProperty { OrganizationalUnitIds = [.. settings.Spoke.OrganizationalUnitIds] }
                        : new CfnStackSet.DeploymentTargetsProperty
                        {
                            OrganizationalUnitIds = [.. settings.Spoke.OrganizationalUnitIds],
                            Accounts = TargetAccounts(settings),
                            AccountFilterType = "INTERSECTION",
                        },
                    Regions = [.. settings.TargetRegions],
                },
            },
            TemplateBody = spokeTemplate,
        });

    private static string[] TargetAccounts(DeploymentSettings settings) =>
        [.. settings.Policy.Targets.SelectMany(t => t.Accounts).Distinct().Order(StringComparer.Ordinal)];

    /// <summary>The statement naming the accounts as EventBridge stores it (each as its root ARN), at the longest partition.</summary>
    private static int MeasuredCharacters(DeploymentSettings settings) => new JsonObject
    {
        ["Sid"] = $"{ReplicatorApp.MainStackName(settings.StackPrefix)}-spokes",
        ["Effect"] = "Allow",
        ["Principal"] = new JsonObject { ["AWS"] = new JsonArray([.. TargetAccounts(settings).Select(a => JsonValue.Create($"arn:aws-us-gov:iam::{a}:root"))]) },
        ["Action"] = "events:PutEvents",
        ["Resource"] = $"arn:aws-us-gov:events:{settings.HomeRegion}:123456789012:event-bus/default",
    }.ToJsonString().Length;
}

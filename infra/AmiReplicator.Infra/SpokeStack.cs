using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using AmiReplicator.Contract;
using Constructs;

namespace AmiReplicator.Infra;

/// <summary>
/// The spoke, in one target account and region (one template for every account and region: deployed with <c>cdk deploy</c> into
/// each, or as the home stack's StackSet). In one region of the account (<see cref="DeploymentSettings.SpokeRoleRegion"/>, IAM being
/// global) the spoke roles the functions copy with: trusted only by the home account's dispatcher and poller roles (by their fixed
/// names, so the spoke may be deployed before the home stack), within the policy's organization, and allowed the contract's spoke
/// calls. In every region the rule forwarding the account's AMI copies ending (<c>available</c>, <c>failed</c>) to the home bus,
/// with its dead-letter queue and alarm. Environment-agnostic and bootstrapless: a target account needs no <c>cdk bootstrap</c>.
/// </summary>
internal sealed class SpokeStack : Stack
{
    public SpokeStack(Construct scope, string id, DeploymentSettings settings)
        : base(scope, id, new StackProps
        {
            // Its id, also inside the app's stage (which would otherwise put the stage's name before it).
            StackName = id,
            Description = $"AMI replicator{(settings.StackPrefix is null ? "" : $" ({settings.StackPrefix})")} spoke: the roles the replicator in "
                + $"{settings.HomeAccount} copies AMIs into this account with, and its copies' events forwarded to {settings.HomeRegion}.",
            Synthesizer = new BootstraplessSynthesizer(),
            AnalyticsReporting = false,
        })
    {
        var nag = new Nag();
        var inRoleRegion = new CfnCondition(this, "InRoleRegion", new CfnConditionProps { Expression = Fn.ConditionEquals(Aws.REGION, settings.SpokeRoleRegion) });
        foreach (var roleName in settings.SpokeRoleNames)
        {
            CreateRole(nag, settings, roleName, inRoleRegion);
        }

        AmiEventForwarding.AddTo(this, nag, new AlarmNotifications(this, "Alarms", nag, settings, inTargetAccount: true),
            $"arn:{Aws.PARTITION}:events:{settings.HomeRegion}:{settings.HomeAccount}:event-bus/default",
            AmiEventPatterns.CopyFinished,
            $"AMI copies finishing in this account and region: forward to the replicator in {settings.HomeAccount}, {settings.HomeRegion}.",
            $"AMI events of this account could not be forwarded to the replicator in {settings.HomeAccount}, {settings.HomeRegion}: its copies here are "
            + "finished by the replicator's next pass instead (a minute later); look at the queue's messages for why.");
    }

    /// <summary>The home account's function roles: the only principals the spoke roles trust.</summary>
    public static string[] TrustedRoleArns(DeploymentSettings settings) =>
        [.. Enum.GetValues<LambdaFunction>().Select(f => $"arn:{Aws.PARTITION}:iam::{settings.HomeAccount}:role/{ReplicatorApp.FunctionRoleName(f, settings.StackPrefix)}")];

    private void CreateRole(Nag nag, DeploymentSettings settings, string roleName, CfnCondition inRoleRegion)
    {
        var conditions = new Dictionary<string, object>
        {
            // The home account as principal, narrowed by a condition rather than the roles' ARNs as principals: IAM refuses a trust
            // policy naming a role that does not exist yet, and this stack may be deployed before the home stack.
            ["ArnEquals"] = new Dictionary<string, object> { ["aws:PrincipalArn"] = TrustedRoleArns(settings) },
        };
        if (settings.Policy.OrganizationId is { } organization)
        {
            conditions["StringEquals"] = new Dictionary<string, object> { ["aws:PrincipalOrgID"] = organization };
        }

        var role = new Role(this, roleName, new RoleProps
        {
            RoleName = roleName,
            Description = $"AMI replicator: copies AMIs from the replicator in {settings.HomeAccount} into this account, and changes only those copies.",
            AssumedBy = new AccountPrincipal(settings.HomeAccount).WithConditions(conditions),
            // The functions assume it by role chaining, which STS caps at one hour.
            MaxSessionDuration = Duration.Hours(1),
        });
        var policy = new Policy(this, $"{roleName}Policy", new PolicyProps
        {
            Roles = [role],
            Statements = [.. ReplicatorPermissions.ForSpoke(settings)],
        });
        foreach (var resource in new[] { role.Node.DefaultChild, policy.Node.DefaultChild }.OfType<CfnResource>())
        {
            resource.CfnOptions.Condition = inRoleRegion;
        }

        ReplicatorPermissions.SuppressWildcards(nag, policy, CopyPlaces.Targets(settings));
    }
}

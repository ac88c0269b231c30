using System.Text.Json.Nodes;
using Amazon.CDK;
using AmiReplicator.Contract;
using AmiReplicator.Infra;
using static AmiReplicator.Infra.Tests.ContractRequests;
using static AmiReplicator.Infra.Tests.Json;

namespace AmiReplicator.Infra.Tests;

/// <summary>
/// The spoke stack (the roles the functions copy with in a target account, and the forwarding of its copies' events), the home
/// bus admitting those events, and the StackSet that deploys the spoke when asked.
/// </summary>
[Collection(SynthesizedAppCollection.Name)]
public sealed class SpokeStackTests(SynthesizedApp shipped, LargeConfigurationApp large, SpokeStackSetApp stackSet)
    : IClassFixture<LargeConfigurationApp>, IClassFixture<SpokeStackSetApp>
{
    private static readonly string[] FunctionRoleArns =
        [$"arn:aws:iam::{IamPolicySimulator.Account}:role/AmiReplicator-Dispatcher", $"arn:aws:iam::{IamPolicySimulator.Account}:role/AmiReplicator-Poller"];

    private static readonly string[] RegionalResources = ["AWS::Events::Rule", "AWS::SQS::Queue", "AWS::CloudWatch::Alarm"];

    private JsonObject Spoke => large.SpokeJson!;

    [Fact]
    public void Only_a_policy_with_targets_has_a_spoke_stack_named_after_the_deployment_for_any_account_and_region()
    {
        Assert.Null(shipped.Stacks.Spoke);
        var spoke = Assert.IsType<SpokeStack>(large.Stacks.Spoke);
        Assert.Equal("AmiReplicator-Spoke", spoke.StackName);
        // Outside the top level, so `cdk deploy --all` never deploys it into the home account.
        Assert.Equal($"{ReplicatorApp.SpokeStageName}/AmiReplicator-Spoke", spoke.Node.Path);
        Assert.True(Token.IsUnresolved(spoke.Account) && Token.IsUnresolved(spoke.Region), "the one template serves every account and region");
        // Bootstrapless: a target account needs no cdk bootstrap.
        Assert.Null(Spoke["Parameters"]?["BootstrapVersion"]);
    }

    [Fact]
    public void A_target_region_whose_home_destination_names_no_key_has_a_distribution_key_the_target_accounts_may_use_through_EC2()
    {
        foreach (var region in SpokeStackSetApp.Regions)
        {
            var keys = SynthesizedApp.Resources(stackSet.ForwardingJson[region], "AWS::KMS::Key");
            var (keyId, key) = Assert.Single(keys);
            Assert.True((bool)key["Properties"]!["EnableKeyRotation"]!);
            Assert.Equal("Retain", (string?)key["DeletionPolicy"]);
            var alias = Assert.Single(SynthesizedApp.Resources(stackSet.ForwardingJson[region], "AWS::KMS::Alias").Values);
            Assert.Equal((DistributionKey.AliasFor("default"), keyId), ((string?)alias["Properties"]!["AliasName"], (string?)alias["Properties"]!["TargetKeyId"]!["Fn::GetAtt"]![0]));

            var statements = Many(key["Properties"]!["KeyPolicy"]!["Statement"]).ToDictionary(s => (string?)s!["Sid"] ?? "", s => s!);
            var use = statements["TargetAccountsCopyThroughEc2"];
            Assert.Equal(["kms:CreateGrant", "kms:Decrypt", "kms:ReEncryptFrom"], Many(use["Action"]).Select(a => (string)a!).Order(StringComparer.Ordinal));
            Assert.Equal(SpokeStackSetApp.Accounts.Select(a => $"arn:aws:iam::{a}:root"),
                Many(use["Principal"]!["AWS"]).Select(p => IamPolicySimulator.Resolve(p)!.ToString()).Order(StringComparer.Ordinal));
            Assert.Equal($"ec2.{region}.amazonaws.com", (string?)use["Condition"]!["StringEquals"]!["kms:ViaService"]);
            // In share mode the accounts launch the home copies: EC2 makes their volumes under the key.
            var launch = statements["ShareTargetsLaunchThroughEc2"];
            Assert.Equal(["kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptTo"], Many(launch["Action"]).Select(a => (string)a!).Order(StringComparer.Ordinal));
            Assert.Equal(Many(use["Principal"]!["AWS"]).Select(p => p!.ToJsonString()), Many(launch["Principal"]!["AWS"]).Select(p => p!.ToJsonString()));
            Assert.Equal($"ec2.{region}.amazonaws.com", (string?)launch["Condition"]!["StringEquals"]!["kms:ViaService"]);
        }

        // The home region copies for no target account; the functions may use the key, by its alias, only through EC2 there.
        Assert.Empty(stackSet.MainResources("AWS::KMS::Key"));
        var granted = stackSet.MainResources("AWS::IAM::Policy").Values.SelectMany(p => Many(p["Properties"]!["PolicyDocument"]!["Statement"]))
            .Where(s => ((string?)s!["Sid"])?.StartsWith("EncryptCopiesWithDestinationKeysByAlias", StringComparison.Ordinal) == true).ToList();
        Assert.NotEmpty(granted);
        Assert.All(granted, s => Assert.Equal([DistributionKey.AliasFor("default")], Many(s!["Condition"]!["ForAnyValue:StringEquals"]!["kms:ResourceAliases"]).Select(a => (string)a!)));
    }

    [Fact]
    public void The_functions_roles_have_the_names_the_spoke_roles_trust()
    {
        Assert.Equal(["AmiReplicator-Dispatcher", "AmiReplicator-Poller"],
            large.MainResources("AWS::IAM::Role").Values.Select(r => (string?)r["Properties"]!["RoleName"]).OfType<string>().Order(StringComparer.Ordinal));
        Assert.Equal(FunctionRoleArns.Select(a => a.Split('/')[1]), ["AmiReplicator-Dispatcher", "AmiReplicator-Poller"]);
    }

    [Fact]
    public void Each_spoke_role_trusts_only_the_home_accounts_function_roles_within_the_organization()
    {
        var roles = SpokeRoles(Spoke);
        Assert.Equal(["AmiReplicatorSpoke", "GoldenSpoke"], roles.Values.Select(r => (string)r["Properties"]!["RoleName"]!).Order());
        foreach (var role in roles.Values)
        {
            var trust = IamPolicySimulator.Resolve(role["Properties"]!["AssumeRolePolicyDocument"])!;
            var statement = Assert.Single(Many(trust["Statement"]));
            Assert.Equal(("Allow", "sts:AssumeRole"), ((string?)statement["Effect"], (string?)statement["Action"]));
            Assert.Equal($"arn:aws:iam::{IamPolicySimulator.Account}:root", (string?)statement["Principal"]!["AWS"]);
            Assert.Equal(FunctionRoleArns, Many(statement["Condition"]!["ArnEquals"]!["aws:PrincipalArn"]).Select(a => (string)a!));
            Assert.Equal(LargeConfigurationApp.Organization, (string?)statement["Condition"]!["StringEquals"]!["aws:PrincipalOrgID"]);
            Assert.Equal(3600, (int)role["Properties"]!["MaxSessionDuration"]!);
        }

        // Without an organization in the policy, no organization condition.
        var unorganized = Many(IamPolicySimulator.Resolve(SpokeRoles(stackSet.SpokeJson!).Values.Single()["Properties"]!["AssumeRolePolicyDocument"])!["Statement"]).Single();
        Assert.Null(unorganized["Condition"]!["StringEquals"]);
    }

    [Fact]
    public void The_roles_are_made_in_one_region_of_the_account_and_the_forwarding_in_every_one()
    {
        var condition = IamPolicySimulator.Resolve(Spoke["Conditions"]!["InRoleRegion"]);
        // The home region (us-east-1) is no target region: the first of the targets' regions.
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"Fn::Equals":[{"Ref":"AWS::Region"},"ap-south-1"]}"""), Spoke["Conditions"]!["InRoleRegion"]), condition?.ToJsonString());
        var roles = SpokeRoles(Spoke);
        Assert.All(roles.Values, r => Assert.Equal("InRoleRegion", (string?)r["Condition"]));
        var policies = SynthesizedApp.Resources(Spoke, "AWS::IAM::Policy").Values.Where(p => Many(p["Properties"]!["Roles"]).Any(r => roles.ContainsKey((string)r!["Ref"]!))).ToList();
        Assert.Equal(2, policies.Count);
        Assert.All(policies, r => Assert.Equal("InRoleRegion", (string?)r["Condition"]));

        Assert.All(RegionalResources, type => Assert.All(SynthesizedApp.Resources(Spoke, type).Values, r => Assert.Null(r["Condition"])));
    }

    [Theory]
    [InlineData("AmiReplicatorSpoke")]
    [InlineData("GoldenSpoke")]
    public void A_spoke_role_may_make_every_call_of_the_contracts_spoke_entry_where_it_makes_it_and_nothing_else(string roleName)
    {
        var iam = new IamPolicySimulator(Spoke, SpokeRole(roleName));
        var requests = PermissionContract.Current.SpokeCalls.SelectMany(p => ForSpoke(p, large.Settings).Select(r => (Permission: p, Request: r))).ToList();

        Assert.NotEmpty(requests);
        var denied = requests.Where(r => !iam.Allows(r.Request)).Select(r => $"{r.Permission}: {r.Request}").ToList();
        Assert.True(denied.Count == 0, $"denied to {roleName}:\n{string.Join("\n", denied)}");
        Assert.Equal(PermissionContract.Current.SpokeCalls.Select(p => p.Action).Distinct().Order(), iam.AllowedActions.Order());
    }

    [Fact]
    public void A_spoke_role_copies_only_into_the_targets_regions_changes_only_the_replicators_copies_points_only_the_policys_parameter_and_encrypts_only_with_the_targets_keys()
    {
        var iam = new IamPolicySimulator(Spoke, SpokeRole("AmiReplicatorSpoke"));
        foreach (var region in new[] { "us-east-1", "eu-central-1", UnconfiguredRegion })
        {
            Assert.False(iam.Allows(Request("ec2:CopyImage", Image(region, "ami-0bbbbbbbbbbbbbbbb"), region)), $"CopyImage into {region}");
        }

        Assert.True(iam.Allows(Request("ec2:DeregisterImage", Image("eu-west-1", "ami-0c"), "eu-west-1", (ReplicatorPermissions.CopyTagCondition, SourceImage))));
        Assert.False(iam.Allows(Request("ec2:DeregisterImage", Image("eu-west-1", "ami-0c"), "eu-west-1")), "an image the replicator did not make");
        Assert.False(iam.Allows(Request("ec2:ModifyImageAttribute", Image("eu-west-1", "ami-0c"), "eu-west-1", (ReplicatorPermissions.CopyTagCondition, SourceImage))),
            "sharing: not in the spoke's contract");
        // Keeping the account's copies like the home account's: each change only on an image or snapshot carrying the provenance tag.
        foreach (var action in new[] { "ec2:DisableImage", "ec2:EnableImageDeregistrationProtection", "ec2:DisableImageDeprecation", "ec2:DeleteTags" })
        {
            Assert.True(iam.Allows(Request(action, Image("eu-west-1", "ami-0c"), "eu-west-1", (ReplicatorPermissions.CopyTagCondition, SourceImage))), action);
            Assert.False(iam.Allows(Request(action, Image("eu-west-1", "ami-0c"), "eu-west-1")), $"{action} on an image the replicator did not make");
        }

        Assert.True(iam.Allows(Request("ssm:PutParameter", LatestCopyParameter("eu-west-1", "golden-al2023-"), "eu-west-1")));
        Assert.False(iam.Allows(Request("ssm:PutParameter", $"arn:aws:ssm:eu-west-1:{IamPolicySimulator.Account}:parameter/other/golden", "eu-west-1")),
            "a parameter the policy does not name");
        Assert.False(iam.Allows(Request("ssm:PutParameter", LatestCopyParameter("us-east-1", "golden-al2023-"), "us-east-1")), "outside the targets' regions");
        Assert.True(iam.Allows(KeyRequest("kms:GenerateDataKey", "eu-west-1", "alias/golden")));
        Assert.False(iam.Allows(KeyRequest("kms:GenerateDataKey", "eu-west-1", "alias/other")));
        Assert.False(iam.Allows(KeyRequest("kms:GenerateDataKey", "ap-south-1", "alias/golden")), "the alias is the target's key in eu-west-1 only");
    }

    [Fact]
    public void The_accounts_copies_ending_are_forwarded_to_the_home_bus_and_what_cannot_be_is_kept_and_alarmed()
    {
        var rule = Assert.Single(SynthesizedApp.Resources(Spoke, "AWS::Events::Rule")).Value["Properties"]!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(AmiEventPatterns.CopyFinished.ToJson()), rule["EventPattern"]), rule["EventPattern"]!.ToJsonString());
        var target = Assert.Single(Many(rule["Targets"]));
        Assert.Equal($"arn:aws:events:us-east-1:{IamPolicySimulator.Account}:event-bus/default", (string?)IamPolicySimulator.Resolve(target["Arn"]));
        var queue = Assert.Single(SynthesizedApp.Resources(Spoke, "AWS::SQS::Queue")).Key;
        Assert.Equal(IamPolicySimulator.ArnOf(queue), (string?)IamPolicySimulator.Resolve(target["DeadLetterConfig"]!["Arn"]));
        var alarm = Assert.Single(SynthesizedApp.Resources(Spoke, "AWS::CloudWatch::Alarm")).Value["Properties"]!;
        Assert.Equal(queue, (string?)Assert.Single(Many(alarm["Dimensions"]))["Value"]!["Fn::GetAtt"]![0]);
        // The alarm notifies a topic of the account's own, with no subscription (alarmEmail would be asked to confirm from every account).
        Assert.Empty(SynthesizedApp.Resources(Spoke, "AWS::SNS::Subscription"));
        Assert.Single(SynthesizedApp.Resources(Spoke, "AWS::SNS::Topic"));
    }

    [Fact]
    public void The_home_bus_admits_the_organization_or_else_each_target_account()
    {
        var organization = Assert.Single(large.MainResources("AWS::Events::EventBusPolicy")).Value["Properties"]!;
        Assert.Equal(("default", "AmiReplicator-spokes"), ((string?)organization["EventBusName"], (string?)organization["StatementId"]));
        var statement = IamPolicySimulator.Resolve(organization["Statement"])!;
        Assert.Equal(("*", "events:PutEvents", LargeConfigurationApp.Organization),
            ((string?)statement["Principal"], (string?)statement["Action"], (string?)statement["Condition"]!["StringEquals"]!["aws:PrincipalOrgID"]));
        Assert.Equal($"arn:aws:events:us-east-1:{IamPolicySimulator.Account}:event-bus/default", (string?)statement["Resource"]);

        var accounts = IamPolicySimulator.Resolve(Assert.Single(stackSet.MainResources("AWS::Events::EventBusPolicy")).Value["Properties"]!["Statement"])!;
        Assert.Equal(SpokeStackSetApp.Accounts, Many(accounts["Principal"]!["AWS"]).Select(a => (string)a!));
        Assert.Null(accounts["Condition"]);

        Assert.Empty(shipped.MainResources("AWS::Events::EventBusPolicy"));
    }

    [Fact]
    public void Without_an_organization_accounts_that_would_not_fit_in_the_bus_policy_fail_synth_naming_organizationId()
    {
        // 160 accounts still fit in the functions' environment (the policy's 3,500 bytes), not in one deployment's share of the bus policy.
        var accounts = Enumerable.Range(0, 160).Select(i => JsonValue.Create($"{100000000000L + i}")).ToArray();
        var context = TestContext.WithHomeAccount(IamPolicySimulator.Account, TestContext.WithPolicy(policy => policy["targets"] = new JsonArray(
            new JsonObject { ["accounts"] = new JsonArray(accounts), ["regions"] = new JsonArray("eu-west-1") })));

        var error = Assert.Throws<ConfigurationException>(() => TestContext.Synthesize(context));
        Assert.Equal("amiReplicator.organizationId", error.Field);
        Assert.Contains("160 target accounts", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_stack_set_is_made_only_when_asked_with_the_spoke_template_into_the_targets_accounts_and_regions()
    {
        Assert.Empty(large.MainResources("AWS::CloudFormation::StackSet"));
        Assert.Empty(shipped.MainResources("AWS::CloudFormation::StackSet"));

        var properties = Assert.Single(stackSet.MainResources("AWS::CloudFormation::StackSet")).Value["Properties"]!;
        Assert.Equal(("AmiReplicator-Spoke", "SERVICE_MANAGED", "SELF"),
            ((string?)properties["StackSetName"], (string?)properties["PermissionModel"], (string?)properties["CallAs"]));
        Assert.True((bool)properties["AutoDeployment"]!["Enabled"]!);
        Assert.Equal(["CAPABILITY_NAMED_IAM"], Many(properties["Capabilities"]).Select(c => (string)c!));
        var instances = Assert.Single(Many(properties["StackInstancesGroup"]));
        Assert.Equal(SpokeStackSetApp.Regions.Order(StringComparer.Ordinal), Many(instances["Regions"]).Select(r => (string)r!));
        var targets = instances["DeploymentTargets"]!;
        Assert.Equal([SpokeStackSetApp.OrganizationalUnit], Many(targets["OrganizationalUnitIds"]).Select(u => (string)u!));
        Assert.Equal(SpokeStackSetApp.Accounts, Many(targets["Accounts"]).Select(a => (string)a!));
        Assert.Equal("INTERSECTION", (string?)targets["AccountFilterType"]);

        // The template body is the spoke stack `cdk deploy` deploys.
        var body = JsonNode.Parse((string)properties["TemplateBody"]!);
        Assert.True(JsonNode.DeepEquals(stackSet.SpokeJson, body), "the StackSet's template differs from the spoke stack's");
    }

    [Fact]
    public void With_all_accounts_the_stack_set_goes_to_every_account_of_the_units()
    {
        var context = TestContext.WithHomeAccount(IamPolicySimulator.Account, TestContext.WithPolicy(policy => policy["targets"] = new JsonArray(
            new JsonObject { ["accounts"] = new JsonArray("111111111111"), ["regions"] = new JsonArray("eu-west-1") })));
        context[SpokeSettings.Key] = """{"stackSet": true, "organizationalUnitIds": ["r-ab12"], "allAccounts": true, "callAs": "DELEGATED_ADMIN"}""";

        using var app = new AppOf(context);
        var properties = Assert.Single(app.MainResources("AWS::CloudFormation::StackSet")).Value["Properties"]!;
        var targets = Assert.Single(Many(properties["StackInstancesGroup"]))["DeploymentTargets"]!;
        Assert.Equal(["r-ab12"], Many(targets["OrganizationalUnitIds"]).Select(u => (string)u!));
        Assert.Null(targets["Accounts"]);
        Assert.Null(targets["AccountFilterType"]);
        Assert.Equal("DELEGATED_ADMIN", (string?)properties["CallAs"]);
    }

    /// <summary>A policy whose second target names two units and lists an account, and whose first lists one, with the spoke as a StackSet.</summary>
    private static Dictionary<string, object> WithUnitTargets(string spoke)
    {
        var context = TestContext.WithHomeAccount(IamPolicySimulator.Account, TestContext.WithPolicy(policy =>
        {
            policy["organizationId"] = "o-a1b2c3d4e5";
            policy["targets"] = new JsonArray(
                new JsonObject { ["accounts"] = new JsonArray("111111111111"), ["regions"] = new JsonArray("eu-west-1") },
                new JsonObject
                {
                    ["organizationalUnits"] = new JsonArray("ou-a1b2-22222222", "ou-a1b2-11111111"),
                    ["accounts"] = new JsonArray("333333333333"),
                    ["regions"] = new JsonArray("eu-central-1"),
                });
        }));
        context[SpokeSettings.Key] = spoke;
        return context;
    }

    [Fact]
    public void Targets_naming_units_have_the_stack_set_deploy_to_every_account_of_those_units_with_auto_deployment_unless_the_spoke_names_units()
    {
        using var app = new AppOf(WithUnitTargets("""{"stackSet": true}"""));

        var properties = Assert.Single(app.MainResources("AWS::CloudFormation::StackSet")).Value["Properties"]!;
        var instances = Assert.Single(Many(properties["StackInstancesGroup"]));
        var targets = instances["DeploymentTargets"]!;
        Assert.Equal(["ou-a1b2-22222222", "ou-a1b2-11111111"], Many(targets["OrganizationalUnitIds"]).Select(u => (string)u!));
        Assert.Null(targets["Accounts"]);
        Assert.Null(targets["AccountFilterType"]);
        Assert.Equal((true, false), ((bool)properties["AutoDeployment"]!["Enabled"]!, (bool)properties["AutoDeployment"]!["RetainStacksOnAccountRemoval"]!));
        Assert.Equal(["eu-central-1", "eu-west-1"], Many(instances["Regions"]).Select(r => (string)r!).Order(StringComparer.Ordinal));

        using var named = new AppOf(WithUnitTargets("""{"stackSet": true, "organizationalUnitIds": ["r-ab12"], "allAccounts": true}"""));
        var namedTargets = Assert.Single(Many(Assert.Single(named.MainResources("AWS::CloudFormation::StackSet")).Value["Properties"]!["StackInstancesGroup"]))["DeploymentTargets"]!;
        Assert.Equal(["r-ab12"], Many(namedTargets["OrganizationalUnitIds"]).Select(u => (string)u!));
        Assert.Null(namedTargets["AccountFilterType"]);
    }

    [Fact]
    public void Targets_naming_units_with_a_stack_set_keeping_to_the_listed_accounts_fail_synth_naming_allAccounts()
    {
        var error = Assert.Throws<ConfigurationException>(() => TestContext.Settings(WithUnitTargets("""{"stackSet": true, "organizationalUnitIds": ["r-ab12"]}""")));

        Assert.Equal("spoke.allAccounts", error.Field);
        Assert.Contains("leave organizationalUnitIds out", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"stackSet": true}""", "spoke.organizationalUnitIds")]
    [InlineData("""{"stackSet": true, "organizationalUnitIds": ["ou-1"]}""", "spoke.organizationalUnitIds[0]")]
    [InlineData("""{"stackSet": true, "organizationalUnitIds": ["r-ab12"], "callAs": "ADMIN"}""", "spoke.callAs")]
    [InlineData("""{"stackSet": "yes"}""", "spoke.stackSet")]
    [InlineData("""{"stackset": true}""", "spoke.stackset")]
    [InlineData("""["r-ab12"]""", "spoke")]
    public void A_bad_spoke_setting_fails_synth_naming_the_field(string spoke, string field)
    {
        var context = TestContext.WithHomeAccount(IamPolicySimulator.Account, TestContext.WithPolicy(policy => policy["targets"] = new JsonArray(
            new JsonObject { ["accounts"] = new JsonArray("111111111111"), ["regions"] = new JsonArray("eu-west-1") })));
        context[SpokeSettings.Key] = spoke;

        Assert.Equal(field, Assert.Throws<ConfigurationException>(() => TestContext.Settings(context)).Field);
    }

    [Fact]
    public void A_stack_set_without_targets_or_targets_without_the_home_account_fail_synth_naming_the_field()
    {
        var noTargets = TestContext.FromCdkJson();
        noTargets[SpokeSettings.Key] = """{"stackSet": true, "organizationalUnitIds": ["r-ab12"]}""";
        Assert.Equal("spoke.stackSet", Assert.Throws<ConfigurationException>(() => TestContext.Settings(noTargets)).Field);

        // CDK_DEFAULT_ACCOUNT is not enough: deploying the spoke with a target account's credentials makes it the target's.
        var noAccount = TestContext.WithPolicy(policy => policy["targets"] = new JsonArray(
            new JsonObject { ["accounts"] = new JsonArray("111111111111"), ["regions"] = new JsonArray("eu-west-1") }));
        var error = Assert.Throws<ConfigurationException>(() => DeploymentSettings.Read(noAccount.GetValueOrDefault, name => name == "CDK_DEFAULT_ACCOUNT" ? "111111111111" : null));
        Assert.Equal("account", error.Field);
    }

    private string SpokeRole(string roleName) => SpokeRoles(Spoke).Single(r => (string?)r.Value["Properties"]!["RoleName"] == roleName).Key;

    /// <summary>The spoke roles, by logical id (the forwarding rule's role, named by CloudFormation, is not one).</summary>
    private static Dictionary<string, JsonObject> SpokeRoles(JsonObject template) =>
        SynthesizedApp.Resources(template, "AWS::IAM::Role").Where(r => r.Value["Properties"]!["RoleName"] is not null).ToDictionary();

    private sealed class AppOf(Dictionary<string, object> context) : SynthesizedApp(context);
}

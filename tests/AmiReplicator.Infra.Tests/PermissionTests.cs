using AmiReplicator.Contract;
using AmiReplicator.Infra;
using AmiReplicator.LocalCloud.Permissions;
using static AmiReplicator.Infra.Tests.ContractRequests;
using static AmiReplicator.Infra.Tests.Json;

namespace AmiReplicator.Infra.Tests;

/// <summary>
/// The synthesized policies against the permission contract (aws-permissions.json, the calls the functions were seen making):
/// every entry allowed on the resources it covers, in the shipped configuration and in a large one; nothing else allowed.
/// </summary>
[Collection(SynthesizedAppCollection.Name)]
public sealed class PermissionTests(SynthesizedApp shipped, LargeConfigurationApp large) : IClassFixture<LargeConfigurationApp>
{
    public static TheoryData<string, bool> FunctionsAndConfigurations => new()
    {
        { ReplicatorFunctions.Dispatcher, false }, { ReplicatorFunctions.Poller, false },
        { ReplicatorFunctions.Dispatcher, true }, { ReplicatorFunctions.Poller, true },
    };

    [Theory]
    [MemberData(nameof(FunctionsAndConfigurations))]
    public void Every_call_in_the_contract_is_allowed_where_the_function_makes_it(string function, bool largeConfiguration)
    {
        var app = largeConfiguration ? large : shipped;
        var iam = new IamPolicySimulator(app.MainJson, app.RoleOf(function));
        var contract = PermissionContract.Current;
        var requests = contract.CallsOf(function).Concat(contract.LambdaNeedsOf(function))
            .SelectMany(p => For(p, function, app.Settings, app).Select(r => (Permission: p, Request: r)))
            .ToList();

        Assert.NotEmpty(requests);
        var denied = requests.Where(r => !iam.Allows(r.Request)).Select(r => $"{r.Permission}: {r.Request}").ToList();
        Assert.True(denied.Count == 0, $"denied to the {function}:\n{string.Join("\n", denied)}");
    }

    [Theory]
    [MemberData(nameof(FunctionsAndConfigurations))]
    public void The_policies_allow_no_action_the_contract_does_not_list(string function, bool largeConfiguration)
    {
        var app = largeConfiguration ? large : shipped;
        var contract = PermissionContract.Current;
        var listed = contract.CallsOf(function).Concat(contract.LambdaNeedsOf(function))
            .Where(p => p.Scope != PermissionScope.DestinationKey || app.Settings.Policy.Destinations.Any(d => d.KmsKeyId is not null))
            .Where(p => p.Scope != PermissionScope.LatestCopyParameter || app.Settings.Policy.LatestCopyParameter is not null)
            .Where(p => p.Scope != PermissionScope.SpokeRole || app.Settings.Policy.Targets.Count > 0)
            .Where(p => p.Scope != PermissionScope.Organization || app.Settings.Policy.NamesOrganizationalUnits)
            .Where(p => p.Scope != PermissionScope.TrackedLaunchTemplate || app.Settings.Policy.LaunchTemplates is not null)
            .Select(p => p.Action).ToHashSet();
        Assert.Equal(listed.Order(), new IamPolicySimulator(app.MainJson, app.RoleOf(function)).AllowedActions.Order());
    }

    [Fact]
    public void The_poller_may_check_conditions_in_transactions_and_the_dispatcher_needs_not()
    {
        var table = IamPolicySimulator.ArnOf(shipped.MainLogicalId("AWS::DynamoDB::Table", "Jobs"));
        var checkItem = Request("dynamodb:ConditionCheckItem", table, "us-east-1");
        Assert.True(new IamPolicySimulator(shipped.MainJson, shipped.RoleOf(ReplicatorFunctions.Poller)).Allows(checkItem));
        Assert.False(new IamPolicySimulator(shipped.MainJson, shipped.RoleOf(ReplicatorFunctions.Dispatcher)).Allows(checkItem));
    }

    [Theory]
    [InlineData(ReplicatorFunctions.Dispatcher)]
    [InlineData(ReplicatorFunctions.Poller)]
    public void Copies_are_made_only_in_destination_regions(string function)
    {
        foreach (var app in new SynthesizedApp[] { shipped, large })
        {
            var iam = new IamPolicySimulator(app.MainJson, app.RoleOf(function));
            foreach (var region in app.Settings.SourceRegions.Where(r => !app.Settings.DestinationRegions.Contains(r)).Append(UnconfiguredRegion))
            {
                Assert.False(iam.Allows(Request("ec2:CopyImage", Image(region, "ami-0bbbbbbbbbbbbbbbb"), region)), $"CopyImage into {region}");
                Assert.False(iam.Allows(Request("ec2:CreateTags", Image(region, "ami-0bbbbbbbbbbbbbbbb"), region, ("ec2:CreateAction", "CopyImage"))), region);
            }
        }
    }

    [Theory]
    [InlineData(ReplicatorFunctions.Dispatcher)]
    [InlineData(ReplicatorFunctions.Poller)]
    public void Only_the_replicators_copies_in_the_destinations_can_be_changed(string function)
    {
        var iam = new IamPolicySimulator(shipped.MainJson, shipped.RoleOf(function));
        var actions = PermissionContract.Current.CallsOf(function).Where(p => p.Scope == PermissionScope.Copy).Select(p => p.Action).ToList();
        Assert.Contains("ec2:DeregisterImage", actions);
        foreach (var action in actions)
        {
            // A copy in a destination: allowed (the contract test shows it). Untagged, or in a source region: refused.
            Assert.True(iam.Allows(Request(action, Image("eu-west-1", "ami-0c"), "eu-west-1", (ReplicatorPermissions.CopyTagCondition, SourceImage))), action);
            Assert.False(iam.Allows(Request(action, Image("eu-west-1", "ami-0c"), "eu-west-1")), $"{action} on an image without the copy tag");
            Assert.False(iam.Allows(Request(action, Image("us-west-2", SourceImage), "us-west-2", (ReplicatorPermissions.CopyTagCondition, SourceImage))),
                $"{action} in a source region");
        }
    }

    [Fact]
    public void Copies_are_encrypted_only_by_ec2_of_their_destination_and_only_with_the_configured_keys()
    {
        var iam = new IamPolicySimulator(large.MainJson, large.RoleOf(ReplicatorFunctions.Poller));
        var (region, key) = ("eu-west-1", LargeConfigurationApp.KeyArn("eu-west-1", Array.IndexOf(LargeConfigurationApp.Destinations, "eu-west-1")));
        Assert.True(iam.Allows(KeyRequest("kms:Decrypt", region, key)));
        Assert.False(iam.Allows(KeyRequest("kms:Decrypt", region, key, viaService: "rds.eu-west-1.amazonaws.com")));
        // Another key may be read through EC2 (a source's, see below), never encrypted with.
        foreach (var action in new[] { "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptTo" })
        {
            Assert.False(iam.Allows(KeyRequest(action, region, $"arn:aws:kms:{region}:111122223333:key/99999999-12ab-34cd-56ef-1234567890ab")), action);
        }

        Assert.False(iam.Allows(Request("kms:CreateGrant", key, region, ("kms:ViaService", "ec2.eu-west-1.amazonaws.com"), ("kms:GrantIsForAWSResource", "false"))));
        // The key named by alias: only keys of its region that carry the alias.
        Assert.True(iam.Allows(KeyRequest("kms:GenerateDataKey", "af-south-1", "alias/ami-copies")));
        Assert.False(iam.Allows(KeyRequest("kms:GenerateDataKey", "af-south-1", "alias/other-keys")));
    }

    [Theory]
    [InlineData(ReplicatorFunctions.Dispatcher)]
    [InlineData(ReplicatorFunctions.Poller)]
    public void Only_the_policys_spoke_roles_within_its_organization_can_be_assumed(string function)
    {
        var iam = new IamPolicySimulator(large.MainJson, large.RoleOf(function));
        (string, string) inOrganization = ("aws:ResourceOrgID", LargeConfigurationApp.Organization);
        Assert.True(iam.Allows(Request("sts:AssumeRole", "arn:aws:iam::444455556666:role/AmiReplicatorSpoke", "us-east-1", inOrganization)));
        Assert.True(iam.Allows(Request("sts:AssumeRole", "arn:aws:iam::121212121212:role/GoldenSpoke", "us-east-1", inOrganization)));
        // Any account's role by those names: an account added to the targets needs no new grant.
        Assert.True(iam.Allows(Request("sts:AssumeRole", "arn:aws:iam::999999999999:role/AmiReplicatorSpoke", "us-east-1", inOrganization)));
        Assert.False(iam.Allows(Request("sts:AssumeRole", "arn:aws:iam::444455556666:role/AmiReplicatorSpoke", "us-east-1", ("aws:ResourceOrgID", "o-zzzzzzzzzz"))), "outside the organization");
        Assert.False(iam.Allows(Request("sts:AssumeRole", "arn:aws:iam::444455556666:role/Admin", "us-east-1", inOrganization)), "another role");

        // Without targets in the configuration, no role at all.
        Assert.DoesNotContain(new IamPolicySimulator(shipped.MainJson, shipped.RoleOf(function)).AllowedActions, a => a.StartsWith("sts:", StringComparison.Ordinal));
    }

    [Fact]
    public void Only_the_poller_reads_the_organization_and_only_when_a_target_names_organizational_units()
    {
        var organizationReads = new[] { "organizations:DescribeOrganization", "organizations:ListAccountsForParent", "organizations:ListOrganizationalUnitsForParent" };
        Assert.All(organizationReads, a => Assert.True(new IamPolicySimulator(large.MainJson, large.RoleOf(ReplicatorFunctions.Poller)).Allows(Request(a, "*", "us-east-1")), a));
        Assert.DoesNotContain(new IamPolicySimulator(large.MainJson, large.RoleOf(ReplicatorFunctions.Dispatcher)).AllowedActions, a => a.StartsWith("organizations:", StringComparison.Ordinal));
        Assert.DoesNotContain(new IamPolicySimulator(shipped.MainJson, shipped.RoleOf(ReplicatorFunctions.Poller)).AllowedActions, a => a.StartsWith("organizations:", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(ReplicatorFunctions.Dispatcher)]
    [InlineData(ReplicatorFunctions.Poller)]
    public void Only_the_latest_copy_parameters_in_the_destinations_can_be_written(string function)
    {
        var iam = new IamPolicySimulator(large.MainJson, large.RoleOf(function));
        Assert.True(iam.Allows(Request("ssm:PutParameter", LatestCopyParameter("eu-west-1", "golden-al2023-"), "eu-west-1")));
        Assert.False(iam.Allows(Request("ssm:PutParameter", $"arn:aws:ssm:eu-west-1:{IamPolicySimulator.Account}:parameter/other/golden", "eu-west-1")));
        Assert.False(iam.Allows(Request("ssm:PutParameter", LatestCopyParameter("us-east-1", "golden-al2023-"), "us-east-1")), "in a source region");
        Assert.False(iam.Allows(Request("ssm:DeleteParameter", LatestCopyParameter("eu-west-1", "golden-al2023-"), "eu-west-1")));

        // Without latestCopyParameter in the configuration, no SSM action at all.
        Assert.DoesNotContain(new IamPolicySimulator(shipped.MainJson, shipped.RoleOf(function)).AllowedActions, a => a.StartsWith("ssm:", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(ReplicatorFunctions.Dispatcher)]
    [InlineData(ReplicatorFunctions.Poller)]
    public void Only_launch_templates_tracking_a_family_in_the_destinations_get_versions(string function)
    {
        var iam = new IamPolicySimulator(large.MainJson, large.RoleOf(function));
        (string, string) tracked = (ReplicatorPermissions.TrackTagCondition, "golden-al2023");
        foreach (var action in new[] { "ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate" })
        {
            Assert.True(iam.Allows(Request(action, LaunchTemplate("eu-west-1", "lt-0b"), "eu-west-1", tracked)), action);
            Assert.False(iam.Allows(Request(action, LaunchTemplate("eu-west-1", "lt-0b"), "eu-west-1")), $"{action} on a template that tracks nothing");
            Assert.False(iam.Allows(Request(action, LaunchTemplate("us-west-2", "lt-0b"), "us-west-2", tracked)), $"{action} in a source region");
        }

        Assert.False(iam.Allows(Request("ec2:DeleteLaunchTemplate", LaunchTemplate("eu-west-1", "lt-0b"), "eu-west-1", tracked)));
        // Without launchTemplates in the configuration, no template is changed.
        Assert.DoesNotContain(new IamPolicySimulator(shipped.MainJson, shipped.RoleOf(function)).AllowedActions, a => a is "ec2:CreateLaunchTemplateVersion" or "ec2:ModifyLaunchTemplate");
    }

    [Theory]
    [InlineData(ReplicatorFunctions.Dispatcher)]
    [InlineData(ReplicatorFunctions.Poller)]
    public void A_sources_keys_are_used_only_by_ec2_and_any_key_may_only_be_described(string function)
    {
        // The shipped configuration has no destination keys: what KMS allows is for encrypted sources, whatever their account and region.
        var iam = new IamPolicySimulator(shipped.MainJson, shipped.RoleOf(function));
        var foreignKey = $"arn:aws:kms:{UnconfiguredRegion}:999988887777:key/77777777-12ab-34cd-56ef-1234567890ab";
        Assert.True(iam.Allows(Request("kms:DescribeKey", foreignKey, UnconfiguredRegion)));
        foreach (var action in PermissionCheck.SourceKeyActions.Where(a => a != "kms:DescribeKey"))
        {
            Assert.True(iam.Allows(KeyRequest(action, UnconfiguredRegion, foreignKey)), action);
            Assert.True(iam.Allows(KeyRequest(action, UnconfiguredRegion, foreignKey, viaService: "ec2.eu-west-1.amazonaws.com")), $"{action} by EC2 of the destination");
            Assert.False(iam.Allows(Request(action, foreignKey, UnconfiguredRegion)), $"{action} called directly");
            Assert.False(iam.Allows(KeyRequest(action, UnconfiguredRegion, foreignKey, viaService: $"rds.{UnconfiguredRegion}.amazonaws.com")), $"{action} via RDS");
        }

        Assert.False(iam.Allows(Request("kms:CreateGrant", foreignKey, UnconfiguredRegion,
            ("kms:ViaService", ReplicatorPermissions.Ec2Endpoint(UnconfiguredRegion)), ("kms:GrantIsForAWSResource", "false"))));
        // Encrypting is for the destinations' keys only.
        Assert.False(iam.Allows(KeyRequest("kms:GenerateDataKey", UnconfiguredRegion, foreignKey)));
        Assert.False(iam.Allows(KeyRequest("kms:ReEncryptTo", UnconfiguredRegion, foreignKey)));
    }

    [Fact]
    public void No_statement_allows_a_wildcard_action()
    {
        foreach (var template in shipped.AllTemplates.Concat(large.AllTemplates))
        {
            foreach (var statement in Statements(template).Where(s => (string?)s["Effect"] == "Allow"))
            {
                // Deny sqs:* (the TLS-only queue policies) is the one wildcard, and it takes away rather than grants.
                Assert.All(Actions(statement), a => Assert.DoesNotContain("*", a, StringComparison.Ordinal));
            }
        }
    }

    [Fact]
    public void The_roles_use_no_managed_policies()
    {
        Assert.All(shipped.MainResources("AWS::IAM::Role").Values, r => Assert.Null(r["Properties"]!["ManagedPolicyArns"]));
    }
}

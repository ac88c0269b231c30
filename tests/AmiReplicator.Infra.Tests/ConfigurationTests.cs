using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using AmiReplicator.Infra;
using static AmiReplicator.Infra.Tests.Json;

namespace AmiReplicator.Infra.Tests;

/// <summary>cdk.json mistakes fail synth with the field's path; valid variations change the stacks as documented.</summary>
public sealed class ConfigurationTests
{
    public static TheoryData<string, string, string> PolicyErrors => new()
    {
        // JSON to merge into the cdk.json policy, the field the error must name, a word of its message.
        { """{"destinations":[{"region":"eu-wst-1"}]}""", "amiReplicator.destinations[0].region", "not a known AWS region" },
        { """{"sourceRegions":["us-east-1","mars-1"]}""", "amiReplicator.sourceRegions[1]", "not a known AWS region" },
        { """{"destinations":[{"region":"eu-west-1","encrypted":false}]}""", "amiReplicator.destinations[0].encrypted", "unencrypted" },
        { """{"budgets":{"maxInFlightPerDestination":0}}""", "amiReplicator.budgets.maxInFlightPerDestination", "greater than 0" },
        { """{"budgets":{"maxInFlightPerSource":-5}}""", "amiReplicator.budgets.maxInFlightPerSource", "greater than 0" },
        { """{"destinations":[{"region":"eu-west-1","maxInFlight":0}]}""", "amiReplicator.destinations[0].maxInFlight", "greater than 0" },
        { """{"destinations":[{"region":"eu-west-1","snapshotCopyCompletionDurationMinutes":20}]}""", "amiReplicator.destinations[0].snapshotCopyCompletionDurationMinutes", "steps of 15" },
        { """{"destinations":[{"region":"eu-west-1","maxSnapshotCopyMiBpsPerSource":0}]}""", "amiReplicator.destinations[0].maxSnapshotCopyMiBpsPerSource", "greater than 0" },
        { """{"budgets":{"maxSnapshotCopyMiBpsPerSource":-1}}""", "amiReplicator.budgets.maxSnapshotCopyMiBpsPerSource", "greater than 0" },
        { """{"destinations":[]}""", "amiReplicator.destinations", "at least one destination" },
        { """{"destinations":[{"region":"eu-west-1","kmsKeyId":"alias/amis"}]}""", "amiReplicator.destinations[0].kmsKeyId", "\"encrypted\": true" },
        { """{"destinations":[{"region":"eu-west-1","encrypted":true,"kmsKeyId":"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}]}""", "amiReplicator.destinations[0].kmsKeyId", "destination region" },
        { """{"retries":{"maxAttempts":0}}""", "amiReplicator.retries.maxAttempts", "greater than 0" },
        { """{"schedule":"every minute"}""", "amiReplicator.schedule", "schedule expression" },
        { """{"templates":{"name":"{nope}"}}""", "amiReplicator.templates.name", "unknown placeholder" },
        { """{"latestCopyParameter":"/amirepl/latest/{family}"}""", "amiReplicator.latestCopyParameter", "families are defined by retention" },
        { """{"retention":{"keepLatest":2,"familyTag":"family"},"latestCopyParameter":"/amirepl/latest"}""", "amiReplicator.latestCopyParameter", "contain {family}" },
        { """{"retention":{"keepLatest":2,"familyTag":"family"},"latestCopyParameter":"/aws/latest/{family}"}""", "amiReplicator.latestCopyParameter", "reserves names" },
        { """{"retention":{"keepLatest":2,"familyNamePrefixes":["golden al2023"]},"latestCopyParameter":"/amirepl/{family}"}""", "amiReplicator.retention.familyNamePrefixes[0]", "not a parameter name" },
    };

    [Theory]
    [MemberData(nameof(PolicyErrors))]
    public void A_policy_error_names_the_field(string change, string field, string problem)
    {
        var context = TestContext.WithPolicy(policy => Merge(policy, JsonNode.Parse(change)!.AsObject()));
        var error = Assert.Throws<ConfigurationException>(() => TestContext.Settings(context));
        Assert.Equal(field, error.Field);
        Assert.StartsWith(field + ": ", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_policy_field_is_refused()
    {
        var context = TestContext.WithPolicy(policy => policy["destination"] = new JsonArray());
        var error = Assert.Throws<ConfigurationException>(() => TestContext.Settings(context));
        Assert.StartsWith("amiReplicator", error.Field, StringComparison.Ordinal);
        Assert.Contains("destination", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_policy_is_named()
    {
        var context = TestContext.FromCdkJson();
        context.Remove(DeploymentSettings.PolicyKey);
        Assert.Equal("amiReplicator", Assert.Throws<ConfigurationException>(() => TestContext.Settings(context)).Field);
    }

    [Fact]
    public void The_home_region_comes_from_context_or_the_cdk_environment_and_must_be_known()
    {
        var context = TestContext.FromCdkJson();
        context.Remove(DeploymentSettings.HomeRegionKey);
        Assert.Equal("homeRegion", Assert.Throws<ConfigurationException>(() => TestContext.Settings(context)).Field);
        Assert.Equal("eu-west-2", TestContext.Settings(context, defaultRegion: "eu-west-2").HomeRegion);

        context[DeploymentSettings.HomeRegionKey] = "us-east-9";
        Assert.Equal("homeRegion", Assert.Throws<ConfigurationException>(() => TestContext.Settings(context)).Field);
    }

    [Theory]
    [InlineData(DeploymentSettings.AccountKey, "12345", DeploymentSettings.AccountKey, "12-digit")]
    [InlineData(DeploymentSettings.PollerReservedConcurrencyKey, -1.0, DeploymentSettings.PollerReservedConcurrencyKey, "whole number")]
    [InlineData(DeploymentSettings.PollerReservedConcurrencyKey, 1.5, DeploymentSettings.PollerReservedConcurrencyKey, "whole number")]
    [InlineData(DeploymentSettings.StackPrefixKey, "prod_1", DeploymentSettings.StackPrefixKey, "stack-name prefix")]
    [InlineData(DeploymentSettings.StackPrefixKey, "staging-", DeploymentSettings.StackPrefixKey, "stack-name prefix")]
    [InlineData(DeploymentSettings.StackPrefixKey, "default", DeploymentSettings.StackPrefixKey, "names the deployment without a prefix")]
    [InlineData(DeploymentSettings.AlarmEmailKey, "ops-at-example.com", DeploymentSettings.AlarmEmailKey, "e-mail")]
    [InlineData(DeploymentSettings.AlarmTopicArnsKey, "my-topic", "alarmTopicArns[0]", "SNS topic ARN")]
    [InlineData("alarmTopicArn", "arn:aws:sns:us-east-1:123456789012:ops", "alarmTopicArn", "alarmTopicArns")]
    [InlineData(DeploymentSettings.LogLevelKey, "LOUD", DeploymentSettings.LogLevelKey, "TRACE, DEBUG, INFO")]
    [InlineData(DeploymentSettings.LogLevelKey, "WARN", DeploymentSettings.LogLevelKey, "metric lines")]
    public void Other_settings_are_checked_too(string key, object value, string field, string problem)
    {
        var context = TestContext.FromCdkJson();
        context[key] = value;
        var error = Assert.Throws<ConfigurationException>(() => TestContext.Settings(context));
        Assert.Equal(field, error.Field);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_given_on_the_command_line_arrive_as_text_and_are_read_the_same()
    {
        var context = TestContext.FromCdkJson();
        context[DeploymentSettings.AlarmTopicArnsKey] = "[\"arn:aws:sns:us-east-1:123456789012:ops\"]";
        context[DeploymentSettings.PollerReservedConcurrencyKey] = "2";
        var settings = TestContext.Settings(context);
        Assert.Equal(["arn:aws:sns:us-east-1:123456789012:ops"], settings.AlarmTopicArns);
        Assert.Equal(2, settings.PollerReservedConcurrency);
    }

    [Fact]
    public void Alarm_topics_are_one_per_region_and_in_a_known_region()
    {
        var context = TestContext.FromCdkJson();
        context[DeploymentSettings.AlarmTopicArnsKey] = new object[] { "arn:aws:sns:us-east-1:123456789012:ops", "arn:aws:sns:us-east-1:123456789012:more" };
        Assert.Equal("alarmTopicArns[1]", Assert.Throws<ConfigurationException>(() => TestContext.Settings(context)).Field);
        context[DeploymentSettings.AlarmTopicArnsKey] = new object[] { "arn:aws:sns:us-east-9:123456789012:ops" };
        Assert.Contains("not a known AWS region", Assert.Throws<ConfigurationException>(() => TestContext.Settings(context)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Synth_fails_with_the_field_in_its_message()
    {
        var context = TestContext.WithPolicy(policy => policy["destinations"]![0]!["region"] = "eu-wst-1");
        var error = new StringWriter();
        var exitCode = ReplicatorApp.Run(new App(new AppProps { Context = context }), _ => null, error);
        Assert.Equal(1, exitCode);
        Assert.Contains("amiReplicator.destinations[0].region: 'eu-wst-1' is not a known AWS region", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_policy_given_as_a_json_string_on_the_command_line_is_read_the_same()
    {
        var context = TestContext.FromCdkJson();
        var fromObject = TestContext.Settings(context);
        context[DeploymentSettings.PolicyKey] = fromObject.PolicyJson;
        Assert.Equal(fromObject.PolicyJson, TestContext.Settings(context).PolicyJson);
    }

    [Fact]
    public void Without_source_regions_the_home_region_is_the_only_source()
    {
        var context = TestContext.WithPolicy(policy => policy.Remove("sourceRegions"));
        var settings = TestContext.Settings(context);
        Assert.Equal(["us-east-1"], settings.SourceRegions);
        Assert.Equal(["ap-southeast-2", "eu-central-1", "eu-west-1"], settings.ForwardingRegions);
    }

    [Fact]
    public void A_kms_alias_is_granted_through_the_alias_and_the_home_region_forwards_nothing()
    {
        var context = TestContext.WithPolicy(policy =>
        {
            policy["sourceRegions"] = new JsonArray("us-east-1");
            policy["destinations"] = JsonNode.Parse("""[{"region":"us-east-1","encrypted":true,"kmsKeyId":"alias/ami-copies"},{"region":"eu-west-1"}]""");
        });
        var (stacks, template, _, _) = TestContext.Synthesize(context);

        Assert.Equal(["eu-west-1"], stacks.Forwarding.Select(s => s.Region));
        template.HasResourceProperties("AWS::IAM::Policy", Obj(("PolicyDocument", Match.ObjectLike(Obj(("Statement", Match.ArrayWith(new object[]
        {
            Match.ObjectLike(Obj(
                ("Action", "kms:CreateGrant"),
                ("Resource", Obj(("Fn::Join", new object[] { "", new object[] { "arn:", Ref("AWS::Partition"), ":kms:us-east-1:", Ref("AWS::AccountId"), ":key/*" } }))),
                ("Condition", Obj(
                    ("StringEquals", Obj(("kms:ViaService", new object[] { "ec2.us-east-1.amazonaws.com" }))),
                    ("ForAnyValue:StringEquals", Obj(("kms:ResourceAliases", new object[] { "alias/ami-copies" }))),
                    ("Bool", Obj(("kms:GrantIsForAWSResource", "true"))))))),
        })))))));
        // The home region is a destination too: its own events end its copies.
        template.HasResourceProperties("AWS::Events::Rule", Obj(("EventPattern", Match.ObjectLike(Obj(
            ("resources", MainStackTests.ImagesIn("us-east-1", "eu-west-1")),
            ("detail", Obj(("State", new object[] { "available", "failed" }))))))));
        // The alias grant is a wildcard on the region's keys: suppressed, with its reason, for that finding only.
        template.HasResource("AWS::IAM::Policy", Obj(("Metadata", Match.ObjectLike(Obj(("cdk_nag", Obj(("rules_to_suppress", Match.ArrayWith(new object[]
        {
            Match.ObjectLike(Obj(
                ("id", "AwsSolutions-IAM5"),
                ("reason", Match.StringLikeRegexp("kms:ResourceAliases")),
                ("applies_to", new object[] { Obj(("regex", Match.StringLikeRegexp(":kms:"))) }))),
        })))))))));
    }

    private static void Merge(JsonObject target, JsonObject change)
    {
        foreach (var (key, value) in change.ToList())
        {
            if (value is JsonObject child && target[key] is JsonObject existing)
            {
                Merge(existing, child);
            }
            else
            {
                target[key] = value?.DeepClone();
            }
        }
    }
}

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
        { """{"destinations":[]}""", "amiReplicator.destinations", "at least one destination" },
        { """{"destinations":[{"region":"eu-west-1","kmsKeyId":"alias/amis"}]}""", "amiReplicator.destinations[0].kmsKeyId", "\"encrypted\": true" },
        { """{"destinations":[{"region":"eu-west-1","encrypted":true,"kmsKeyId":"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}]}""", "amiReplicator.destinations[0].kmsKeyId", "destination region" },
        { """{"retries":{"maxAttempts":0}}""", "amiReplicator.retries.maxAttempts", "greater than 0" },
        { """{"schedule":"every minute"}""", "amiReplicator.schedule", "schedule expression" },
        { """{"templates":{"name":"{nope}"}}""", "amiReplicator.templates.name", "unknown placeholder" },
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
    [InlineData(DeploymentSettings.AccountKey, "12345")]
    [InlineData(DeploymentSettings.AlarmTopicArnKey, "my-topic")]
    [InlineData(DeploymentSettings.PollerReservedConcurrencyKey, -1.0)]
    [InlineData(DeploymentSettings.PollerReservedConcurrencyKey, 1.5)]
    public void Other_settings_are_checked_too(string key, object value)
    {
        var context = TestContext.FromCdkJson();
        context[key] = value;
        Assert.Equal(key, Assert.Throws<ConfigurationException>(() => TestContext.Settings(context)).Field);
    }

    [Fact]
    public void A_policy_too_large_for_the_lambda_environment_is_refused()
    {
        var context = TestContext.WithPolicy(policy =>
            policy["tags"] = new JsonObject(Enumerable.Range(0, 40).Select(i => KeyValuePair.Create<string, JsonNode?>($"tag-{i:D3}", new string('x', 200)))));
        var error = Assert.Throws<ConfigurationException>(() => TestContext.Settings(context));
        Assert.Equal("amiReplicator", error.Field);
        Assert.Contains("4 KB", error.Message, StringComparison.Ordinal);
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
        var (stacks, template) = Synthesize(context);

        Assert.Equal(["eu-west-1"], stacks.Forwarding.Select(s => s.Region));
        template.HasResourceProperties("AWS::IAM::Policy", Obj(("PolicyDocument", Match.ObjectLike(Obj(("Statement", Match.ArrayWith(new object[]
        {
            Match.ObjectLike(Obj(
                ("Action", "kms:CreateGrant"),
                ("Resource", Obj(("Fn::Join", new object[] { "", new object[] { "arn:", Ref("AWS::Partition"), ":kms:us-east-1:", Ref("AWS::AccountId"), ":key/*" } }))),
                ("Condition", Obj(
                    ("StringEquals", Obj(("kms:ViaService", "ec2.us-east-1.amazonaws.com"))),
                    ("ForAnyValue:StringEquals", Obj(("kms:ResourceAliases", "alias/ami-copies"))),
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

    [Fact]
    public void An_account_and_an_alarm_topic_are_used_when_given()
    {
        var context = TestContext.FromCdkJson();
        context[DeploymentSettings.AccountKey] = "123456789012";
        context[DeploymentSettings.AlarmTopicArnKey] = "arn:aws:sns:us-east-1:123456789012:ops";
        context[DeploymentSettings.PollerReservedConcurrencyKey] = 0.0;
        var (stacks, template) = Synthesize(context);

        Assert.Equal("123456789012", stacks.Main.Account);
        Assert.All(stacks.Forwarding, s => Assert.Equal("123456789012", s.Account));
        template.AllResourcesProperties("AWS::CloudWatch::Alarm", Obj(("AlarmActions", new object[] { "arn:aws:sns:us-east-1:123456789012:ops" })));
        template.HasResourceProperties("AWS::Lambda::Function", Obj(("Timeout", ReplicatorStack.PollerTimeoutSeconds), ("ReservedConcurrentExecutions", Match.Absent())));
    }

    private static (ReplicatorStacks Stacks, Template Main) Synthesize(Dictionary<string, object> context)
    {
        var scratch = Directory.CreateTempSubdirectory("infra-config-").FullName;
        try
        {
            var app = new App(new AppProps { Context = context, Outdir = Path.Combine(scratch, "cdk.out") });
            var stacks = ReplicatorApp.Build(app, DeploymentSettings.Read(key => app.Node.TryGetContext(key), _ => null),
                new PrebuiltLambdaPackages(SynthesizedApp.StandInPackages(scratch)));
            return (stacks, Template.FromStack(stacks.Main));
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
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

using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;
using AmiReplicator.Aws.Ec2;
using AmiReplicator.Contract;
using AmiReplicator.Infra;
using static AmiReplicator.Infra.Tests.Json;
using GeneratedRegexAttribute = System.Text.RegularExpressions.GeneratedRegexAttribute;
using Regex = System.Text.RegularExpressions.Regex;

namespace AmiReplicator.Infra.Tests;

/// <summary>The settings beside the policy in cdk.json, and what the shipped cdk.json deploys.</summary>
public sealed partial class DeploymentOptionsTests
{
    [Fact]
    public void The_shipped_cdk_json_names_no_account_key_or_topic_and_deploys_as_it_is()
    {
        var text = File.ReadAllText(Path.Combine(TestContext.RepositoryRoot, "cdk.json"));
        Assert.DoesNotMatch(TwelveDigits(), text);
        Assert.DoesNotContain("arn:", text, StringComparison.Ordinal);
        var settings = TestContext.Settings(TestContext.FromCdkJson());
        Assert.Null(settings.Account);
        Assert.Empty(settings.AlarmTopicArns);
        Assert.All(settings.Policy.Destinations, d => Assert.Null(d.KmsKeyId));
        Assert.Empty(settings.Warnings());
    }

    [Fact]
    public void A_stack_prefix_gives_a_second_deployment_its_own_stacks_metrics_tags_and_deployment_parameter()
    {
        var context = TestContext.FromCdkJson();
        context[DeploymentSettings.StackPrefixKey] = "staging";
        var (stacks, main, forwarding, _) = TestContext.Synthesize(context);

        Assert.Equal("staging-AmiReplicator", stacks.Main.StackName);
        Assert.All(stacks.Forwarding, s => Assert.Equal($"staging-AmiReplicator-Forward-{s.Region}", s.StackName));
        main.HasResourceProperties("AWS::Lambda::Function", Obj(("Environment", Obj(("Variables", Match.ObjectLike(Obj(
            (FunctionEnvironment.MetricsNamespace, "AmiReplicator/staging"), (FunctionEnvironment.Deployment, "staging"))))))));
        main.HasResourceProperties("AWS::CloudWatch::Alarm", Obj(("Namespace", "AmiReplicator/staging"), ("MetricName", ReplicatorMetrics.CopiesFailed.Name)));
        main.ResourcePropertiesCountIs("AWS::CloudWatch::Alarm", Obj(("Namespace", ReplicatorMetrics.Namespace)), 0);
        main.HasResourceProperties("AWS::DynamoDB::Table", Obj(("Tags", Match.ArrayWith(new object[] { Obj(("Key", "ami-replicator:deployment"), ("Value", "staging")) }))));
        main.HasResourceProperties("AWS::SSM::Parameter", Obj(("Name", "/AmiReplicator/staging/deployment")));
        Assert.Equal(4, forwarding.Count);
    }

    [Fact]
    public void Alarm_topics_are_taken_by_arn_where_given_and_created_with_the_email_subscription_elsewhere()
    {
        var context = TestContext.FromCdkJson();
        context[DeploymentSettings.AlarmTopicArnsKey] = new object[] { "arn:aws:sns:us-east-1:123456789012:ops", "arn:aws:sns:eu-west-1:123456789012:ops-eu" };
        context[DeploymentSettings.AlarmEmailKey] = "ops@example.com";
        var (_, main, forwarding, _) = TestContext.Synthesize(context);

        main.ResourceCountIs("AWS::SNS::Topic", 0);
        main.AllResourcesProperties("AWS::CloudWatch::Alarm", Obj(("AlarmActions", new object[] { "arn:aws:sns:us-east-1:123456789012:ops" })));
        forwarding["eu-west-1"].ResourceCountIs("AWS::SNS::Topic", 0);
        forwarding["eu-west-1"].AllResourcesProperties("AWS::CloudWatch::Alarm", Obj(("AlarmActions", new object[] { "arn:aws:sns:eu-west-1:123456789012:ops-eu" })));
        foreach (var region in new[] { "us-west-2", "eu-central-1", "ap-southeast-2" })
        {
            var template = forwarding[region];
            template.ResourceCountIs("AWS::SNS::Topic", 1);
            template.HasResourceProperties("AWS::SNS::Subscription", Obj(("Protocol", "email"), ("Endpoint", "ops@example.com")));
            template.AllResourcesProperties("AWS::CloudWatch::Alarm", Obj(("AlarmActions", new object[] { Match.ObjectLike(Obj(("Ref", Match.StringLikeRegexp("AlarmsTopic")))) })));
        }
    }

    [Fact]
    public void Reserved_concurrency_and_a_finer_log_level_are_opt_in()
    {
        var context = TestContext.FromCdkJson();
        context[DeploymentSettings.PollerReservedConcurrencyKey] = 1.0;
        context[DeploymentSettings.LogLevelKey] = "debug";
        var (_, main, _, _) = TestContext.Synthesize(context);

        main.HasResourceProperties("AWS::Lambda::Function", Obj(("Timeout", ReplicatorStack.PollerTimeoutSeconds), ("ReservedConcurrentExecutions", 1)));
        main.AllResourcesProperties("AWS::Lambda::Function", Obj(("LoggingConfig", Match.ObjectLike(Obj(("ApplicationLogLevel", "DEBUG"))))));

        context[DeploymentSettings.PollerReservedConcurrencyKey] = 0.0;
        Assert.Null(TestContext.Settings(context).PollerReservedConcurrency);
    }

    [Fact]
    public void Other_owner_accounts_with_no_sweep_draw_a_warning_at_synth_not_an_error()
    {
        // The sweep lists the other accounts' AMIs (their events never reach this account): no warning while it runs.
        var context = TestContext.WithPolicy(policy => policy["selection"]!["ownerAccounts"] = new JsonArray("self", "444455556666"));
        Assert.Empty(TestContext.Settings(context).Warnings());

        context = TestContext.WithPolicy(policy =>
        {
            policy["selection"]!["ownerAccounts"] = new JsonArray("self", "444455556666");
            policy["sweepIntervalMinutes"] = 0.0;
        });
        var (_, _, _, annotations) = TestContext.Synthesize(context);
        var warnings = annotations.FindWarning("*", Match.StringLikeRegexp("ownerAccounts names 444455556666 and amiReplicator.sweepIntervalMinutes is 0"));
        Assert.Single(warnings);

        // The deployment's own account named by number is "self".
        context[DeploymentSettings.AccountKey] = "444455556666";
        Assert.Empty(TestContext.Settings(context).Warnings());
    }

    [Fact]
    public void Budgets_EC2_cannot_honour_and_a_source_region_that_is_its_own_only_destination_draw_warnings()
    {
        var context = TestContext.WithPolicy(policy =>
        {
            policy["sourceRegions"] = new JsonArray("us-east-1", "eu-west-1");
            policy["destinations"] = new JsonArray(
                new JsonObject { ["region"] = "eu-west-1", ["maxInFlight"] = 301.0 },
                new JsonObject { ["region"] = "us-east-1", ["maxInFlight"] = 300.0, ["maxInFlightPerSource"] = 300.0 },
                new JsonObject { ["region"] = "eu-central-1", ["maxInFlight"] = 20.0, ["maxInFlightPerSource"] = 21.0 });
        });
        Assert.Equal(
            [
                "amiReplicator.destinations (eu-west-1) allows 301 copies in flight (maxInFlight): EC2 documents at most 300 concurrent AMI copies "
                + "per destination region, shared with every other copy in the account, so the copies above it meet ResourceLimitExceeded and the destination backs off instead",
                "amiReplicator.destinations (eu-central-1) allows 21 copies in flight from one source region (maxInFlightPerSource), more than its 20 in all "
                + "(maxInFlight): the per-source budget never binds",
            ],
            TestContext.Settings(context).Warnings());

        // us-east-1's only destination other than itself is gone: its AMIs would be copied nowhere.
        context = TestContext.WithPolicy(policy =>
        {
            policy["sourceRegions"] = new JsonArray("us-east-1", "us-west-2");
            policy["destinations"] = new JsonArray(new JsonObject { ["region"] = "us-east-1" });
        });
        var warning = Assert.Single(TestContext.Settings(context).Warnings());
        Assert.StartsWith("amiReplicator.sourceRegions names us-east-1, and us-east-1 is its only destination", warning, StringComparison.Ordinal);

        // A target's budget is held to the same limit.
        context = TestContext.WithHomeAccount("111122223333", TestContext.WithPolicy(policy =>
            policy["targets"] = new JsonArray(new JsonObject { ["accounts"] = new JsonArray("444455556666"), ["regions"] = new JsonArray("eu-west-1"), ["maxInFlight"] = 500.0 })));
        Assert.StartsWith("amiReplicator.targets[0] allows 500 copies in flight", Assert.Single(TestContext.Settings(context).Warnings()), StringComparison.Ordinal);
    }

    [Fact]
    public void An_alarm_email_or_topic_silences_the_unsubscribed_topic_warning()
    {
        var context = TestContext.FromCdkJson();
        context[DeploymentSettings.AlarmEmailKey] = "oncall@example.com";
        var (_, _, _, annotations) = TestContext.Synthesize(context);
        Assert.Empty(annotations.FindWarning("*", Match.StringLikeRegexp("No one is subscribed")));
    }

    [Fact]
    public void The_dispatcher_timing_follows_from_the_sdk_retries_the_functions_really_use()
    {
        using var clients = new Ec2Clients(credentials: new Amazon.Runtime.BasicAWSCredentials("test", "test"));
        var config = clients.For("us-east-1").Config;
        Assert.Equal(DispatcherTiming.Ec2MaxErrorRetry, config.MaxErrorRetry);
        Assert.Equal(Amazon.Runtime.RequestRetryMode.Standard, config.RetryMode);

        // 6 attempts of 2 s and waits of 1 + 2 + 4 + 8 + 16 s.
        Assert.Equal(TimeSpan.FromSeconds(43), DispatcherTiming.WorstEc2Call);
        var shipped = DispatcherTiming.For(TestContext.Settings(TestContext.FromCdkJson()).Policy);
        Assert.Equal(100, shipped.BatchSize);
        Assert.Equal(10, shipped.Ec2CallsPerMessage);
        Assert.True(shipped.Fits);
        Assert.True(shipped.WorstMessage + DispatcherTiming.Margin <= shipped.Timeout);
        Assert.Equal(TimeSpan.FromMinutes(8), shipped.Timeout);
        Assert.Equal(shipped.Timeout * 6, shipped.VisibilityTimeout);
    }

    [Fact]
    public void The_burst_benchmark_batches_the_dispatchers_messages_as_the_stack_does()
    {
        var defaults = new AmiReplicator.LocalCloud.BurstSettings();
        Assert.Equal(DispatcherTiming.ShippedBatchSize, defaults.BatchSize);
        Assert.Equal(DispatcherTiming.BatchingWindow, TimeSpan.FromSeconds(defaults.BatchingWindowSeconds));
    }

    [Fact]
    public void A_dispatcher_whose_worst_case_exceeds_lambdas_limit_is_capped_and_warned_about()
    {
        var (stacks, main, _, annotations) = TestContext.Synthesize(TestContext.WithPolicy(policy =>
            policy["destinations"] = new JsonArray([.. LargeConfigurationApp.Destinations.Select(r => (JsonNode)new JsonObject { ["region"] = r })])));

        Assert.False(stacks.Main.Timing.Fits);
        Assert.Equal(DispatcherTiming.MaxTimeout, stacks.Main.Timing.Timeout);
        main.HasResourceProperties("AWS::Lambda::Function", Obj(("Timeout", 900), ("Handler", "bootstrap"), ("MemorySize", ReplicatorStack.DispatcherMemoryMb)));
        Assert.Single(annotations.FindWarning("*", Match.StringLikeRegexp("one message can make 35 EC2 calls")));
    }

    [GeneratedRegex("\\b\\d{12}\\b")]
    private static partial Regex TwelveDigits();
}

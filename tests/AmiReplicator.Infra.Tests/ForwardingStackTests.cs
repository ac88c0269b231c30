using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;
using AmiReplicator.Contract;
using AmiReplicator.Infra;
using static AmiReplicator.Infra.Tests.Json;

namespace AmiReplicator.Infra.Tests;

[Collection(SynthesizedAppCollection.Name)]
public sealed class ForwardingStackTests(SynthesizedApp app)
{
    private static readonly object HomeBusArn = Obj(("Fn::Join", new object[]
    {
        "",
        new object[] { "arn:", Ref("AWS::Partition"), ":events:us-east-1:", Ref("AWS::AccountId"), ":event-bus/default" },
    }));

    [Fact]
    public void Every_region_but_home_gets_a_forwarding_stack_in_that_region()
    {
        Assert.Equal(["ap-southeast-2", "eu-central-1", "eu-west-1", "us-west-2"], app.Forwarding.Keys.Order());
        Assert.All(app.Stacks.Forwarding, s => Assert.Equal(ReplicatorApp.ForwardingStackName(s.Region), s.StackName));
    }

    [Fact]
    public void A_source_region_forwards_its_new_and_withdrawn_amis_to_the_home_bus()
    {
        app.Forwarding["us-west-2"].HasResourceProperties("AWS::Events::Rule", Obj(
            ("EventPattern", Obj(
                ("source", new object[] { "aws.ec2" }),
                ("detail-type", new object[] { "EC2 AMI State Change" }),
                ("detail", Obj(("State", new object[] { "available", "disabled", "deregistered" }))))),
            ("Targets", new object[] { Match.ObjectLike(Obj(("Arn", HomeBusArn), ("RoleArn", Match.AnyValue()))) })));
    }

    [Theory]
    [InlineData("eu-west-1")]
    [InlineData("eu-central-1")]
    [InlineData("ap-southeast-2")]
    public void A_destination_region_forwards_its_copies_ending(string region)
    {
        app.Forwarding[region].HasResourceProperties("AWS::Events::Rule", Obj(
            ("EventPattern", Obj(
                ("source", new object[] { "aws.ec2" }),
                ("detail-type", new object[] { "EC2 AMI State Change" }),
                ("detail", Obj(("State", new object[] { "available", "failed" }))))),
            ("Targets", new object[] { Match.ObjectLike(Obj(("Arn", HomeBusArn))) })));
    }

    [Fact]
    public void Forwarded_patterns_are_the_ones_the_functions_are_tested_against()
    {
        foreach (var (region, template) in app.ForwardingJson)
        {
            var pattern = Assert.Single(SynthesizedApp.Resources(template, "AWS::Events::Rule")).Value["Properties"]!["EventPattern"];
            var expected = AmiEventPatterns.Forwarded(isSource: region == "us-west-2", isDestination: region != "us-west-2").ToJson();
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), pattern), $"{region}: {pattern!.ToJsonString()}");
        }
    }

    [Fact]
    public void Forwarding_may_only_put_events_on_the_home_bus()
    {
        foreach (var (region, template) in app.ForwardingJson)
        {
            var statement = Assert.Single(Statements(template), s => (string?)s["Effect"] == "Allow" && Actions(s).Contains("events:PutEvents"));
            Assert.Equal(["events:PutEvents"], Actions(statement));
            Assert.Contains(":events:us-east-1:", Assert.Single(Many(statement["Resource"]))!.ToJsonString(), StringComparison.Ordinal);
            Assert.Equal(region, app.Stacks.Forwarding.Single(s => s.Region == region).Region);
        }
    }

    [Fact]
    public void Events_that_cannot_be_forwarded_are_kept_encrypted_and_alarmed()
    {
        foreach (var (region, template) in app.Forwarding)
        {
            var queue = Assert.Single(SynthesizedApp.Resources(app.ForwardingJson[region], "AWS::SQS::Queue")).Key;
            template.HasResourceProperties("AWS::SQS::Queue", Obj(("SqsManagedSseEnabled", true)));
            template.HasResourceProperties("AWS::Events::Rule", Obj(
                ("Targets", new object[] { Match.ObjectLike(Obj(("DeadLetterConfig", Obj(("Arn", GetAtt(queue, "Arn")))))) })));
            template.HasResourceProperties("AWS::SQS::QueuePolicy", Obj(
                ("PolicyDocument", Match.ObjectLike(Obj(("Statement", Match.ArrayWith(new object[]
                {
                    Match.ObjectLike(Obj(("Effect", "Deny"), ("Condition", Obj(("Bool", Obj(("aws:SecureTransport", "false"))))))),
                })))))));
            template.HasResourceProperties("AWS::CloudWatch::Alarm", Obj(
                ("MetricName", "ApproximateNumberOfMessagesVisible"),
                ("Dimensions", new object[] { Obj(("Name", "QueueName"), ("Value", GetAtt(queue, "QueueName"))) })));
        }
    }

    [Fact]
    public void Each_region_with_alarms_has_its_own_topic_that_its_alarms_notify()
    {
        foreach (var (region, template) in app.ForwardingJson)
        {
            var topic = Assert.Single(SynthesizedApp.Resources(template, "AWS::SNS::Topic")).Key;
            var alarm = Assert.Single(SynthesizedApp.Resources(template, "AWS::CloudWatch::Alarm")).Value["Properties"]!;
            Assert.Equal(topic, (string?)Assert.Single(alarm["AlarmActions"]!.AsArray())!["Ref"]);
            Assert.Contains(region, (string?)template["Resources"]![topic]!["Properties"]!["DisplayName"], StringComparison.Ordinal);
            app.Forwarding[region].HasOutput("AlarmTopicArn", Obj(("Value", Ref(topic))));
        }
    }
}

using System.Text.Json.Nodes;
using Amazon.SQS.Model;
using AmiReplicator.Contract;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.LocalCloud;
using AmiReplicator.Messages;
using AmiReplicator.TestSupport;

namespace AmiReplicator.Infra.Tests;

/// <summary>
/// The rules' patterns as the stack ships them (taken from the synthesized template, region filter included), on moto's
/// EventBridge: matching events, and only those, reach the target queue. cdk.json's sources are us-east-1 and us-west-2, its
/// destinations eu-west-1, eu-central-1 and ap-southeast-2.
/// </summary>
[Collection(SynthesizedAppCollection.Name)]
public sealed class EventPatternTests(SynthesizedApp app, LocalCloudFixture cloud) : IClassFixture<LocalCloudFixture>
{
    private const string Policy = """{"destinations":[{"region":"eu-west-1"}],"sourceRegions":["us-east-1","us-west-2"]}""";

    private static string Event(string region, string imageId, string state = "available", string detailType = AmiEventPatterns.DetailType,
        string source = AmiEventPatterns.Source) => $$$"""
        {"version":"0","id":"{{{imageId}}}-{{{state}}}","detail-type":"{{{detailType}}}","source":"{{{source}}}","account":"123456789012",
         "time":"2026-11-25T08:00:00Z","region":"{{{region}}}","resources":["arn:aws:ec2:{{{region}}}::image/{{{imageId}}}"],
         "detail":{"RequestId":"r","ImageId":"{{{imageId}}}","State":"{{{state}}}","ErrorMessage":""}}
        """;

    /// <summary>The rule's EventPattern in the main template, its ARN prefixes resolved as in the aws partition.</summary>
    private JsonNode ShippedPattern(string rule) =>
        ResolvePartition(app.MainResources("AWS::Events::Rule")[app.MainLogicalId("AWS::Events::Rule", rule)]["Properties"]!["EventPattern"]!);

    [Fact]
    public void The_rules_are_the_contracts_patterns_for_the_configured_regions()
    {
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(AmiEventPatterns.SourceChanged.ToJson(app.Settings.SourceRegions)), ShippedPattern("NewAmiRule")),
            ShippedPattern("NewAmiRule").ToJsonString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(AmiEventPatterns.CopyFinished.ToJson(app.Settings.DestinationRegions)), ShippedPattern("CopyFinishedRule")),
            ShippedPattern("CopyFinishedRule").ToJsonString());
    }

    [Fact]
    public async Task Only_the_source_regions_AMIs_becoming_available_or_withdrawn_reach_the_request_queue_and_the_dispatcher_replicates_the_new_ones()
    {
        await using var h = await LocalReplication.StartAsync(cloud.Servers, Policy);
        var east = h.Simulator.SeedImage("us-east-1", new Ec2Simulator.SeedImage { Name = "golden-east" });
        var west = h.Simulator.SeedImage("us-west-2", new Ec2Simulator.SeedImage { Name = "golden-west" });
        using var http = new HttpClient();
        var bus = await LocalEventBus.CreateAsync(http, cloud.Servers.MotoUrl, LocalReplication.Home, h.Queues.QueueArn.Split(':')[^1]);
        await bus.RouteToQueueAsync("new-ami", ShippedPattern("NewAmiRule").ToJsonString(), h.Queues.QueueArn);

        foreach (var refused in new[]
        {
            Event("eu-west-1", "ami-0000000000000000a"),
            Event("us-east-1", "ami-0000000000000000f", state: "failed"),
            Event("us-east-1", "ami-0000000000000000e", detailType: "EC2 Instance State-change Notification"),
            Event("us-east-1", "ami-0000000000000000b", source: "my.pipeline"),
        })
        {
            await bus.PutAsync(refused);
        }

        await bus.PutAsync(Event("us-east-1", east));
        await bus.PutAsync(Event("us-west-2", west));
        await bus.PutAsync(Event("us-east-1", "ami-0000000000000000c", state: "disabled"));
        await bus.PutAsync(Event("us-west-2", "ami-0000000000000000d", state: "deregistered"));

        var enqueued = (await ReceiveAllAsync(h)).Select(b => Assert.IsType<InboundMessage.ImageChanged>(InboundMessage.Parse(b)).Event)
            .Select(e => (e.Region, e.ImageId, e.State)).Order().ToList();
        Assert.Equal(
            [("us-east-1", "ami-0000000000000000c", "disabled"), ("us-east-1", east, "available"), ("us-west-2", "ami-0000000000000000d", "deregistered"), ("us-west-2", west, "available")],
            enqueued);

        await h.DeliverAsync();
        var jobs = await h.RunPollerUntilDoneAsync();
        Assert.Equal(new[] { east, west }.Order(StringComparer.Ordinal), jobs.Select(j => j.Key.SourceImageId).Order(StringComparer.Ordinal));
        Assert.All(jobs, j => Assert.Equal(CopyJobState.Available, j.State));
    }

    [Fact]
    public async Task Only_copies_ending_in_the_destinations_reach_the_poller()
    {
        await using var h = await LocalReplication.StartAsync(cloud.Servers, Policy);
        using var http = new HttpClient();
        var bus = await LocalEventBus.CreateAsync(http, cloud.Servers.MotoUrl, LocalReplication.Home, h.Queues.QueueArn.Split(':')[^1]);
        // The stack's target is the poller; a queue shows here what the rule lets through.
        await bus.RouteToQueueAsync("copy-finished", ShippedPattern("CopyFinishedRule").ToJsonString(), h.Queues.QueueArn);

        string[] matching =
        [
            Event("eu-west-1", "ami-00000000000000001"),
            Event("eu-central-1", "ami-00000000000000002", state: "failed"),
            Event("ap-southeast-2", "ami-00000000000000003"),
        ];
        foreach (var e in new[]
        {
            Event("us-west-2", "ami-0000000000000000a"),
            Event("eu-west-1", "ami-0000000000000000b", state: "pending"),
            Event("eu-west-1", "ami-0000000000000000c", source: "my.pipeline"),
        }.Concat(matching))
        {
            await bus.PutAsync(e);
        }

        var received = (await ReceiveAllAsync(h)).Select(b => (string)JsonNode.Parse(b)!["detail"]!["ImageId"]!).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["ami-00000000000000001", "ami-00000000000000002", "ami-00000000000000003"], received);
    }

    /// <summary>Every message in the queue (moto delivers a rule's targets within PutEvents), left visible for the dispatcher.</summary>
    private static async Task<List<string>> ReceiveAllAsync(LocalReplication h)
    {
        var bodies = new Dictionary<string, string>();
        while (true)
        {
            var received = await h.Sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = h.Queues.QueueUrl, MaxNumberOfMessages = 10, VisibilityTimeout = 0 });
            var fresh = (received.Messages ?? []).Where(m => bodies.TryAdd(m.MessageId, m.Body)).ToList();
            if (fresh.Count == 0)
            {
                return [.. bodies.Values];
            }
        }
    }

    /// <summary>Resolves <c>Fn::Join</c> and <c>Ref: AWS::Partition</c> (the only intrinsics in a rule pattern) as CloudFormation would in aws.</summary>
    private static JsonNode ResolvePartition(JsonNode node) => node switch
    {
        JsonObject { Count: 1 } o when o["Ref"]?.GetValue<string>() == "AWS::Partition" => JsonValue.Create("aws"),
        JsonObject { Count: 1 } o when o["Fn::Join"] is JsonArray join =>
            JsonValue.Create(string.Join((string)join[0]!, join[1]!.AsArray().Select(p => ResolvePartition(p!).GetValue<string>()))),
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)ResolvePartition(p.Value!)))),
        JsonArray a => new JsonArray([.. a.Select(i => (JsonNode?)ResolvePartition(i!))]),
        _ => node.DeepClone(),
    };
}

using System.Text.Json.Nodes;
using Amazon.SQS.Model;
using AmiReplicator.Contract;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.LocalCloud;
using AmiReplicator.TestSupport;
using SeedImage = AmiReplicator.Ec2Simulator.SeedImage;

namespace AmiReplicator.EndToEnd.Tests;

/// <summary>
/// The distribution completed event through the real handlers on the local cloud: PutEvents on moto's default bus, where a
/// pipeline's rule sends it to its SQS queue.
/// </summary>
[Collection(LocalCloudFixture.Collection)]
public class DistributionEventTests(LocalCloudFixture cloud)
{
    [Fact]
    public async Task A_rule_on_the_default_bus_receives_one_completed_event_with_the_counts_when_every_copy_has_ended()
    {
        await using var h = await LocalReplication.StartAsync(cloud.Servers, """{"destinations":[{"region":"eu-west-1"},{"region":"eu-central-1"}]}""");
        var imageId = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-events" });
        var queueUrl = (await h.Sqs.CreateQueueAsync($"pipeline-{imageId}")).QueueUrl;
        var queueArn = (await h.Sqs.GetQueueAttributesAsync(queueUrl, ["QueueArn"])).QueueARN;
        // The pipeline's rule on the default bus (shared by every test on moto: it names this AMI, so it gets this test's event only).
        using var http = new HttpClient();
        var pattern = new JsonObject
        {
            ["source"] = new JsonArray(DistributionCompleted.Source),
            ["detail-type"] = new JsonArray(DistributionCompleted.DetailType),
            ["detail"] = new JsonObject { ["sourceImageId"] = new JsonArray(imageId) },
        };
        await new LocalEventBus(http, cloud.Servers.MotoUrl, LocalReplication.Home, "default").RouteToQueueAsync($"completed-{imageId}", pattern.ToJsonString(), queueArn);

        await h.SendAsync(LocalReplication.AvailableEvent("us-east-1", imageId));
        await h.DeliverAsync();
        await h.RunPollerUntilDoneAsync();
        for (var pass = 0; pass < 3; pass++)
        {
            h.Clock.Advance(TimeSpan.FromMinutes(1));
            await h.RunPollerAsync();
        }

        var received = await h.Sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queueUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 1 });
        var message = JsonNode.Parse(Assert.Single(received.Messages).Body)!;
        Assert.Equal((DistributionCompleted.Source, DistributionCompleted.DetailType), ((string?)message["source"], (string?)message["detail-type"]));
        var detail = message["detail"]!;
        Assert.Equal((imageId, "us-east-1", $"us-east-1/{imageId}/0"), ((string?)detail["sourceImageId"], (string?)detail["sourceRegion"], (string?)detail["completionId"]));
        Assert.Equal(2, (int)detail["byState"]!["AVAILABLE"]!);
        Assert.Empty(detail["byFailureCode"]!.AsObject());
        Assert.Contains((ReplicatorFunctions.Poller, new AwsPermission("events:PutEvents", PermissionScope.DefaultEventBus)), h.Permissions.Observed.Keys);
    }
}

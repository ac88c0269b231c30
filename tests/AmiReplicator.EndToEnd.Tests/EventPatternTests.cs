using Amazon.SQS.Model;
using AmiReplicator.LocalCloud;
using AmiReplicator.Messages;

namespace AmiReplicator.EndToEnd.Tests;

/// <summary>The stack's rule pattern, on moto's EventBridge: matching events, and only those, reach the request queue.</summary>
[Collection(LocalCloudCollection.Name)]
public class EventPatternTests(LocalCloudFixture cloud)
{
    private static string Event(string source, string detailType, string state, string imageId) => $$$"""
        {"version":"0","id":"x","detail-type":"{{{detailType}}}","source":"{{{source}}}","account":"123456789012",
         "time":"2026-11-25T08:00:00Z","region":"us-east-1","resources":["arn:aws:ec2:us-east-1::image/{{{imageId}}}"],
         "detail":{"RequestId":"r","ImageId":"{{{imageId}}}","State":"{{{state}}}","ErrorMessage":""}}
        """;

    [Fact]
    public async Task Only_available_AMI_events_are_enqueued_and_the_dispatcher_replicates_them()
    {
        await using var h = await LocalReplication.StartAsync(cloud.Servers, """{"destinations":[{"region":"eu-west-1"}]}""");
        var sourceId = h.Simulator.SeedImage("us-east-1", new Ec2Simulator.SeedImage { Name = "golden-1" });
        using var http = new HttpClient();
        var bus = await LocalEventBus.CreateAsync(http, cloud.MotoUrl, "us-east-1", h.Queues.QueueArn.Split(':')[^1]);
        await bus.RouteToQueueAsync("ami-available", EventPatterns.AmiAvailable, h.Queues.QueueArn);

        await bus.PutAsync(Event("aws.ec2", "EC2 AMI State Change", "available", sourceId));
        await bus.PutAsync(Event("aws.ec2", "EC2 AMI State Change", "failed", "ami-0000000000000000f"));
        await bus.PutAsync(Event("aws.ec2", "EC2 AMI State Change", "deregistered", "ami-0000000000000000d"));
        await bus.PutAsync(Event("aws.ec2", "EC2 Instance State-change Notification", "available", "ami-0000000000000000e"));
        await bus.PutAsync(Event("my.pipeline", "EC2 AMI State Change", "available", "ami-0000000000000000a"));

        var received = await h.Sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = h.Queues.QueueUrl, MaxNumberOfMessages = 10, VisibilityTimeout = 0 });
        var message = Assert.Single(received.Messages ?? []);
        var change = Assert.IsType<InboundMessage.ImageChanged>(InboundMessage.Parse(message.Body)).Event;
        Assert.Equal(("us-east-1", sourceId, "available"), (change.Region, change.ImageId, change.State));

        await h.DeliverAsync();
        var job = Assert.Single(await h.RunPollerUntilDoneAsync());
        Assert.Equal(Domain.Jobs.CopyJobState.Available, job.State);
    }
}

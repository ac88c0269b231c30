using Amazon.SQS.Model;
using AmiReplicator.LocalCloud;
using AmiReplicator.Messages;
using AmiReplicator.TestSupport;
using RegionAccess = AmiReplicator.Ec2Simulator.RegionAccess;
using SeedImage = AmiReplicator.Ec2Simulator.SeedImage;

namespace AmiReplicator.EndToEnd.Tests;

/// <summary>
/// What the dispatcher does with every kind of message: one that can never succeed reaches the DLQ on its first delivery with
/// its reason (and nothing of it is written), one that may succeed later is redelivered, and no record fails the others.
/// </summary>
[Collection(LocalCloudFixture.Collection)]
public class MessageHandlingTests(LocalCloudFixture cloud)
{
    private const string Policy = """{"destinations":[{"region":"eu-west-1"},{"region":"eu-central-1"}]}""";

    private static string Request(string imageId, string destinations = "") =>
        $$"""{"sourceRegion":"us-east-1","sourceImageId":"{{imageId}}","requestedBy":"alice"{{destinations}}}""";

    /// <summary>One delivery of everything visible (one batch), as Lambda's event source hands it over.</summary>
    private static async Task<BatchOutcome> DeliverOnceAsync(LocalReplication h) =>
        await h.EventSource.PollOnceAsync(h.Replicator.Dispatcher.HandleJsonAsync, CancellationToken.None);

    private static async Task<Dictionary<string, string>> DeadLetterReasonsAsync(LocalReplication h)
    {
        var reasons = new Dictionary<string, string>();
        for (var i = 0; i < 5; i++)
        {
            foreach (var message in await h.DeadLettersAsync())
            {
                reasons[message.Body] = message.MessageAttributes[IDeadLetterQueue.ReasonAttribute].StringValue;
                await h.Sqs.DeleteMessageAsync(h.Queues.DeadLetterQueueUrl, message.ReceiptHandle);
            }
        }

        return reasons;
    }

    [Fact]
    public async Task Messages_that_can_never_succeed_reach_the_DLQ_on_their_first_delivery_with_their_reason_and_the_rest_of_the_batch_is_handled()
    {
        await using var h = await LocalReplication.StartAsync(cloud.Servers, Policy, maxReceiveCount: 5);
        var good = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-good" });
        var disabled = h.Simulator.SeedImage("us-east-1", new SeedImage { Name = "golden-disabled", State = "disabled" });
        var nullResource = """{"version":"0","id":"x","detail-type":"EC2 AMI State Change","source":"aws.ec2","region":"us-east-1","resources":[null],"detail":{"ImageId":"ami-0abcdef1234567890","State":"available"}}""";
        var sns = """{"Type":"Notification","MessageId":"m-1","TopicArn":"arn:aws:sns:us-east-1:123456789012:amis","Message":"{}"}""";
        var notInPolicy = Request(good, ""","destinations":["eu-west-1","ap-southeast-2"]""");
        var onlyItsSource = Request(good, ""","destinations":["us-east-1"]""");
        var missing = Request("ami-0123456789abcdef0");
        var disabledRequest = Request(disabled);
        foreach (var body in new[] { nullResource, sns, notInPolicy, onlyItsSource, missing, disabledRequest, Request(good) })
        {
            await h.SendAsync(body);
        }

        var outcome = await DeliverOnceAsync(h);

        Assert.Equal(7, outcome.Delivered);
        Assert.Empty(outcome.FailedMessageIds);
        var reasons = await DeadLetterReasonsAsync(h);
        Assert.Equal(6, reasons.Count);
        Assert.Contains("resources holds null", reasons[nullResource], StringComparison.Ordinal);
        Assert.Contains("SNS 'Notification' envelope", reasons[sns], StringComparison.Ordinal);
        Assert.Contains("destination ap-southeast-2 is not in the replication policy", reasons[notInPolicy], StringComparison.Ordinal);
        Assert.Contains("is the source's own region", reasons[onlyItsSource], StringComparison.Ordinal);
        Assert.Contains("does not exist in us-east-1", reasons[missing], StringComparison.Ordinal);
        Assert.Contains("is disabled", reasons[disabledRequest], StringComparison.Ordinal);
        // The request naming one destination outside the policy wrote nothing, not even for the one inside it.
        var jobs = await h.JobsAsync();
        Assert.Equal(["eu-central-1", "eu-west-1"], jobs.Select(j => j.Key.DestinationRegion).Order(StringComparer.Ordinal));
        Assert.All(jobs, j => Assert.Equal(good, j.Key.SourceImageId));
    }

    [Theory]
    [InlineData(RegionAccess.NotOptedIn, "AuthFailure", "is ap-east-1 enabled for this account?")]
    [InlineData(RegionAccess.Denied, "UnauthorizedOperation", "allow the replicator's role to read it")]
    public async Task A_source_in_a_region_the_account_cannot_read_goes_to_the_DLQ_on_its_first_delivery_with_a_reason_naming_the_region(
        RegionAccess access, string code, string hint)
    {
        await using var h = await LocalReplication.StartAsync(cloud.Servers, Policy, o => o with { Regions = [.. o.Regions, "ap-east-1"] }, maxReceiveCount: 5);
        h.Simulator.SetRegionAccess("ap-east-1", access);
        var request = $$"""{"sourceRegion":"ap-east-1","sourceImageId":"ami-0123456789abcdef0","requestedBy":"alice"}""";
        await h.SendAsync(request);
        await h.SendAsync(LocalReplication.AvailableEvent("ap-east-1", "ami-0fedcba9876543210"));

        var outcome = await DeliverOnceAsync(h);

        Assert.Empty(outcome.FailedMessageIds);
        var reasons = await DeadLetterReasonsAsync(h);
        Assert.Equal(2, reasons.Count);
        Assert.All(reasons.Values, reason =>
        {
            Assert.StartsWith("source region ap-east-1 refuses to describe ami-", reason, StringComparison.Ordinal);
            Assert.Contains(code, reason, StringComparison.Ordinal);
            Assert.Contains(hint, reason, StringComparison.Ordinal);
        });
        Assert.Empty(await h.JobsAsync());
    }

    [Fact]
    public async Task A_message_the_DLQ_cannot_take_now_is_redelivered_not_lost()
    {
        await using var h = await LocalReplication.StartAsync(cloud.Servers, Policy, maxReceiveCount: 5);
        await h.Sqs.DeleteQueueAsync(h.Queues.DeadLetterQueueUrl);
        await h.SendAsync("not json");

        var outcome = await DeliverOnceAsync(h);

        Assert.Single(outcome.FailedMessageIds);
        Assert.Contains("will be redelivered", h.Log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Receiving_the_DLQ_shows_each_message_with_the_reason_attribute_operators_read()
    {
        await using var h = await LocalReplication.StartAsync(cloud.Servers, Policy);
        await h.SendAsync("[1,2]");
        await DeliverOnceAsync(h);

        var received = await h.Sqs.ReceiveMessageAsync(new ReceiveMessageRequest
        {
            QueueUrl = h.Queues.DeadLetterQueueUrl,
            MessageAttributeNames = ["All"],
        });

        var message = Assert.Single(received.Messages);
        Assert.Equal("[1,2]", message.Body);
        Assert.Equal("malformed message: body is not a JSON object", message.MessageAttributes[IDeadLetterQueue.ReasonAttribute].StringValue);
        Assert.Equal("1", message.MessageAttributes["ReceiveCount"].StringValue);
    }
}

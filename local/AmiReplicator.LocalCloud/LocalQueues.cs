using System.Globalization;
using Amazon.SQS;
using Amazon.SQS.Model;

namespace AmiReplicator.LocalCloud;

/// <summary>A request queue with its DLQ, as the stack makes them (redrive after maxReceiveCount deliveries).</summary>
public sealed record LocalQueues(string QueueUrl, string QueueArn, string DeadLetterQueueUrl)
{
    public static async Task<LocalQueues> CreateAsync(IAmazonSQS sqs, string name, int maxReceiveCount, TimeSpan visibilityTimeout)
    {
        var dlqUrl = (await sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = $"{name}-dlq" })).QueueUrl;
        var dlqArn = await ArnOfAsync(sqs, dlqUrl);
        var queueUrl = (await sqs.CreateQueueAsync(new CreateQueueRequest
        {
            QueueName = name,
            Attributes = new()
            {
                ["VisibilityTimeout"] = ((int)visibilityTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture),
                ["RedrivePolicy"] = $"{{\"deadLetterTargetArn\":\"{dlqArn}\",\"maxReceiveCount\":\"{maxReceiveCount}\"}}",
            },
        })).QueueUrl;
        return new LocalQueues(queueUrl, await ArnOfAsync(sqs, queueUrl), dlqUrl);
    }

    private static async Task<string> ArnOfAsync(IAmazonSQS sqs, string queueUrl) =>
        (await sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest { QueueUrl = queueUrl, AttributeNames = ["QueueArn"] })).QueueARN;
}

using System.Text.Json;
using Amazon.SQS;
using Amazon.SQS.Model;
using AmiReplicator.Contract;
using AmiReplicator.LocalCloud.Permissions;
using AmiReplicator.Messages;

namespace AmiReplicator.LocalCloud;

/// <summary>
/// Does locally what Lambda's SQS event source mapping does: receives a batch, hands it to the function as the
/// SQS event JSON, deletes the messages the partial batch response does not list, and leaves the listed ones to
/// come back after the visibility timeout (and to the DLQ after the queue's maxReceiveCount). Only the function's own calls run
/// as the dispatcher (<see cref="FunctionScope"/>): receiving and deleting messages is Lambda's part, also when the caller
/// runs the whole delivery as the dispatcher.
/// </summary>
public sealed class SqsEventSource(IAmazonSQS sqs, string queueUrl, string queueArn, string region)
{
    /// <summary>One poll: answers how many messages were handed to the function (0 when the queue had none visible).</summary>
    /// <param name="batchSize">Messages per invocation at most: above SQS's 10 per receive, gathered from several receives, as Lambda's poller does.</param>
    /// <param name="gathered">Told how many messages the batch holds before the function gets them (a fuller batch waits no window).</param>
    public async Task<BatchOutcome> PollOnceAsync(Func<string, CancellationToken, Task<string>> function, CancellationToken cancellationToken, int batchSize = 10,
        Action<int>? gathered = null)
    {
        var messages = new List<Message>();
        while (messages.Count < batchSize)
        {
            var asked = Math.Min(10, batchSize - messages.Count);
            var received = await FunctionScope.RunAsLambdaAsync(() => sqs.ReceiveMessageAsync(new ReceiveMessageRequest
            {
                QueueUrl = queueUrl,
                MaxNumberOfMessages = asked,
                WaitTimeSeconds = 0,
                MessageSystemAttributeNames = ["All"],
                MessageAttributeNames = ["All"],
            }, cancellationToken));
            if (received.Messages is not { Count: > 0 } batch)
            {
                break;
            }

            messages.AddRange(batch);
            if (batch.Count < asked)
            {
                break;
            }
        }

        if (messages.Count == 0)
        {
            return new BatchOutcome(0, new HashSet<string>());
        }

        gathered?.Invoke(messages.Count);
        var sqsEvent = new SqsEvent { Records = messages.Select(ToRecord).ToList() };
        var payload = JsonSerializer.Serialize(sqsEvent, MessagesJsonContext.Default.SqsEvent);
        var answer = await FunctionScope.RunAsync(ReplicatorFunctions.Dispatcher, () => function(payload, cancellationToken));
        var failed = (JsonSerializer.Deserialize(answer, MessagesJsonContext.Default.SqsBatchResponse)?.BatchItemFailures ?? [])
            .Select(f => f.ItemIdentifier)
            .ToHashSet();
        foreach (var message in messages.Where(m => !failed.Contains(m.MessageId)))
        {
            await FunctionScope.RunAsLambdaAsync(() => sqs.DeleteMessageAsync(queueUrl, message.ReceiptHandle, cancellationToken));
        }

        return new BatchOutcome(messages.Count, failed);
    }

    private SqsMessage ToRecord(Message m) => new()
    {
        MessageId = m.MessageId,
        ReceiptHandle = m.ReceiptHandle,
        Body = m.Body,
        Attributes = m.Attributes ?? [],
        MessageAttributes = (m.MessageAttributes ?? []).ToDictionary(a => a.Key, a => new SqsMessageAttribute
        {
            StringValue = a.Value.StringValue,
            DataType = a.Value.DataType,
        }),
        Md5OfBody = m.MD5OfBody,
        EventSource = "aws:sqs",
        EventSourceArn = queueArn,
        AwsRegion = region,
    };
}

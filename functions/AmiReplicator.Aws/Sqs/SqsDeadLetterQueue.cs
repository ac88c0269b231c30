using System.Globalization;
using Amazon.SQS;
using Amazon.SQS.Model;
using AmiReplicator.Messages;

namespace AmiReplicator.Aws.Sqs;

/// <summary>Sends a message that can never succeed to the request queue's DLQ, body unchanged, with why and where it came from.</summary>
public sealed class SqsDeadLetterQueue(IAmazonSQS sqs, string queueUrl) : IDeadLetterQueue
{
    // SQS allows 256 KiB per message, attributes included; a reason is never near that, but a runaway one must not cost the message.
    private const int MaxReasonLength = 4096;

    public Task SendAsync(SqsMessage message, string reason, CancellationToken cancellationToken) =>
        sqs.SendMessageAsync(new SendMessageRequest
        {
            QueueUrl = queueUrl,
            MessageBody = message.Body,
            MessageAttributes = new Dictionary<string, MessageAttributeValue>
            {
                [IDeadLetterQueue.ReasonAttribute] = Text(reason.Length <= MaxReasonLength ? reason : reason[..MaxReasonLength]),
                [IDeadLetterQueue.OriginalMessageIdAttribute] = Text(message.MessageId),
                [IDeadLetterQueue.ReceiveCountAttribute] = new MessageAttributeValue { DataType = "Number", StringValue = message.ReceiveCount.ToString(CultureInfo.InvariantCulture) },
            },
        }, cancellationToken);

    private static MessageAttributeValue Text(string value) => new() { DataType = "String", StringValue = value };
}

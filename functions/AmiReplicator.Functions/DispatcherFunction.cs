using System.Text.Json;
using AmiReplicator.Domain.Workflows;
using AmiReplicator.Messages;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Functions;

/// <summary>
/// The SQS-triggered handler. Each record is handled on its own; a record that fails is listed in the
/// partial batch response, so SQS redelivers it and, after the queue's maxReceiveCount, moves it to the DLQ.
/// </summary>
public sealed class DispatcherFunction(ReplicationDispatcher dispatcher, ILogger<DispatcherFunction> log)
{
    public async Task<string> HandleJsonAsync(string payload, CancellationToken cancellationToken)
    {
        var sqsEvent = JsonSerializer.Deserialize(payload, MessagesJsonContext.Default.SqsEvent)
            ?? throw new JsonException("The invocation payload is not an SQS event.");
        var response = await HandleAsync(sqsEvent, cancellationToken);
        return JsonSerializer.Serialize(response, MessagesJsonContext.Default.SqsBatchResponse);
    }

    public async Task<SqsBatchResponse> HandleAsync(SqsEvent sqsEvent, CancellationToken cancellationToken)
    {
        var response = new SqsBatchResponse();
        foreach (var record in sqsEvent.Records)
        {
            if (!await HandleRecordAsync(record, cancellationToken))
            {
                response.BatchItemFailures.Add(new BatchItemFailure { ItemIdentifier = record.MessageId });
            }
        }

        return response;
    }

    private async Task<bool> HandleRecordAsync(SqsMessage record, CancellationToken cancellationToken)
    {
        switch (InboundMessage.Parse(record.Body))
        {
            case InboundMessage.Malformed malformed:
                log.LogError("Message {MessageId} is malformed (delivery {ReceiveCount}); it is bound for the DLQ: {Reason}",
                    record.MessageId, record.ReceiveCount, malformed.Reason);
                return false;
            case InboundMessage.Ignore ignore:
                log.LogInformation("Message {MessageId} ignored: {Reason}", record.MessageId, ignore.Reason);
                return true;
            case InboundMessage.Replicate replicate:
                return await DispatchAsync(record, replicate.Request.SourceImageId, () => dispatcher.DispatchAsync(replicate.Request, cancellationToken));
            case InboundMessage.ImageChanged changed:
                return await DispatchAsync(record, changed.Event.ImageId, () => dispatcher.OnImageChangedAsync(changed.Event, cancellationToken));
            default:
                throw new InvalidOperationException("Unknown message kind.");
        }
    }

    private async Task<bool> DispatchAsync(SqsMessage record, string imageId, Func<Task<DispatchReport>> dispatch)
    {
        try
        {
            var report = await dispatch();
            if (report.IgnoredBecause is { } reason)
            {
                log.LogInformation("Message {MessageId} ({ImageId}) ignored: {Reason}", record.MessageId, imageId, reason);
            }
            else
            {
                log.LogInformation("Message {MessageId}: {ImageId} -> {Jobs}", record.MessageId, imageId,
                    string.Join(", ", report.Jobs.Select(j => $"{j.Key.DestinationRegion}={j.State}")));
            }

            return true;
        }
        catch (RequestFailedException e)
        {
            log.LogError("Message {MessageId} (delivery {ReceiveCount}) failed{Permanence}: {Reason}", record.MessageId,
                record.ReceiveCount, e.Permanent ? " for good and is bound for the DLQ" : "; it will be redelivered", e.Message);
            return false;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogError(e, "Message {MessageId} (delivery {ReceiveCount}) failed; it will be redelivered", record.MessageId, record.ReceiveCount);
            return false;
        }
    }
}

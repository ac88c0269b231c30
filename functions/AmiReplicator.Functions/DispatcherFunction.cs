using System.Text.Json;
using AmiReplicator.Domain.Copying;
using AmiReplicator.Domain.Slots;
using AmiReplicator.Domain.Targets;
using AmiReplicator.Messages;
using Microsoft.Extensions.Logging;

namespace AmiReplicator.Functions;

/// <summary>
/// The SQS-triggered handler. Each record is handled on its own: one that can never succeed (malformed, asking for what the policy
/// does not allow, naming an AMI that does not exist) goes to the DLQ at once with its reason and is acknowledged; one that failed
/// for now is listed in the partial batch response, so SQS redelivers it. Nothing a record holds can fail the others.
/// </summary>
public sealed class DispatcherFunction(ReplicationDispatcher dispatcher, IDeadLetterQueue deadLetters, ILogger<DispatcherFunction> log)
{
    public async Task<string> HandleJsonAsync(string payload, CancellationToken cancellationToken)
    {
        var sqsEvent = JsonSerializer.Deserialize(payload, MessagesJsonContext.Default.SqsEvent)
            ?? throw new JsonException("The invocation payload is not an SQS event.");
        var response = await HandleAsync(sqsEvent, cancellationToken);
        return JsonSerializer.Serialize(response, MessagesJsonContext.Default.SqsBatchResponse);
    }

    /// <summary>The target list, loaded once per batch: every record of it sees the same target accounts.</summary>
    public TargetListSync? Targets { get; init; }

    public async Task<SqsBatchResponse> HandleAsync(SqsEvent sqsEvent, CancellationToken cancellationToken)
    {
        if (Targets is not null)
        {
            await Targets.LoadAsync(cancellationToken);
        }

        var response = new SqsBatchResponse();
        // A batch (the event source's batching window gathers a burst into one) starts its new jobs together, largest first, and
        // reads the images its messages name together first.
        var invocation = dispatcher.NewInvocation(startsTogether: true);
        var messages = sqsEvent.Records.Select(r => (Record: r, Message: Parse(r))).ToList();
        await ReadAheadAsync([.. messages.Select(m => m.Message).OfType<InboundMessage>()], invocation, cancellationToken);
        foreach (var (record, message) in messages)
        {
            // Near the deadline, the records not handled yet are handed back for redelivery rather than cut off half way.
            if (cancellationToken.IsCancellationRequested || !await HandleRecordAsync(record, message, invocation, cancellationToken))
            {
                response.BatchItemFailures.Add(new BatchItemFailure { ItemIdentifier = record.MessageId });
            }
        }

        await StartTogetherAsync(invocation, cancellationToken);
        return response;
    }

    /// <summary>
    /// Starts what the batch recorded. Its messages are handled already: jobs that cannot start now (an error, the deadline) wait, and
    /// the poller's next pass starts them.
    /// </summary>
    private async Task StartTogetherAsync(DispatchInvocation invocation, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            log.LogWarning("Near the deadline: the batch's new jobs wait for the poller's next pass");
            return;
        }

        try
        {
            var started = await dispatcher.StartTogetherAsync(invocation, cancellationToken);
            log.LogInformation("{Started} new jobs of the batch started", started);
        }
        catch (Exception e) when (e is not OperationCanceledException || cancellationToken.IsCancellationRequested)
        {
            log.LogError(e, "Starting the batch's new jobs failed; they wait for the poller's next pass");
        }
    }

    /// <summary>The record's message, or null when reading it failed unexpectedly (the record is redelivered, the others go on).</summary>
    private InboundMessage? Parse(SqsMessage record)
    {
        try
        {
            return InboundMessage.Parse(record.Body ?? "");
        }
        catch (Exception e)
        {
            log.LogError(e, "Message {MessageId} (delivery {ReceiveCount}) could not be read; it will be redelivered", record.MessageId, record.ReceiveCount);
            return null;
        }
    }

    /// <summary>The images the messages name, read together; a failure leaves each message to read its own.</summary>
    private async Task ReadAheadAsync(IReadOnlyList<InboundMessage> messages, DispatchInvocation invocation, CancellationToken cancellationToken)
    {
        try
        {
            await dispatcher.ReadAheadAsync(messages.OfType<InboundMessage.Replicate>().Select(m => m.Request),
                messages.OfType<InboundMessage.ImageChanged>().Select(m => m.Event), invocation, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || cancellationToken.IsCancellationRequested)
        {
            log.LogWarning(e, "Reading the batch's images ahead failed; each message reads its own");
        }
    }

    /// <summary>Answers whether the record is done with (handled, ignored, or dead-lettered); false has it redelivered.</summary>
    private async Task<bool> HandleRecordAsync(SqsMessage record, InboundMessage? message, DispatchInvocation invocation, CancellationToken cancellationToken)
    {
        try
        {
            return message switch
            {
                null => false,
                InboundMessage.Malformed malformed => await DeadLetterAsync(record, $"malformed message: {malformed.Reason}", cancellationToken),
                InboundMessage.Ignore ignore => Ignored(record, ignore.Reason),
                InboundMessage.Replicate replicate => await DispatchAsync(record, replicate.Request.SourceImageId,
                    () => dispatcher.DispatchAsync(replicate.Request, invocation, cancellationToken), cancellationToken),
                InboundMessage.ImageChanged changed => await DispatchAsync(record, changed.Event.ImageId,
                    () => dispatcher.OnImageChangedAsync(changed.Event, invocation, cancellationToken), cancellationToken),
                _ => throw new InvalidOperationException("Unknown message kind."),
            };
        }
        catch (Exception e) when (e is not OperationCanceledException || cancellationToken.IsCancellationRequested)
        {
            log.LogError(e, "Message {MessageId} (delivery {ReceiveCount}) failed; it will be redelivered", record.MessageId, record.ReceiveCount);
            return false;
        }
    }

    private bool Ignored(SqsMessage record, string reason)
    {
        log.LogInformation("Message {MessageId} ignored: {Reason}", record.MessageId, reason);
        return true;
    }

    private async Task<bool> DispatchAsync(SqsMessage record, string imageId, Func<Task<DispatchReport>> dispatch, CancellationToken cancellationToken)
    {
        DispatchReport report;
        try
        {
            report = await dispatch();
        }
        catch (RequestFailedException e) when (e.Permanent)
        {
            return await DeadLetterAsync(record, e.Message, cancellationToken);
        }
        catch (RequestFailedException e)
        {
            log.LogWarning("Message {MessageId} ({ImageId}, delivery {ReceiveCount}) cannot be handled yet; it will be redelivered: {Reason}",
                record.MessageId, imageId, record.ReceiveCount, e.Message);
            return false;
        }

        if (report.IgnoredBecause is { } reason)
        {
            return Ignored(record, $"{imageId}: {reason}");
        }

        log.LogInformation("Message {MessageId}: {ImageId} -> {Jobs}", record.MessageId, imageId,
            string.Join(", ", report.Jobs.Select(j => $"{j.Key.DestinationRegion}={j.State}")));
        return true;
    }

    /// <summary>The message goes to the DLQ now with its reason; if even that fails, it is redelivered (and lands there later).</summary>
    private async Task<bool> DeadLetterAsync(SqsMessage record, string reason, CancellationToken cancellationToken)
    {
        log.LogError("Message {MessageId} (delivery {ReceiveCount}) can never succeed and goes to the DLQ: {Reason}", record.MessageId, record.ReceiveCount, reason);
        await deadLetters.SendAsync(record, reason, cancellationToken);
        return true;
    }
}

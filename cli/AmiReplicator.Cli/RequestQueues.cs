using System.Globalization;
using System.Text.Json;
using Amazon.SQS;
using Amazon.SQS.Model;
using AmiReplicator.Messages;

namespace AmiReplicator.Cli;

/// <summary>
/// The request queue and its DLQ as an operator sees them: how many requests wait, and each dead letter with the reason the
/// dispatcher gave it (<see cref="IDeadLetterQueue.ReasonAttribute"/>; none when SQS moved it after the queue's maxReceiveCount).
/// </summary>
internal sealed class RequestQueues(IAmazonSQS sqs, string queueUrl, string? deadLetterQueueUrl)
{
    /// <summary>How long a look at the DLQ hides its messages from another look; each is made visible again as soon as the look ends.</summary>
    private static readonly TimeSpan Hold = TimeSpan.FromSeconds(30);

    public string QueueUrl => queueUrl;

    public string? DeadLetterQueueUrl => deadLetterQueueUrl;

    public string RequireDeadLetterQueueUrl() => deadLetterQueueUrl
        ?? throw new CliException(ExitCodes.NotFound, "the request queue has no DLQ (no redrive policy): pass --dlq-url");

    /// <summary>The DLQ the queue's redrive policy names (null: none), found by its name and account.</summary>
    public static async Task<string?> DeadLetterQueueOfAsync(IAmazonSQS sqs, string queueUrl, CancellationToken cancellationToken)
    {
        var attributes = await sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest { QueueUrl = queueUrl, AttributeNames = ["RedrivePolicy"] }, cancellationToken);
        if (attributes.Attributes?.GetValueOrDefault("RedrivePolicy") is not { Length: > 0 } redrive)
        {
            return null;
        }

        using var policy = JsonDocument.Parse(redrive);
        // arn:PARTITION:sqs:REGION:ACCOUNT:NAME
        return policy.RootElement.TryGetProperty("deadLetterTargetArn", out var arn) && arn.GetString()?.Split(':') is [_, _, "sqs", _, var account, var name]
            ? (await sqs.GetQueueUrlAsync(new GetQueueUrlRequest { QueueName = name, QueueOwnerAWSAccountId = account }, cancellationToken)).QueueUrl
            : null;
    }

    /// <summary>The messages of a queue: waiting, taken by a consumer and not yet deleted, and delayed (SQS's approximate counts).</summary>
    public async Task<QueueCounts> CountAsync(string url, CancellationToken cancellationToken)
    {
        var attributes = (await sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest
        {
            QueueUrl = url,
            AttributeNames = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"],
        }, cancellationToken)).Attributes ?? [];
        int Count(string name) => attributes.TryGetValue(name, out var value) && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        return new QueueCounts(Count("ApproximateNumberOfMessages"), Count("ApproximateNumberOfMessagesNotVisible"), Count("ApproximateNumberOfMessagesDelayed"));
    }

    /// <summary>
    /// The queues as `status` and `watch` show them: the requests waiting, and the dead letters with (of the first
    /// <paramref name="lookAt"/>) how many per reason.
    /// </summary>
    public async Task<QueueState> StateAsync(int lookAt, CancellationToken cancellationToken)
    {
        var requests = await CountAsync(queueUrl, cancellationToken);
        if (deadLetterQueueUrl is null)
        {
            return new QueueState(queueUrl, requests, null, null, []);
        }

        var dead = await CountAsync(deadLetterQueueUrl, cancellationToken);
        var letters = dead.Total == 0 ? [] : await PeekAsync(lookAt, cancellationToken);
        return new QueueState(queueUrl, requests, deadLetterQueueUrl, dead,
            [.. letters.GroupBy(l => l.Reason).Select(g => new ReasonCount(g.Key, g.Count())).OrderByDescending(r => r.Count).ThenBy(r => r.Reason, StringComparer.Ordinal)]);
    }

    /// <summary>
    /// The dead letters of the request queue's messages <paramref name="messageIds"/> (by the id each names as its original), among
    /// the first <see cref="StatusCommand.ReasonsCounted"/> of the DLQ; none without a DLQ.
    /// </summary>
    public async Task<Dictionary<string, DeadLetter>> DeadLettersOfAsync(IReadOnlyCollection<string> messageIds, CancellationToken cancellationToken)
    {
        if (deadLetterQueueUrl is null || (await CountAsync(deadLetterQueueUrl, cancellationToken)).Total == 0)
        {
            return [];
        }

        return (await PeekAsync(StatusCommand.ReasonsCounted, cancellationToken))
            .Where(l => l.OriginalMessageId is { } id && messageIds.Contains(id))
            .DistinctBy(l => l.OriginalMessageId)
            .ToDictionary(l => l.OriginalMessageId!, StringComparer.Ordinal);
    }

    /// <summary>Up to <paramref name="max"/> dead letters, each once, left in the DLQ as they were.</summary>
    public async Task<List<DeadLetter>> PeekAsync(int max, CancellationToken cancellationToken)
    {
        var held = await ReceiveAsync(max, _ => true, cancellationToken);
        await ReleaseAsync(held, cancellationToken);
        return [.. held.Select(h => h.Letter)];
    }

    /// <summary>
    /// Sends each dead letter <paramref name="wanted"/> takes back to the request queue, body unchanged, and deletes it from the DLQ
    /// only once the send succeeded. A crash between the two leaves it in the DLQ (visible again after <see cref="Hold"/>), so a
    /// later redrive sends it again: a request handled twice does nothing more than once (jobs are created if absent; a failed one
    /// is started over only while it has failed). Dead letters of the requests this redrive sent are left alone, so that a request
    /// the dispatcher refuses again is not sent round and round.
    /// </summary>
    public async Task<List<DeadLetter>> RedriveAsync(Func<DeadLetter, bool> wanted, CancellationToken cancellationToken)
    {
        var sent = new HashSet<string>(StringComparer.Ordinal);
        var redriven = new List<DeadLetter>();
        while (true)
        {
            var held = await ReceiveAsync(10, l => wanted(l) && (l.OriginalMessageId is null || !sent.Contains(l.OriginalMessageId)), cancellationToken);
            if (held.Count == 0)
            {
                return redriven;
            }

            var response = await sqs.SendMessageBatchAsync(new SendMessageBatchRequest
            {
                QueueUrl = queueUrl,
                Entries = [.. held.Select((h, i) => new SendMessageBatchRequestEntry(i.ToString(CultureInfo.InvariantCulture), h.Letter.Body))],
            }, cancellationToken);
            var succeeded = (response.Successful ?? []).ToDictionary(s => int.Parse(s.Id, CultureInfo.InvariantCulture), s => s.MessageId);
            sent.UnionWith(succeeded.Values);
            var delivered = held.Where((_, i) => succeeded.ContainsKey(i)).ToList();
            if (delivered.Count > 0)
            {
                await sqs.DeleteMessageBatchAsync(new DeleteMessageBatchRequest
                {
                    QueueUrl = deadLetterQueueUrl,
                    Entries = [.. delivered.Select((h, i) => new DeleteMessageBatchRequestEntry(i.ToString(CultureInfo.InvariantCulture), h.ReceiptHandle))],
                }, cancellationToken);
            }

            redriven.AddRange(delivered.Select(h => h.Letter));
            if (response.Failed is { Count: > 0 } failed)
            {
                await ReleaseAsync(held.Except(delivered).ToList(), cancellationToken);
                throw new CliException(ExitCodes.Error, $"SQS refused to send {failed.Count} dead letters back ({string.Join("; ", failed.Select(f => $"{f.Code}: {f.Message}"))}); "
                    + $"{redriven.Count} were sent back before; the others stay in the DLQ");
            }
        }
    }

    /// <summary>
    /// Receives dead letters (each once) until the DLQ shows no new one or <paramref name="max"/> are held; those <paramref name="keep"/>
    /// does not take are made visible again at once. Long polling of a second: a short poll samples only some of SQS's servers.
    /// </summary>
    private async Task<List<HeldLetter>> ReceiveAsync(int max, Func<DeadLetter, bool> keep, CancellationToken cancellationToken)
    {
        var url = RequireDeadLetterQueueUrl();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var held = new List<HeldLetter>();
        var passed = new List<HeldLetter>();
        try
        {
            while (held.Count < max)
            {
                var messages = (await sqs.ReceiveMessageAsync(new ReceiveMessageRequest
                {
                    QueueUrl = url,
                    MaxNumberOfMessages = Math.Min(10, max - held.Count),
                    VisibilityTimeout = (int)Hold.TotalSeconds,
                    WaitTimeSeconds = 1,
                    MessageAttributeNames = ["All"],
                    MessageSystemAttributeNames = ["SentTimestamp"],
                }, cancellationToken)).Messages ?? [];
                var fresh = messages.Where(m => seen.Add(m.MessageId)).Select(m => new HeldLetter(DeadLetter.Of(m), m.ReceiptHandle)).ToList();
                if (fresh.Count == 0)
                {
                    break;
                }

                held.AddRange(fresh.Where(h => keep(h.Letter)));
                passed.AddRange(fresh.Where(h => !keep(h.Letter)));
            }
        }
        finally
        {
            await ReleaseAsync(passed, CancellationToken.None);
        }

        return held;
    }

    /// <summary>Makes held dead letters visible again at once (a look must not hide them from the next one for <see cref="Hold"/>).</summary>
    private async Task ReleaseAsync(List<HeldLetter> held, CancellationToken cancellationToken)
    {
        foreach (var batch in held.Chunk(10))
        {
            await sqs.ChangeMessageVisibilityBatchAsync(new ChangeMessageVisibilityBatchRequest
            {
                QueueUrl = deadLetterQueueUrl,
                Entries = [.. batch.Select((h, i) => new ChangeMessageVisibilityBatchRequestEntry(i.ToString(CultureInfo.InvariantCulture), h.ReceiptHandle) { VisibilityTimeout = 0 })],
            }, cancellationToken);
        }
    }

    private sealed record HeldLetter(DeadLetter Letter, string ReceiptHandle);
}

/// <summary>A queue's messages: waiting, taken by a consumer and not yet deleted (being handled), delayed.</summary>
internal sealed record QueueCounts(int Waiting, int InFlight, int Delayed)
{
    public int Total => Waiting + InFlight + Delayed;
}

/// <summary>How many dead letters (of those looked at) have one reason.</summary>
internal sealed record ReasonCount(string Reason, int Count);

/// <summary>The request queue's requests and its DLQ's dead letters (null: no DLQ), with their reasons.</summary>
internal sealed record QueueState(string QueueUrl, QueueCounts Requests, string? DeadLetterQueueUrl, QueueCounts? DeadLetters, IReadOnlyList<ReasonCount> DeadLetterReasons)
{
    /// <summary>The queues as lines of text: the requests, then the dead letters by reason.</summary>
    public IEnumerable<string> Lines()
    {
        yield return $"Request queue: {Requests.Waiting} waiting, {Requests.InFlight} being handled{(Requests.Delayed > 0 ? $", {Requests.Delayed} delayed" : "")}";
        if (DeadLetters is { } dead)
        {
            yield return $"DLQ: {dead.Total} dead letters{(dead.Total > 0 ? " (amirepl dlq list; amirepl dlq redrive)" : "")}";
            foreach (var reason in DeadLetterReasons)
            {
                yield return $"  {reason.Count,4}  {reason.Reason}";
            }

            var counted = DeadLetterReasons.Sum(r => r.Count);
            if (dead.Total > counted && counted > 0)
            {
                yield return $"  (reasons of the first {counted} shown)";
            }
        }
    }
}

/// <summary>
/// One message of the DLQ: its id, why the dispatcher gave it up (<see cref="NoReason"/> when SQS moved it there after the queue's
/// maxReceiveCount deliveries), the request queue's message it copies, when that was first sent, and the body as it was sent.
/// </summary>
internal sealed record DeadLetter(string MessageId, string Reason, string? OriginalMessageId, int? ReceiveCount, DateTimeOffset? SentAt, string Body)
{
    public const string NoReason = "no reason: moved by SQS after the queue's maxReceiveCount deliveries";

    public static DeadLetter Of(Message message)
    {
        string? Attribute(string name) => message.MessageAttributes?.GetValueOrDefault(name)?.StringValue;
        return new DeadLetter(
            message.MessageId,
            Attribute(IDeadLetterQueue.ReasonAttribute) ?? NoReason,
            Attribute(IDeadLetterQueue.OriginalMessageIdAttribute),
            int.TryParse(Attribute(IDeadLetterQueue.ReceiveCountAttribute), NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : null,
            message.Attributes?.GetValueOrDefault("SentTimestamp") is { } sent && long.TryParse(sent, NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
                ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
                : null,
            message.Body ?? "");
    }
}

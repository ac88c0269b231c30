using System.Text.Json;
using Amazon.SQS;
using Amazon.SQS.Model;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Messages;

namespace AmiReplicator.Aws.Sqs;

/// <summary>Sends requests to the dispatcher's queue as copy request messages, ten to a call.</summary>
public sealed class SqsRequestQueue(IAmazonSQS sqs, string queueUrl) : IRequestQueue
{
    public Task SendAsync(IReadOnlyList<ReplicationRequest> requests, CancellationToken cancellationToken) => SendReturningIdsAsync(requests, cancellationToken);

    /// <summary>Sends the requests; answers each one's SQS message id, in order (a dead letter names it as its OriginalMessageId).</summary>
    public async Task<IReadOnlyList<string>> SendReturningIdsAsync(IReadOnlyList<ReplicationRequest> requests, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        foreach (var batch in requests.Chunk(10))
        {
            var response = await sqs.SendMessageBatchAsync(new SendMessageBatchRequest
            {
                QueueUrl = queueUrl,
                Entries = [.. batch.Select((r, i) => new SendMessageBatchRequestEntry(i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    JsonSerializer.Serialize(CopyRequestMessage.From(r), MessagesJsonContext.Default.CopyRequestMessage)))],
            }, cancellationToken);
            if (response.Failed is { Count: > 0 } failed)
            {
                // Nothing is lost: the next sweep finds the same AMIs without jobs. It is still an error to see.
                throw new InvalidOperationException($"SQS refused {failed.Count} of {batch.Length} requests: {string.Join("; ", failed.Select(f => $"{f.Code} {f.Message}"))}");
            }

            ids.AddRange(response.Successful.OrderBy(s => int.Parse(s.Id, System.Globalization.CultureInfo.InvariantCulture)).Select(s => s.MessageId));
        }

        return ids;
    }
}

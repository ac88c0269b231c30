using System.Globalization;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Messages;

namespace AmiReplicator.Resilience.Tests;

/// <summary>
/// An in-memory SQS queue with SQS's delivery guarantees and nothing more: at least once (a message comes back unless its handler
/// succeeded, and now and then is handed to two workers at once), in no particular order; and its DLQ.
/// </summary>
public sealed class MessageQueue : IDeadLetterQueue, IRequestQueue
{
    private readonly Lock _gate = new();
    private readonly List<string> _deadLetters = [];
    private readonly List<Entry> _visible = [];
    private readonly Dictionary<string, Entry> _inFlight = [];
    private int _nextId;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _visible.Count + _inFlight.Count;
            }
        }
    }

    /// <summary>Messages the dispatcher sent to the DLQ, with their reasons.</summary>
    public IReadOnlyList<string> DeadLetters
    {
        get
        {
            lock (_gate)
            {
                return [.. _deadLetters];
            }
        }
    }

    public Task SendAsync(SqsMessage message, string reason, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _deadLetters.Add($"{reason}: {message.Body}");
        }

        return Task.CompletedTask;
    }

    /// <summary>The sweep's requests, as the dispatcher will read them.</summary>
    public Task SendAsync(IReadOnlyList<ReplicationRequest> requests, CancellationToken cancellationToken)
    {
        foreach (var request in requests)
        {
            Send(System.Text.Json.JsonSerializer.Serialize(CopyRequestMessage.From(request), MessagesJsonContext.Default.CopyRequestMessage));
        }

        return Task.CompletedTask;
    }

    public void Send(string body)
    {
        lock (_gate)
        {
            _visible.Add(new Entry($"m-{++_nextId}", body) { ReceiveCount = 0 });
        }
    }

    /// <summary>Up to <paramref name="max"/> messages; with <paramref name="duplicate"/>, each also stays visible to the next worker.</summary>
    public SqsEvent Receive(int max, Func<int, int> next, bool duplicate = false)
    {
        lock (_gate)
        {
            var records = new List<SqsMessage>();
            while (records.Count < max && _visible.Count > 0)
            {
                var entry = _visible[next(_visible.Count)];
                if (!duplicate)
                {
                    _visible.Remove(entry);
                }

                entry.ReceiveCount++;
                _inFlight[entry.Id] = entry;
                records.Add(new SqsMessage
                {
                    MessageId = entry.Id,
                    ReceiptHandle = $"{entry.Id}-{entry.ReceiveCount}",
                    Body = entry.Body,
                    Attributes = new() { ["ApproximateReceiveCount"] = entry.ReceiveCount.ToString(CultureInfo.InvariantCulture) },
                    EventSource = "aws:sqs",
                    AwsRegion = "us-east-1",
                });
                if (duplicate)
                {
                    break;
                }
            }

            return new SqsEvent { Records = records };
        }
    }

    /// <summary>The handler answered: the messages it does not list as failed are deleted, the others come back.</summary>
    public void Complete(SqsEvent delivered, SqsBatchResponse response)
    {
        var failed = response.BatchItemFailures.Select(f => f.ItemIdentifier).ToHashSet();
        lock (_gate)
        {
            foreach (var record in delivered.Records)
            {
                if (failed.Contains(record.MessageId))
                {
                    ReturnLocked(record.MessageId);
                }
                else
                {
                    _inFlight.Remove(record.MessageId);
                    _visible.RemoveAll(e => e.Id == record.MessageId);
                }
            }
        }
    }

    /// <summary>The handler died: every message of the batch comes back.</summary>
    public void Abandon(SqsEvent delivered)
    {
        lock (_gate)
        {
            foreach (var record in delivered.Records)
            {
                ReturnLocked(record.MessageId);
            }
        }
    }

    private void ReturnLocked(string id)
    {
        if (_inFlight.Remove(id, out var entry) && _visible.All(e => e.Id != id))
        {
            _visible.Add(entry);
        }
    }

    private sealed class Entry(string id, string body)
    {
        public string Id { get; } = id;
        public string Body { get; } = body;
        public int ReceiveCount { get; set; }
    }
}

using System.Text.Json.Serialization;

namespace AmiReplicator.Messages;

/// <summary>The event Lambda's SQS event source hands the function.</summary>
public sealed class SqsEvent
{
    [JsonPropertyName("Records")]
    public List<SqsMessage> Records { get; set; } = [];
}

public sealed class SqsMessage
{
    public string MessageId { get; set; } = "";
    public string ReceiptHandle { get; set; } = "";
    public string Body { get; set; } = "";
    public Dictionary<string, string> Attributes { get; set; } = [];
    public Dictionary<string, SqsMessageAttribute> MessageAttributes { get; set; } = [];
    public string? Md5OfBody { get; set; }
    public string? EventSource { get; set; }

    [JsonPropertyName("eventSourceARN")]
    public string? EventSourceArn { get; set; }

    public string? AwsRegion { get; set; }

    /// <summary>How many times SQS has delivered this message (1 on the first delivery).</summary>
    [JsonIgnore]
    public int ReceiveCount =>
        Attributes.TryGetValue("ApproximateReceiveCount", out var count) && int.TryParse(count, out var n) ? n : 1;
}

public sealed class SqsMessageAttribute
{
    public string? StringValue { get; set; }
    public string? BinaryValue { get; set; }
    public List<string>? StringListValues { get; set; }
    public List<string>? BinaryListValues { get; set; }
    public string? DataType { get; set; }
}

/// <summary>The answer with ReportBatchItemFailures: only the listed messages are redelivered.</summary>
public sealed class SqsBatchResponse
{
    public List<BatchItemFailure> BatchItemFailures { get; set; } = [];
}

public sealed class BatchItemFailure
{
    public string ItemIdentifier { get; set; } = "";
}

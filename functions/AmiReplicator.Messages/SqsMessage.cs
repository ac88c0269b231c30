using System.Text.Json.Serialization;

namespace AmiReplicator.Messages;

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

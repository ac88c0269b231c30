using System.Text.Json.Serialization;

namespace AmiReplicator.Messages;

/// <summary>The event Lambda's SQS event source hands the function.</summary>
public sealed class SqsEvent
{
    [JsonPropertyName("Records")]
    public List<SqsMessage> Records { get; set; } = [];
}

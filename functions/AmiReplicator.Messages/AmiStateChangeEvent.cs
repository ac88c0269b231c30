using System.Text.Json.Serialization;

namespace AmiReplicator.Messages;

/// <summary>EventBridge's "EC2 AMI State Change" event, emitted in the AMI's own region.</summary>
public sealed class AmiStateChangeEvent
{
    public string? Version { get; set; }
    public string? Id { get; set; }

    [JsonPropertyName("detail-type")]
    public string? DetailTypeName { get; set; }

    public string? Source { get; set; }
    public string? Account { get; set; }
    public string? Time { get; set; }
    public string? Region { get; set; }
    public List<string>? Resources { get; set; }
    public AmiStateChangeDetail? Detail { get; set; }
}

using System.Text.Json.Serialization;

namespace AmiReplicator.Messages;

/// <summary>The detail's keys are capitalised in the real event, and case-sensitive.</summary>
public sealed class AmiStateChangeDetail
{
    [JsonPropertyName("RequestId")]
    public string? RequestId { get; set; }

    [JsonPropertyName("ImageId")]
    public string? ImageId { get; set; }

    [JsonPropertyName("State")]
    public string? State { get; set; }

    [JsonPropertyName("ErrorMessage")]
    public string? ErrorMessage { get; set; }
}

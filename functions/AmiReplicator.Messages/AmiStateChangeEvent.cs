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

/// <summary>The project's own request: replicate one AMI, asked by a person or a tool (backfill, retry).</summary>
public sealed class CopyRequestMessage
{
    public string? SourceRegion { get; set; }
    public string? SourceImageId { get; set; }

    /// <summary>Only these destinations (each must be in the policy); all of the policy's when absent.</summary>
    public List<string>? Destinations { get; set; }

    public string? RequestedBy { get; set; }
    public string? Reason { get; set; }

    /// <summary>"sweep" when the replicator's sweep sent it (the policy's selection applies then); absent when asked by hand.</summary>
    public string? Origin { get; set; }

    public const string SweepOrigin = "sweep";

    /// <summary>The message that asks for <paramref name="request"/> (the sweep's, or one made by a tool).</summary>
    public static CopyRequestMessage From(AmiReplicator.Domain.Jobs.ReplicationRequest request) => new()
    {
        SourceRegion = request.SourceRegion,
        SourceImageId = request.SourceImageId,
        Destinations = request.Destinations is null ? null : [.. request.Destinations],
        RequestedBy = request.RequestedBy,
        Reason = request.Reason,
        Origin = request.Origin == AmiReplicator.Domain.Jobs.RequestOrigin.Sweep ? SweepOrigin : null,
    };
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SqsEvent))]
[JsonSerializable(typeof(SqsBatchResponse))]
[JsonSerializable(typeof(AmiStateChangeEvent))]
[JsonSerializable(typeof(CopyRequestMessage))]
[JsonSerializable(typeof(System.Text.Json.JsonElement))]
public sealed partial class MessagesJsonContext : JsonSerializerContext;

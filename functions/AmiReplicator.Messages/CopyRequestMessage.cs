namespace AmiReplicator.Messages;

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

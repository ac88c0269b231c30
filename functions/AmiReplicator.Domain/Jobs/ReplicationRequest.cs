namespace AmiReplicator.Domain.Jobs;

/// <summary>Replicate one source AMI: from its EC2 event, or asked by a person (backfill, retry).</summary>
public sealed record ReplicationRequest(
    string SourceRegion,
    string SourceImageId,
    IReadOnlyList<string>? Destinations,
    string RequestedBy,
    string? Reason,
    RequestOrigin Origin);

public enum RequestOrigin
{
    /// <summary>An EC2 AMI State Change event: the policy's selection decides.</summary>
    Event,

    /// <summary>Asked by hand: the person chose the AMI, so the selection is not applied, and a failed job is tried again.</summary>
    Manual,

    /// <summary>Found by the sweep (its event was lost, or never sent: an AMI shared by another account): as an event, selection applies.</summary>
    Sweep,
}

public static class RequestOrigins
{
    /// <summary>The policy's selection decides (an event, the sweep); a request by hand names its AMI itself.</summary>
    public static bool IsSelected(this RequestOrigin origin) => origin != RequestOrigin.Manual;
}

/// <summary>EC2 said an AMI changed state (available or failed).</summary>
public sealed record ImageEvent(string Region, string ImageId, string State, string EventId)
{
    public const string Available = "available";
    public const string Failed = "failed";
    public const string Disabled = "disabled";
    public const string Deregistered = "deregistered";

    /// <summary>The states of an AMI's events the replicator acts on.</summary>
    public static readonly IReadOnlySet<string> States = new HashSet<string>(StringComparer.Ordinal) { Available, Failed, Disabled, Deregistered };

    public bool IsAvailable => State == Available;

    /// <summary>The AMI was disabled or deregistered: a source withdrawn (its copies follow as the policy's lifecycle asks).</summary>
    public bool IsWithdrawal => State is Disabled or Deregistered;

    /// <summary>The request an available AMI that is not one of the replicator's copies makes.</summary>
    public ReplicationRequest AsRequest() =>
        new(Region, ImageId, null, $"eventbridge:{EventId}", "EC2 AMI State Change: available", RequestOrigin.Event);
}

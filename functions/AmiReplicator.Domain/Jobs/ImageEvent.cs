namespace AmiReplicator.Domain.Jobs;

/// <summary>EC2 said an AMI changed state (available or failed).</summary>
public sealed record ImageEvent(string Region, string ImageId, string State, string EventId)
{
    public const string Available = "available";
    public const string Failed = "failed";
    public const string Disabled = "disabled";
    public const string Deregistered = "deregistered";

    /// <summary>The states of an AMI's events the replicator acts on.</summary>
    public static readonly IReadOnlySet<string> States = new HashSet<string>(StringComparer.Ordinal) { Available, Failed, Disabled, Deregistered };

    /// <summary>
    /// The account whose AMI changed, as the event's envelope names it (a target account's spoke forwards its copies' events to the
    /// home account's bus, naming the target account); null when unknown, taken as the home account.
    /// </summary>
    public string? Account { get; init; }

    public bool IsAvailable => State == Available;

    /// <summary>The AMI was disabled or deregistered: a source withdrawn (its copies follow as the policy's lifecycle asks).</summary>
    public bool IsWithdrawal => State is Disabled or Deregistered;

    /// <summary>The request an available AMI that is not one of the replicator's copies makes.</summary>
    public ReplicationRequest AsRequest() =>
        new(Region, ImageId, null, $"eventbridge:{EventId}", "EC2 AMI State Change: available", RequestOrigin.Event);
}

namespace AmiReplicator.Domain.Copying;

/// <summary>A request that cannot be handled now: redelivered when a later delivery may succeed, dead-lettered at once when none can.</summary>
public sealed class RequestFailedException(string message, bool permanent) : Exception(message)
{
    /// <summary>True when repeating will not help (the message goes to the DLQ with its reason); false when a later delivery may succeed.</summary>
    public bool Permanent { get; } = permanent;
}

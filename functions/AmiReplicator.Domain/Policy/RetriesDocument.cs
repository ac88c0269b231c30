namespace AmiReplicator.Domain.Policy;

public sealed class RetriesDocument
{
    public int? MaxAttempts { get; set; }
    public int? BackoffSeconds { get; set; }
}

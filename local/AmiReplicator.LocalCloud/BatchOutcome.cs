namespace AmiReplicator.LocalCloud;

public sealed record BatchOutcome(int Delivered, IReadOnlySet<string> FailedMessageIds);

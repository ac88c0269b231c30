namespace AmiReplicator.Infra;

/// <summary>The stack's own resources the functions' statements name.</summary>
internal sealed record ReplicatorResources(string TableArn, string RequestQueueArn, string DeadLetterQueueArn);

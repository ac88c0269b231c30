namespace AmiReplicator.Infra;

/// <summary>The stacks of one deployment: the home region's, and one forwarding stack per other source or destination region.</summary>
internal sealed record ReplicatorStacks(ReplicatorStack Main, IReadOnlyList<ForwardingStack> Forwarding);

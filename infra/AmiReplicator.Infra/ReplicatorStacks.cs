namespace AmiReplicator.Infra;

/// <summary>
/// The stacks of one deployment: the home region's, one forwarding stack per other source or destination region, and, when the
/// policy has targets, the spoke stack deployed into each target account.
/// </summary>
internal sealed record ReplicatorStacks(ReplicatorStack Main, IReadOnlyList<ForwardingStack> Forwarding, SpokeStack? Spoke);

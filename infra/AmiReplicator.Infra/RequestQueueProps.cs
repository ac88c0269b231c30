namespace AmiReplicator.Infra;

/// <param name="VisibilityTimeout">How long a received request stays hidden: <see cref="DispatcherTiming.VisibilityTimeout"/>.</param>
/// <param name="Nag">The stack's cdk-nag suppressions.</param>
internal sealed record RequestQueueProps(TimeSpan VisibilityTimeout, Nag Nag);

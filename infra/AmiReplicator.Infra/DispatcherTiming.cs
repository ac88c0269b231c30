using AmiReplicator.Domain.Copying;
using AmiReplicator.Domain.Policy;

namespace AmiReplicator.Infra;

/// <summary>
/// The dispatcher's batch size, timeout and the request queue's visibility timeout, sized so that a batch whose every EC2
/// call is throttled and retried by the SDK to its maximum still ends before Lambda stops the invocation (infra/README.md,
/// "Dispatcher timing", has the reasoning).
/// </summary>
/// <param name="Ec2CallsPerMessage">EC2 calls one message can make, at most.</param>
/// <param name="WorstMessage">How long those calls can take when each one uses every SDK retry, after the batch's read-ahead of its images at most.</param>
internal sealed record DispatcherTiming(int BatchSize, TimeSpan Timeout, TimeSpan VisibilityTimeout, int Ec2CallsPerMessage, TimeSpan WorstMessage)
{
    /// <summary>
    /// Messages per invocation at most. A burst of AMI events gathered in one batch starts its copies together, the largest first
    /// across the batch, instead of in the order the events came (docs/benchmarks.md: 1.30 x the lower bound at 83 AMIs x 6
    /// destinations with one message at a time, 1.03 with batches of 100). A batch near its deadline hands back the messages it
    /// has not reached, so one message's worst case is what the timeout is sized for.
    /// </summary>
    public const int ShippedBatchSize = 100;

    /// <summary>
    /// How long the event source gathers messages before invoking with fewer than a batch: what a lone AMI's copies wait before
    /// they start (they start within 10 s of its event), and the burst's events arriving meanwhile join its batch.
    /// </summary>
    public static readonly TimeSpan BatchingWindow = TimeSpan.FromSeconds(2);

    /// <summary>The EC2 clients' retries (functions/AmiReplicator.Ec2/Ec2Clients.cs; a test reads them there).</summary>
    public const int Ec2MaxErrorRetry = 5;

    /// <summary>The SDK's standard retry mode waits up to 2^(n-1) s before retry n, at most this long.</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(20);

    /// <summary>One EC2 request and its answer, generously: a throttled answer comes back in well under a second.</summary>
    public static readonly TimeSpan Ec2AttemptTime = TimeSpan.FromSeconds(2);

    /// <summary>DynamoDB's part of a message per destination (on demand: a few calls of a few milliseconds; not throttled).</summary>
    public static readonly TimeSpan DynamoDbTimePerDestination = TimeSpan.FromSeconds(1);

    /// <summary>Start-up of a new execution environment and headroom.</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(30);

    /// <summary>Lambda's maximum timeout.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(15);

    /// <summary>
    /// A copy finishing (its own event): describe the copy and its source, read the launch permissions, deprecate, share (twice
    /// when a public share is refused), tag; then start the waiting copy its slot frees: deregister a failed attempt, copy.
    /// </summary>
    public const int FinishingCalls = 10;

    /// <summary>AWS's advice for SQS event sources: six times the function timeout, so a throttled invocation is retried before the message reappears.</summary>
    public const int VisibilityTimeoutFactor = 6;

    /// <summary>One EC2 call that uses every retry: all attempts, and the longest wait before each retry.</summary>
    public static TimeSpan WorstEc2Call { get; } =
        (Ec2AttemptTime * (Ec2MaxErrorRetry + 1))
        + Enumerable.Range(1, Ec2MaxErrorRetry).Select(n => TimeSpan.FromSeconds(Math.Min(Math.Pow(2, n - 1), MaxBackoff.TotalSeconds))).Aggregate(TimeSpan.Zero, (a, b) => a + b);

    /// <summary>
    /// A new AMI: describe the source, then per destination deregister the failed attempt it may leave and copy; or a copy
    /// finishing, whichever is more. The timeout holds one message's worst case; the rest of a batch that meets it is handed back.
    /// </summary>
    public static DispatcherTiming For(ReplicationPolicy policy)
    {
        var destinations = policy.Destinations.Count;
        var calls = Math.Max(1 + (2 * destinations), FinishingCalls);
        var worst = ReplicationDispatcher.ReadAheadBudget + (WorstEc2Call * calls) + (DynamoDbTimePerDestination * destinations);
        var minutes = Math.Ceiling((worst + Margin).TotalMinutes);
        var timeout = TimeSpan.FromMinutes(Math.Min(minutes, MaxTimeout.TotalMinutes));
        return new DispatcherTiming(ShippedBatchSize, timeout, timeout * VisibilityTimeoutFactor, calls, worst);
    }

    /// <summary>Whether the worst case fits in Lambda's longest timeout.</summary>
    public bool Fits => WorstMessage + Margin <= Timeout;
}

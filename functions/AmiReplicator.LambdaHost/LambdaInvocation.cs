namespace AmiReplicator.LambdaHost;

/// <summary>One event taken from the Lambda Runtime API, with the metadata sent in its headers.</summary>
public sealed record LambdaInvocation(
    string RequestId, DateTimeOffset Deadline, string InvokedFunctionArn, string? TraceId, string Payload)
{
    /// <summary>Time left before Lambda stops the invocation; zero once the deadline has passed.</summary>
    public TimeSpan RemainingTime(TimeProvider clock)
    {
        var remaining = Deadline - clock.GetUtcNow();
        return remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero;
    }
}

/// <summary>Handles one invocation and returns the response body (usually JSON).</summary>
/// <remarks>The token is cancelled shortly before the invocation's deadline and when the runtime stops.</remarks>
public delegate Task<string> LambdaHandler(LambdaInvocation invocation, CancellationToken cancellationToken);

namespace AmiReplicator.Domain.Policy;

public sealed record RetryPolicy(int MaxAttempts, TimeSpan Backoff)
{
    public static readonly RetryPolicy Default = new(3, TimeSpan.FromMinutes(1));

    /// <summary>Exponential from <see cref="Backoff"/>, capped at an hour, after the given failed attempt (1-based).</summary>
    public TimeSpan DelayAfter(int failedAttempt) =>
        TimeSpan.FromTicks(Math.Min(Backoff.Ticks * (1L << Math.Clamp(failedAttempt - 1, 0, 16)), TimeSpan.FromHours(1).Ticks));
}

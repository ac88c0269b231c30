namespace AmiReplicator.Domain.Jobs;

/// <summary>Where the distribution completed event goes (the home account's default event bus).</summary>
public interface IDistributionEvents
{
    /// <summary>Sends the event; throws when it was not accepted (the caller sends it again later: at least once).</summary>
    Task PublishCompletedAsync(DistributionCompleted completed, CancellationToken cancellationToken);
}

/// <summary>
/// Every job of a source AMI has ended. <see cref="Round"/> counts the times ended jobs were asked for again before this end, so
/// (source, image, round) names one completion: a consumer that receives one twice (the event is sent at least once) drops it.
/// </summary>
/// <param name="ByState">Jobs by state: AVAILABLE, FAILED, CANCELLED.</param>
/// <param name="ByFailureCode">FAILED jobs by their failure code.</param>
/// <param name="Waves">With a rollout, per wave (numbered from 1) the jobs by outcome.</param>
/// <param name="ProblemAccounts">Accounts (<c>home</c>: the home account) with jobs that ended without a copy, by outcome.</param>
public sealed record DistributionCompleted(
    DistributionId Key,
    long Round,
    IReadOnlyDictionary<string, long> ByState,
    IReadOnlyDictionary<string, long> ByFailureCode,
    IReadOnlyDictionary<int, IReadOnlyDictionary<string, long>> Waves,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> ProblemAccounts,
    DateTimeOffset CompletedAt)
{
    public const string Source = "amireplicator";
    public const string DetailType = "AmiReplicator Distribution Completed";

    public static DistributionCompleted Of(Distribution distribution, DateTimeOffset now)
    {
        var outcomes = DistributionTally.Outcomes(distribution.Counts);
        var byState = outcomes.GroupBy(o => o.Key.StartsWith(DistributionTally.FailedPrefix, StringComparison.Ordinal) ? "FAILED" : o.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(o => o.Value), StringComparer.Ordinal);
        var byCode = outcomes.Where(o => o.Key.StartsWith(DistributionTally.FailedPrefix, StringComparison.Ordinal))
            .ToDictionary(o => o.Key[DistributionTally.FailedPrefix.Length..], o => o.Value, StringComparer.Ordinal);
        var waves = Enumerable.Range(0, distribution.LastWave + 1)
            .ToDictionary(w => w + 1, w => DistributionTally.OutcomesOfWave(distribution.Counts, w));
        return new DistributionCompleted(distribution.Key, distribution.Round, byState, byCode, waves,
            DistributionTally.ProblemsByAccount(distribution.Counts), now);
    }

    /// <summary>Names this completion among every event sent (EventBridge consumers dedupe on it).</summary>
    public string CompletionId => $"{Key.SourceRegion}/{Key.SourceImageId}/{Round}";
}

using System.Globalization;

namespace AmiReplicator.LocalCloud;

/// <summary>What a burst is made of: how many AMIs, where they go, how long their copies take, how they are delivered.</summary>
/// <param name="Amis">AMIs in the burst, from the two <see cref="BurstScenario.Sources"/>.</param>
/// <param name="DestinationCount">Destinations: the first of <see cref="BurstScenario.AllDestinations"/>.</param>
/// <param name="MinCopyMinutes">The shortest copy.</param>
/// <param name="MaxCopyMinutes">The longest copy: a copy takes longer the larger its AMI, give or take 10%.</param>
/// <param name="MinGiB">The smallest AMI (snapshot GiB); sizes are drawn log-uniformly.</param>
/// <param name="MaxGiB">The largest AMI.</param>
/// <param name="BatchSize">SQS messages per dispatcher invocation at most (Lambda's batch size: up to 10,000, above 10 with a batching window).</param>
/// <param name="BatchingWindowSeconds">How long the event source gathers messages before it invokes the dispatcher with fewer than a
/// batch (Lambda's MaximumBatchingWindowInSeconds): a copy's event, or a lone AMI's, waits this long.</param>
/// <param name="PollerPageSize">Most jobs the poller reads per destination and state in one pass (<see cref="Domain.Jobs.TrackingOptions.PageSize"/>).</param>
/// <param name="Concurrency">Dispatcher invocations running at once (Lambda's concurrency for the SQS trigger).</param>
/// <param name="CopyEvents">Also deliver each copy's own EC2 event to the dispatcher when the copy ends, as the stack's rule does.</param>
/// <param name="BySource">All of the first source's AMIs in the queue, then the second's (else they alternate).</param>
/// <param name="MaxMinutes">Virtual minutes after which the burst is given up.</param>
/// <param name="Seed">Seed of the sizes and the copy durations.</param>
/// <param name="Accounts">Target accounts (<see cref="TargetAccounts"/>) that each get their own copy in every destination, made from the home
/// account's copy there through the account's spoke role; 0: the home account's copies only.</param>
/// <param name="FailingTargets">Three of the target accounts cannot be copied into as the policy asks: <see cref="AccountWithoutRole"/> has no
/// spoke role, <see cref="AccountWithoutRegion"/> has not enabled the last destination, <see cref="AccountRefusingKey"/>'s copies in the
/// first destination name a key alias the account does not have.</param>
/// <param name="TargetBudget">The budget of each (account, region) and of each source region into it; null: the policy's defaults.</param>
public sealed record BurstSettings(
    int Amis = 400,
    int DestinationCount = 4,
    int MinCopyMinutes = 3,
    int MaxCopyMinutes = 20,
    int MinGiB = 8,
    int MaxGiB = 512,
    int BatchSize = BurstSettings.StackBatchSize,
    int BatchingWindowSeconds = BurstSettings.StackBatchingWindowSeconds,
    int PollerPageSize = 1000,
    int Concurrency = 1,
    bool CopyEvents = false,
    bool BySource = false,
    int MaxMinutes = 24 * 60,
    int Seed = 20261125,
    int Accounts = 0,
    bool FailingTargets = false,
    (int MaxInFlight, int MaxInFlightPerSource)? TargetBudget = null)
{
    /// <summary>The key alias <see cref="AccountRefusingKey"/>'s copies name in the first destination, which the account does not have.</summary>
    public const string MissingKeyAlias = "alias/golden";

    /// <summary>The dispatcher's batch size as the stack deploys it (infra's DispatcherTiming; a test holds the two together).</summary>
    public const int StackBatchSize = 100;

    /// <summary>The dispatcher's batching window as the stack deploys it.</summary>
    public const int StackBatchingWindowSeconds = 2;

    /// <summary>What is out of range, or null.</summary>
    public string? Problem =>
        Amis < 1 || MinCopyMinutes < 1 || MaxCopyMinutes < MinCopyMinutes || BatchSize is < 1 or > 10_000 || BatchingWindowSeconds is < 0 or > 300
        || (BatchSize > 10 && BatchingWindowSeconds < 1) || PollerPageSize < 1 || Concurrency < 1
        || DestinationCount < 1 || DestinationCount > BurstScenario.AllDestinations.Count || MinGiB < 1 || MaxGiB < MinGiB
        || Accounts < 0 || (FailingTargets && (Accounts < 3 || DestinationCount < 2)) || TargetBudget is ( < 1, _) or (_, < 1)
            ? $"amis >= 1, 1 <= min copy minutes <= max copy minutes, 1 <= batch size <= 10000 (above 10 with a batching window of at least 1 s, as Lambda asks), "
              + $"0 <= batching window <= 300 s, poller page size >= 1, concurrency >= 1, 1 <= destinations <= {BurstScenario.AllDestinations.Count}, 1 <= min GiB <= max GiB, "
              + "accounts >= 0 (at least 3, and 2 destinations, with failing targets), target budgets >= 1"
            : null;

    public IReadOnlyList<string> Destinations => BurstScenario.AllDestinations.Take(DestinationCount).ToList();

    /// <summary>The target accounts' ids: 200000000001, 200000000002, ...</summary>
    public IReadOnlyList<string> TargetAccounts =>
        Enumerable.Range(1, Accounts).Select(i => (200_000_000_000L + i).ToString(CultureInfo.InvariantCulture)).ToList();

    public string? AccountWithoutRole => FailingTargets ? TargetAccounts[0] : null;

    public string? AccountWithoutRegion => FailingTargets ? TargetAccounts[1] : null;

    public string? AccountRefusingKey => FailingTargets ? TargetAccounts[2] : null;

    public string PolicyJson =>
        """{"destinations":[""" + string.Join(",", Destinations.Select(d => $$"""{"region":"{{d}}"}""")) + "],"
        + "\"sourceRegions\":[" + string.Join(",", BurstScenario.Sources.Select(s => $"\"{s}\"")) + "],\"tags\":{\"copied-by\":\"ami-replicator\"}"
        + (Accounts == 0 ? "" : ",\"targets\":[" + string.Join(",", TargetsJson()) + "]") + "}";

    /// <summary>One target of every account in every destination, and the account refusing the key apart, naming the key.</summary>
    private IEnumerable<string> TargetsJson()
    {
        var budget = TargetBudget is var (all, perSource) ? string.Create(CultureInfo.InvariantCulture, $",\"maxInFlight\":{all},\"maxInFlightPerSource\":{perSource}") : "";
        var regions = "\"regions\":[" + string.Join(",", Destinations.Select(d => $"\"{d}\"")) + "]";
        yield return "{\"accounts\":[" + string.Join(",", TargetAccounts.Where(a => a != AccountRefusingKey).Select(a => $"\"{a}\"")) + "]," + regions + budget + "}";
        if (AccountRefusingKey is { } refusing)
        {
            yield return $$"""{"accounts":["{{refusing}}"],{{regions}},"kmsKeys":{"{{Destinations[0]}}":"{{MissingKeyAlias}}"}{{budget}}}""";
        }
    }
}

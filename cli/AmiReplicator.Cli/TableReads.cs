using System.Collections.Concurrent;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Domain.Slots;

namespace AmiReplicator.Cli;

/// <summary>
/// Where the CLI's reads look, so that none scans the table: the destinations, source regions and accounts follow from the policy
/// and from the slot counters (a counter exists for every destination and source->destination pair that ever held a slot, so one that
/// left the policy is still read while its counter is there).
/// </summary>
internal static class TableReads
{
    /// <summary>How many index partitions are read at once.</summary>
    private const int ParallelReads = 8;

    /// <summary>The destinations whose jobs are read: the policy's and every counter's, within <paramref name="accounts"/>.</summary>
    public static IReadOnlyList<CopyDestination> Destinations(ReplicationPolicy? policy, IReadOnlyList<SlotCounter> counters, AccountFilter accounts) =>
    [
        .. (policy?.Destinations.Select(d => CopyDestination.Home(d.Region)) ?? [])
            .Concat(policy?.Targets.SelectMany(t => t.Destinations()).Select(d => d.Key) ?? [])
            .Concat(counters.Select(c => c.Scope.Destination))
            .Distinct().Where(accounts.Covers)
            .OrderBy(d => d.Account, StringComparer.Ordinal).ThenBy(d => d.Region, StringComparer.Ordinal),
    ];

    /// <summary>
    /// The partitions of one AMI's jobs: from the regions <paramref name="from"/> names, else from the policy's source regions and the counters' (every
    /// region when there is no policy: an AMI id is in one region only, and a query of a partition that does not exist is cheap);
    /// into the accounts <paramref name="accounts"/> names, else the home account, the policy's target accounts and the counters'.
    /// A target account that left the policy and has no counter left is read only when named.
    /// </summary>
    public static (IReadOnlyCollection<string> Sources, IReadOnlyCollection<string?> Accounts) PartitionsOfImage(IReadOnlyCollection<string> from, ReplicationPolicy? policy,
        IReadOnlyList<SlotCounter> counters, AccountFilter accounts)
    {
        IReadOnlyCollection<string> sources = from.Count > 0 ? from
            : policy is null ? AwsRegions.Known
            : [.. policy.SourceRegions.Concat(counters.Select(c => c.Scope.SourceRegion).OfType<string>()).Distinct(StringComparer.Ordinal)];
        IReadOnlyCollection<string?> named = accounts.IsAny
            ? [.. new string?[] { null }
                .Concat(policy?.Targets.SelectMany(t => t.Accounts) ?? [])
                .Concat(counters.Select(c => c.Scope.Destination.Account).OfType<string>())
                .Distinct()]
            : accounts.Named;
        return (sources, named);
    }

    /// <summary>Every job in each of <paramref name="states"/> of each of <paramref name="destinations"/>, page by page, in that order.</summary>
    public static async Task<List<CopyJob>> JobsInStatesAsync(ICopyJobInspection inspection, IReadOnlyList<CopyJobState> states,
        IReadOnlyList<CopyDestination> destinations, DateTimeOffset? changedSince, DateTimeOffset now, CancellationToken cancellationToken)
    {
        const int page = 1000;
        var jobs = new List<CopyJob>();
        foreach (var state in states)
        {
            foreach (var destination in destinations)
            {
                string? token = null;
                do
                {
                    var read = await inspection.ListJobsAsync(state, destination, changedSince, token, page, now, cancellationToken);
                    jobs.AddRange(read.Jobs);
                    token = read.NextToken;
                }
                while (token is not null);
            }
        }

        return jobs;
    }

    /// <summary>How many jobs each of <paramref name="destinations"/> has in each state, per source region, from the index.</summary>
    public static async Task<JobCensus> CountAsync(ICopyJobInspection inspection, IReadOnlyList<CopyDestination> destinations, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var counts = new ConcurrentBag<(CopyDestination, CopyJobState, StateCount)>();
        var partitions = destinations.SelectMany(d => Enum.GetValues<CopyJobState>().Select(s => (Destination: d, State: s)));
        await Parallel.ForEachAsync(partitions, new ParallelOptions { MaxDegreeOfParallelism = ParallelReads, CancellationToken = cancellationToken },
            async (partition, token) =>
            {
                foreach (var count in await inspection.CountJobsAsync(partition.State, partition.Destination, now, token))
                {
                    counts.Add((partition.Destination, partition.State, count));
                }
            });
        return new JobCensus(counts);
    }
}

/// <summary>Jobs counted per destination, source region and state, with the earliest time one of them entered the state.</summary>
internal sealed class JobCensus
{
    private readonly Dictionary<(CopyDestination Destination, string Source, CopyJobState State), StateCount> _counts;

    public JobCensus(IEnumerable<(CopyDestination Destination, CopyJobState State, StateCount Count)> counts) =>
        _counts = counts.ToDictionary(c => (c.Destination, c.Count.SourceRegion, c.State), c => c.Count);

    /// <summary>The census of jobs read whole (`watch`).</summary>
    public static JobCensus Of(IEnumerable<CopyJob> jobs) => new(jobs
        .GroupBy(j => (j.Key.Destination, j.Key.SourceRegion, j.State))
        .Select(g => (g.Key.Destination, g.Key.State, new StateCount(g.Key.SourceRegion, g.Count(), g.Min(j => j.StateSortTime)))));

    /// <summary>Every source->destination pair with a job.</summary>
    public IEnumerable<SlotScope> Pairs => _counts.Keys.Select(k => SlotScope.Pair(k.Source, k.Destination)).Distinct();

    /// <summary>How many of the jobs <paramref name="scope"/> covers are in <paramref name="state"/>.</summary>
    public int Count(SlotScope scope, CopyJobState state) => Of(scope, state).Sum(c => c.Count);

    /// <summary>Since when the longest-waiting job <paramref name="scope"/> covers waits; null: none waits.</summary>
    public DateTimeOffset? OldestWaiting(SlotScope scope) => Of(scope, CopyJobState.Waiting).Select(c => (DateTimeOffset?)c.Earliest).Min();

    private IEnumerable<StateCount> Of(SlotScope scope, CopyJobState state) =>
        _counts.Where(c => c.Key.State == state && c.Key.Destination == scope.Destination && (scope.SourceRegion is null || scope.SourceRegion == c.Key.Source))
            .Select(c => c.Value);

    public IEnumerable<CopyDestination> Destinations => _counts.Keys.Select(k => k.Destination).Distinct();
}

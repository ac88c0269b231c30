using System.Collections.Concurrent;
using System.Text;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using AmiReplicator.Contract;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Slots;
using Microsoft.Extensions.Logging.Abstractions;
using static AmiReplicator.Aws.DynamoDb.JobItems;

namespace AmiReplicator.Aws.DynamoDb;

/// <summary>
/// The job table as people read it: one AMI's partitions by key, a destination's jobs in one state through the
/// <see cref="JobTableSchema.StateIndexName"/> index (counted from its keys alone), the counters' partition; and, for the local run
/// and the tests only, the whole table by a scan.
/// </summary>
public sealed class CopyJobInspection(IAmazonDynamoDB dynamo, string tableName) : ICopyJobInspection
{
    /// <summary>How many partitions of one AMI are read at once (one per source region and account).</summary>
    private const int ParallelPartitions = 16;

    private readonly DynamoCopyJobStore _store = new(dynamo, tableName, NullLogger<DynamoCopyJobStore>.Instance);

    /// <summary>Most items one page of an index read evaluates; null: DynamoDB's own 1 MB a page (tests set a few, to page).</summary>
    internal int? PageSize { get; init; }

    public async Task<IReadOnlyList<CopyJob>> ListJobsAsync(CancellationToken cancellationToken)
    {
        var jobs = new List<CopyJob>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var response = await dynamo.ScanAsync(new ScanRequest
            {
                TableName = tableName,
                FilterExpression = "begins_with(#pk, :job)",
                ExpressionAttributeNames = new() { ["#pk"] = JobTableSchema.PartitionKey },
                ExpressionAttributeValues = new() { [":job"] = S(JobPrefix) },
                ConsistentRead = true,
                ExclusiveStartKey = start,
                ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL,
            }, cancellationToken);
            jobs.AddRange((response.Items ?? []).Select(FromItem));
            start = NextStart(response.LastEvaluatedKey);
        }
        while (start is not null);

        return InKeyOrder(jobs);
    }

    public Task<IReadOnlyList<SlotCounter>> ListCountersAsync(CancellationToken cancellationToken) => _store.ListCountersAsync(cancellationToken);

    public async Task<IReadOnlyList<CopyJob>> ListJobsOfImageAsync(string sourceImageId, IReadOnlyCollection<string> sourceRegions,
        IReadOnlyCollection<string?> accounts, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // A job's partition key is its source AMI (and account): every destination's job of one is one query, whatever regions it has.
        var partitions = sourceRegions.SelectMany(source => accounts.Select(account => JobPartition(source, sourceImageId, account))).ToList();
        var jobs = new ConcurrentBag<CopyJob>();
        await Parallel.ForEachAsync(partitions, new ParallelOptions { MaxDegreeOfParallelism = ParallelPartitions, CancellationToken = cancellationToken },
            async (partition, token) =>
            {
                Dictionary<string, AttributeValue>? start = null;
                do
                {
                    var response = await dynamo.QueryAsync(new QueryRequest
                    {
                        TableName = tableName,
                        KeyConditionExpression = "#pk = :pk",
                        ExpressionAttributeNames = new() { ["#pk"] = JobTableSchema.PartitionKey },
                        ExpressionAttributeValues = new() { [":pk"] = S(partition) },
                        ConsistentRead = true,
                        ExclusiveStartKey = start,
                        ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL,
                    }, token);
                    foreach (var job in (response.Items ?? []).Where(i => !HasExpired(i, now)).Select(FromItem))
                    {
                        jobs.Add(job);
                    }

                    start = NextStart(response.LastEvaluatedKey);
                }
                while (start is not null);
            });
        return InKeyOrder(jobs);
    }

    public async Task<CopyJobPage> ListJobsAsync(CopyJobState state, CopyDestination destination, DateTimeOffset? changedSince, string? startingToken,
        int maxItems, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxItems, 1);
        var partition = StatePartition(state, destination);
        var keys = new List<Dictionary<string, AttributeValue>>();
        var start = startingToken is null ? null : StartKey(startingToken, partition);
        do
        {
            var query = StateQuery(state, destination, changedSince, now);
            query.Limit = Math.Min(maxItems - keys.Count, PageSize ?? int.MaxValue);
            query.ExclusiveStartKey = start;
            var response = await dynamo.QueryAsync(query, cancellationToken);
            keys.AddRange((response.Items ?? []).Select(i => new Dictionary<string, AttributeValue>
            {
                [JobTableSchema.PartitionKey] = i[JobTableSchema.PartitionKey],
                [JobTableSchema.SortKey] = i[JobTableSchema.SortKey],
            }));
            start = NextStart(response.LastEvaluatedKey);
        }
        while (start is not null && keys.Count < maxItems);

        // The index holds keys: the jobs are read from the table by key, as they are now. One that moved to another state since the
        // index was read is left to that state's listing, so no job is listed twice.
        var read = (await _store.GetManyAsync([.. keys.Select(KeyFrom)], cancellationToken)).ToDictionary(j => j.Key);
        var jobs = keys.Select(KeyFrom).Where(read.ContainsKey).Select(k => read[k]).Where(j => j.State == state).ToList();
        return new CopyJobPage(jobs, start is null ? null : Token(start));
    }

    public async Task<IReadOnlyList<StateCount>> CountJobsAsync(CopyJobState state, CopyDestination destination, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        // The index's sort key holds the time and the source region: reading it alone counts per source, at the index's smallest cost.
        var counts = new Dictionary<string, (int Count, DateTimeOffset Earliest)>(StringComparer.Ordinal);
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var query = StateQuery(state, destination, changedSince: null, now);
            query.ProjectionExpression = "#sk";
            query.ExpressionAttributeNames["#sk"] = JobTableSchema.StateIndexSortKey;
            query.Limit = PageSize;
            query.ExclusiveStartKey = start;
            var response = await dynamo.QueryAsync(query, cancellationToken);
            foreach (var item in response.Items ?? [])
            {
                var (time, source) = ParseStateSortKey(item[JobTableSchema.StateIndexSortKey].S);
                counts[source] = counts.TryGetValue(source, out var seen) ? (seen.Count + 1, seen.Earliest < time ? seen.Earliest : time) : (1, time);
            }

            start = NextStart(response.LastEvaluatedKey);
        }
        while (start is not null);

        return [.. counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => new StateCount(c.Key, c.Value.Count, c.Value.Earliest))];
    }

    /// <summary>
    /// A query of one (state, destination) partition of the state index, oldest first: changed at or after
    /// <paramref name="changedSince"/> (by the sort key, but for waiting jobs, sorted by when they began to wait), and not expired.
    /// </summary>
    private QueryRequest StateQuery(CopyJobState state, CopyDestination destination, DateTimeOffset? changedSince, DateTimeOffset now)
    {
        var names = new Dictionary<string, string> { ["#pk"] = JobTableSchema.StateIndexPartitionKey };
        var values = new Dictionary<string, AttributeValue> { [":pk"] = S(StatePartition(state, destination)) };
        var keyCondition = "#pk = :pk";
        var filters = new List<string>();
        if (changedSince is { } since)
        {
            values[":since"] = S(Time(since));
            if (state == CopyJobState.Waiting)
            {
                names["#updated"] = "UpdatedAt";
                filters.Add("#updated >= :since");
            }
            else
            {
                names["#sk"] = JobTableSchema.StateIndexSortKey;
                keyCondition += " AND #sk >= :since";
            }
        }

        if (state.IsTerminal())
        {
            // TTL deletes up to days after the expiry: an expired job still in the table is not shown.
            names["#expires"] = JobTableSchema.ExpiresAtAttribute;
            values[":now"] = N(now.ToUnixTimeSeconds());
            filters.Add("(attribute_not_exists(#expires) OR #expires > :now)");
        }

        return new QueryRequest
        {
            TableName = tableName,
            IndexName = JobTableSchema.StateIndexName,
            KeyConditionExpression = keyCondition,
            FilterExpression = filters.Count > 0 ? string.Join(" AND ", filters) : null,
            ExpressionAttributeNames = names,
            ExpressionAttributeValues = values,
            ScanIndexForward = true,
            ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL,
        };
    }

    /// <summary>A page's last key as the token for the next: the job's key and its index sort key (the partition is the query's).</summary>
    private static string Token(Dictionary<string, AttributeValue> last) => Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Join('\n',
        last[JobTableSchema.PartitionKey].S, last[JobTableSchema.SortKey].S, last[JobTableSchema.StateIndexSortKey].S)));

    private static Dictionary<string, AttributeValue> StartKey(string token, string partition)
    {
        string[] parts;
        try
        {
            parts = Encoding.UTF8.GetString(Convert.FromBase64String(token)).Split('\n');
        }
        catch (FormatException)
        {
            parts = [];
        }

        return parts.Length == 3
            ? new()
            {
                [JobTableSchema.PartitionKey] = S(parts[0]),
                [JobTableSchema.SortKey] = S(parts[1]),
                [JobTableSchema.StateIndexPartitionKey] = S(partition),
                [JobTableSchema.StateIndexSortKey] = S(parts[2]),
            }
            : throw new ArgumentException($"'{token}' is not a token a listing of jobs gave", nameof(token));
    }

    private static Dictionary<string, AttributeValue>? NextStart(Dictionary<string, AttributeValue>? lastEvaluated) =>
        lastEvaluated is { Count: > 0 } last ? last : null;

    private static List<CopyJob> InKeyOrder(IEnumerable<CopyJob> jobs) => [.. jobs.OrderBy(j => j.Key.ToString(), StringComparer.Ordinal)];

    public async Task<Distribution?> GetDistributionAsync(DistributionId key, CancellationToken cancellationToken)
    {
        var response = await dynamo.GetItemAsync(new GetItemRequest { TableName = tableName, Key = DistributionItemKey(key), ConsistentRead = true }, cancellationToken);
        return response.IsItemSet ? DistributionFromItem(response.Item) : null;
    }
}

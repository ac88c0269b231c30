using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using AmiReplicator.Contract;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Slots;
using Microsoft.Extensions.Logging.Abstractions;
using static AmiReplicator.Aws.DynamoDb.JobItems;

namespace AmiReplicator.Aws.DynamoDb;

/// <summary>The job table read whole: a full scan for the jobs (a cost the functions never pay), the counters' partition for the slots.</summary>
public sealed class CopyJobInspection(IAmazonDynamoDB dynamo, string tableName) : ICopyJobInspection
{
    private readonly DynamoCopyJobStore _store = new(dynamo, tableName, NullLogger<DynamoCopyJobStore>.Instance);

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
                ExpressionAttributeValues = new() { [":job"] = S("JOB#") },
                ConsistentRead = true,
                ExclusiveStartKey = start,
            }, cancellationToken);
            jobs.AddRange((response.Items ?? []).Select(FromItem));
            start = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);

        return jobs.OrderBy(j => j.Key.ToString(), StringComparer.Ordinal).ToList();
    }

    public Task<IReadOnlyList<SlotCounter>> ListCountersAsync(CancellationToken cancellationToken) => _store.ListCountersAsync(cancellationToken);
}

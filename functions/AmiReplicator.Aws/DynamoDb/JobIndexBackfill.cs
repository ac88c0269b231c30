using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using AmiReplicator.Contract;
using static AmiReplicator.Aws.DynamoDb.JobItems;

namespace AmiReplicator.Aws.DynamoDb;

/// <summary>
/// Gives the jobs written before the <see cref="JobTableSchema.StateIndexName"/> index existed its attributes (and, with a
/// retention, their expiry), so the reads by state and destination find them. One scan of the table, once: every write since sets
/// them. Each job is updated only as it was read (its <c>Version</c>) and only while it lacks them, so a job a worker moves
/// meanwhile keeps that worker's write, and running it twice changes nothing.
/// </summary>
public sealed class JobIndexBackfill(IAmazonDynamoDB dynamo, string tableName)
{
    /// <summary>Adds the index attributes to each job lacking them; answers how many it updated.</summary>
    public async Task<int> RunAsync(TimeSpan? jobRetention, CancellationToken cancellationToken)
    {
        var updated = 0;
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await dynamo.ScanAsync(new ScanRequest
            {
                TableName = tableName,
                FilterExpression = "begins_with(#pk, :job) AND attribute_not_exists(#statePk)",
                ExpressionAttributeNames = new() { ["#pk"] = JobTableSchema.PartitionKey, ["#statePk"] = JobTableSchema.StateIndexPartitionKey },
                ExpressionAttributeValues = new() { [":job"] = S(JobPrefix) },
                ExclusiveStartKey = start,
            }, cancellationToken);
            foreach (var item in page.Items ?? [])
            {
                updated += await AddIndexAttributesAsync(item, jobRetention, cancellationToken) ? 1 : 0;
            }

            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);

        return updated;
    }

    private async Task<bool> AddIndexAttributesAsync(Dictionary<string, AttributeValue> item, TimeSpan? jobRetention, CancellationToken cancellationToken)
    {
        var job = FromItem(item);
        var attributes = StateIndexAttributes(job, jobRetention).Select((a, i) => (Name: $"#a{i}", Value: $":a{i}", Attribute: a)).ToList();
        var names = attributes.ToDictionary(a => a.Name, a => a.Attribute.Key);
        names["#version"] = "Version";
        names["#statePk"] = JobTableSchema.StateIndexPartitionKey;
        var values = attributes.ToDictionary(a => a.Value, a => a.Attribute.Value);
        values[":version"] = N(job.Version);
        try
        {
            await dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tableName,
                Key = Key(job.Key),
                UpdateExpression = "SET " + string.Join(", ", attributes.Select(a => $"{a.Name} = {a.Value}")),
                ConditionExpression = "#version = :version AND attribute_not_exists(#statePk)",
                ExpressionAttributeNames = names,
                ExpressionAttributeValues = values,
            }, cancellationToken);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            // Moved (or deleted) since the scan: the write that moved it set the attributes.
            return false;
        }
    }
}

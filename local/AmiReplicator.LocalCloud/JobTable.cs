using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using AmiReplicator.Contract;

namespace AmiReplicator.LocalCloud;

/// <summary>
/// The one table of copy jobs and slot counters (its key schema: <see cref="JobTableSchema"/>) made on DynamoDB Local, as the
/// stack defines it in AWS.
/// </summary>
public static class JobTable
{
    public static CreateTableRequest Definition(string tableName) => new()
    {
        TableName = tableName,
        BillingMode = BillingMode.PAY_PER_REQUEST,
        AttributeDefinitions =
        [
            new(JobTableSchema.PartitionKey, ScalarAttributeType.S),
            new(JobTableSchema.SortKey, ScalarAttributeType.S),
            new(JobTableSchema.ActiveIndexPartitionKey, ScalarAttributeType.S),
            new(JobTableSchema.ActiveIndexSortKey, ScalarAttributeType.S),
            new(JobTableSchema.StateIndexPartitionKey, ScalarAttributeType.S),
            new(JobTableSchema.StateIndexSortKey, ScalarAttributeType.S),
        ],
        KeySchema = [new(JobTableSchema.PartitionKey, KeyType.HASH), new(JobTableSchema.SortKey, KeyType.RANGE)],
        GlobalSecondaryIndexes =
        [
            new GlobalSecondaryIndex
            {
                IndexName = JobTableSchema.ActiveIndexName,
                KeySchema = [new(JobTableSchema.ActiveIndexPartitionKey, KeyType.HASH), new(JobTableSchema.ActiveIndexSortKey, KeyType.RANGE)],
                Projection = new Projection { ProjectionType = ProjectionType.ALL },
            },
            new GlobalSecondaryIndex
            {
                IndexName = JobTableSchema.StateIndexName,
                KeySchema = [new(JobTableSchema.StateIndexPartitionKey, KeyType.HASH), new(JobTableSchema.StateIndexSortKey, KeyType.RANGE)],
                Projection = new Projection { ProjectionType = ProjectionType.INCLUDE, NonKeyAttributes = [.. JobTableSchema.StateIndexProjection] },
            },
        ],
    };

    public static async Task CreateIfMissingAsync(IAmazonDynamoDB dynamo, string tableName, CancellationToken cancellationToken)
    {
        try
        {
            await dynamo.CreateTableAsync(Definition(tableName), cancellationToken);
        }
        catch (ResourceInUseException)
        {
            // Already there.
        }
    }
}

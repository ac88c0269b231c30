using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace AmiReplicator.DynamoDb;

/// <summary>
/// One table holds the copy jobs and the slot counters.
/// Job:     PK = JOB#{sourceRegion}#{sourceImageId}   SK = DEST#{destinationRegion}
/// Counter: PK = SLOT                                 SK = DEST#{destination} | PAIR#{sourceRegion}#{destination}
/// Index ByDestinationState (sparse, only jobs not yet done): GSI1PK = {STATE}#{destination}, GSI1SK = {createdAt}#{source}.
/// </summary>
public static class JobTable
{
    public const string PartitionKey = "PK";
    public const string SortKey = "SK";
    public const string ActiveIndexName = "ByDestinationState";
    public const string ActiveIndexPartitionKey = "GSI1PK";
    public const string ActiveIndexSortKey = "GSI1SK";

    /// <summary>The table as the stack defines it, for DynamoDB Local and the tests.</summary>
    public static CreateTableRequest Definition(string tableName) => new()
    {
        TableName = tableName,
        BillingMode = BillingMode.PAY_PER_REQUEST,
        AttributeDefinitions =
        [
            new(PartitionKey, ScalarAttributeType.S),
            new(SortKey, ScalarAttributeType.S),
            new(ActiveIndexPartitionKey, ScalarAttributeType.S),
            new(ActiveIndexSortKey, ScalarAttributeType.S),
        ],
        KeySchema = [new(PartitionKey, KeyType.HASH), new(SortKey, KeyType.RANGE)],
        GlobalSecondaryIndexes =
        [
            new GlobalSecondaryIndex
            {
                IndexName = ActiveIndexName,
                KeySchema = [new(ActiveIndexPartitionKey, KeyType.HASH), new(ActiveIndexSortKey, KeyType.RANGE)],
                Projection = new Projection { ProjectionType = ProjectionType.ALL },
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

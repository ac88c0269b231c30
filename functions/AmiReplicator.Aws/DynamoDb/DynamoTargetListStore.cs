using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using AmiReplicator.Contract;
using AmiReplicator.Domain.Policy;
using AmiReplicator.Domain.Targets;

namespace AmiReplicator.Aws.DynamoDb;

/// <summary>
/// The target list as one item of the job table (PK <c>TARGETS</c>, SK <c>LIST</c>): the list as JSON in <c>Document</c> and its
/// <c>Version</c>, written only over the version read. One item is one read per invocation; at about 120 bytes an account, plus
/// about 20 for each OU on its path, 2,000 accounts in OUs three levels deep come near DynamoDB's 400 KB (docs/known-issues.md).
/// </summary>
public sealed class DynamoTargetListStore(IAmazonDynamoDB dynamo, string tableName) : ITargetListStore
{
    private static readonly Dictionary<string, AttributeValue> Key = new()
    {
        [JobTableSchema.PartitionKey] = new AttributeValue { S = "TARGETS" },
        [JobTableSchema.SortKey] = new AttributeValue { S = "LIST" },
    };

    public async Task<TargetList> GetAsync(CancellationToken cancellationToken)
    {
        var item = (await dynamo.GetItemAsync(new GetItemRequest { TableName = tableName, Key = Key, ConsistentRead = true }, cancellationToken)).Item;
        if (item is not { Count: > 0 } || !item.TryGetValue("Document", out var document))
        {
            return TargetList.Empty;
        }

        var list = JsonSerializer.Deserialize(document.S, TargetListJsonContext.Default.TargetList) ?? TargetList.Empty;
        return list with { Version = long.Parse(item["Version"].N, CultureInfo.InvariantCulture) };
    }

    public async Task<bool> TryPutAsync(TargetList list, CancellationToken cancellationToken)
    {
        try
        {
            await dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = tableName,
                Item = new Dictionary<string, AttributeValue>(Key)
                {
                    ["Document"] = new() { S = JsonSerializer.Serialize(list with { Version = 0 }, TargetListJsonContext.Default.TargetList) },
                    ["Version"] = JobItems.N(list.Version + 1),
                },
                ConditionExpression = list.Version == 0 ? "attribute_not_exists(Version)" : "Version = :version",
                ExpressionAttributeValues = list.Version == 0 ? null : new() { [":version"] = JobItems.N(list.Version) },
            }, cancellationToken);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }
}

[JsonSourceGenerationOptions(UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TargetList))]
internal sealed partial class TargetListJsonContext : JsonSerializerContext;

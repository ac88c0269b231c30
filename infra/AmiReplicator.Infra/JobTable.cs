using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using AmiReplicator.Contract;
using Constructs;
using Attribute = Amazon.CDK.AWS.DynamoDB.Attribute;

namespace AmiReplicator.Infra;

/// <summary>
/// The table of copy jobs and budget counters, with the index of the jobs not done yet and the one of every job by state, as <see cref="JobTableSchema"/>
/// names them. Nothing about it is configurable: the functions' code fixes its keys and index.
/// </summary>
internal sealed class JobTable : Construct
{
    public JobTable(Construct scope, string id)
        : base(scope, id)
    {
        // CDK leaves "Default" out of the path it derives logical IDs from, so the table's logical ID does not depend on this
        // construct: a new one would make CloudFormation create a new, empty table (LogicalIdTests pins it).
        var table = new Table(this, "Default", new TableProps
        {
            PartitionKey = new Attribute { Name = JobTableSchema.PartitionKey, Type = AttributeType.STRING },
            SortKey = new Attribute { Name = JobTableSchema.SortKey, Type = AttributeType.STRING },
            BillingMode = BillingMode.PAY_PER_REQUEST,
            PointInTimeRecovery = true,
            Encryption = TableEncryption.AWS_MANAGED,
            // The table says which copies exist and which budget slots they hold: it outlives the stack.
            RemovalPolicy = RemovalPolicy.RETAIN,
            DeletionProtection = true,
            // Ended jobs carry an expiry when the policy sets jobRetentionDays; DynamoDB deletes them up to days after it.
            TimeToLiveAttribute = JobTableSchema.ExpiresAtAttribute,
        });
        table.AddGlobalSecondaryIndex(new GlobalSecondaryIndexProps
        {
            IndexName = JobTableSchema.ActiveIndexName,
            PartitionKey = new Attribute { Name = JobTableSchema.ActiveIndexPartitionKey, Type = AttributeType.STRING },
            SortKey = new Attribute { Name = JobTableSchema.ActiveIndexSortKey, Type = AttributeType.STRING },
            ProjectionType = ProjectionType.ALL,
        });
        // Every job by state and destination, for the operator's reads: keys and what the reads filter on, so counting stays cheap.
        table.AddGlobalSecondaryIndex(new GlobalSecondaryIndexProps
        {
            IndexName = JobTableSchema.StateIndexName,
            PartitionKey = new Attribute { Name = JobTableSchema.StateIndexPartitionKey, Type = AttributeType.STRING },
            SortKey = new Attribute { Name = JobTableSchema.StateIndexSortKey, Type = AttributeType.STRING },
            ProjectionType = ProjectionType.INCLUDE,
            NonKeyAttributes = [.. JobTableSchema.StateIndexProjection],
        });
        Table = table;
    }

    public ITable Table { get; }
}

namespace AmiReplicator.Contract;

/// <summary>
/// The key schema of the one table that holds copy jobs and slot counters, as the stack creates it and the store reads it.
/// Job:     PK = JOB#{sourceRegion}#{sourceImageId}[@{account}]   SK = DEST#{destinationRegion}
/// Counter: PK = SLOT                                 SK = DEST#{destination} | PAIR#{sourceRegion}#{destination}
/// Index ByDestinationState (sparse, only jobs not yet done): GSI1PK = WAITING#{destination}#{sourceRegion} | ACTIVE#{destination},
/// GSI1SK = the start order (waiting) or the creation time (active).
/// {destination} is the region for the home account and {account}#{region} for a target account; the account part is absent for
/// the home account, so a table written before targets existed reads the same.
/// </summary>
public static class JobTableSchema
{
    public const string PartitionKey = "PK";
    public const string SortKey = "SK";
    public const string ActiveIndexName = "ByDestinationState";
    public const string ActiveIndexPartitionKey = "GSI1PK";
    public const string ActiveIndexSortKey = "GSI1SK";
}

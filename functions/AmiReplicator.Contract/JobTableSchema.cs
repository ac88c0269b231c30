namespace AmiReplicator.Contract;

/// <summary>
/// The key schema of the one table that holds copy jobs and slot counters, as the stack creates it and the store reads it.
/// Job:     PK = JOB#{sourceRegion}#{sourceImageId}[@{account}]   SK = DEST#{destinationRegion}
/// Counter: PK = SLOT                                 SK = DEST#{destination} | PAIR#{sourceRegion}#{destination}
/// Index ByDestinationState (sparse, only jobs not yet done): GSI1PK = WAITING#{destination}#{sourceRegion} | ACTIVE#{destination},
/// GSI1SK = the start order (waiting) or the creation time (active).
/// Index ByStateDestination (every job, keys and ExpiresAt, UpdatedAt projected): GSI2PK = STATE#{STATE}#{destination},
/// GSI2SK = {time}#{sourceRegion}#{sourceImageId}, the time since when it waits (waiting) or of its last change (the others).
/// ExpiresAt (epoch seconds): an ended job's end plus the policy's jobRetentionDays, the table's TTL attribute.
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
    public const string StateIndexName = "ByStateDestination";
    public const string StateIndexPartitionKey = "GSI2PK";
    public const string StateIndexSortKey = "GSI2SK";

    /// <summary>The table's time-to-live attribute: when DynamoDB may delete an ended job (it does so up to days later).</summary>
    public const string ExpiresAtAttribute = "ExpiresAt";

    /// <summary>The attributes besides the keys that <see cref="StateIndexName"/> projects: what its reads filter on.</summary>
    public static readonly IReadOnlyList<string> StateIndexProjection = [ExpiresAtAttribute, "UpdatedAt"];
}

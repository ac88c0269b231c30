using System.Globalization;
using Amazon.DynamoDBv2.Model;
using AmiReplicator.Contract;
using AmiReplicator.Domain.Jobs;

namespace AmiReplicator.DynamoDb;

/// <summary>Copy jobs to and from DynamoDB items: plain attributes, so a scan in the console reads well.</summary>
internal static class JobItems
{
    public const string CounterPartition = "SLOT";
    public const string InFlightAttribute = "InFlight";

    public static Dictionary<string, AttributeValue> Key(CopyJobKey key) => new()
    {
        [JobTableSchema.PartitionKey] = S($"JOB#{key.SourceRegion}#{key.SourceImageId}"),
        [JobTableSchema.SortKey] = S($"DEST#{key.DestinationRegion}"),
    };

    public static Dictionary<string, AttributeValue> CounterKey(SlotScope scope) => new()
    {
        [JobTableSchema.PartitionKey] = S(CounterPartition),
        [JobTableSchema.SortKey] = S(scope.ToString()),
    };

    public static SlotCounter CounterFromItem(Dictionary<string, AttributeValue> item) => new(
        SlotScope.Parse(item[JobTableSchema.SortKey].S),
        item.TryGetValue(InFlightAttribute, out var inFlight) ? int.Parse(inFlight.N, CultureInfo.InvariantCulture) : 0,
        item.TryGetValue("Holders", out var holders) && holders.SS is not null
            ? holders.SS.Select(CopyJobKey.FromHolderId).ToHashSet()
            : new HashSet<CopyJobKey>(),
        OptionalTime(item, "BackOffUntil"));

    public static string ActivePartition(string destinationRegion, CopyJobState state) =>
        $"{state.ToString().ToUpperInvariant()}#{destinationRegion}";

    /// <summary>Ended jobs that still have an image to remove stay in the sparse index under this partition until it is gone.</summary>
    public static string CleanupPartition(string destinationRegion) => $"CLEANUP#{destinationRegion}";

    public static Dictionary<string, AttributeValue> ToItem(CopyJob job)
    {
        var item = Key(job.Key);
        item["SourceRegion"] = S(job.Key.SourceRegion);
        item["SourceImageId"] = S(job.Key.SourceImageId);
        item["DestinationRegion"] = S(job.Key.DestinationRegion);
        item["State"] = S(job.State.ToString().ToUpperInvariant());
        item["Version"] = N(job.Version);
        item["Name"] = S(job.Name);
        item["Description"] = S(job.Description);
        item["Encrypt"] = new AttributeValue { BOOL = job.Encrypt };
        item["RequestedBy"] = S(job.RequestedBy);
        item["Attempt"] = N(job.Attempt);
        item["StepFailures"] = N(job.StepFailures);
        item["CreatedAt"] = S(Time(job.CreatedAt));
        item["UpdatedAt"] = S(Time(job.UpdatedAt));
        item["Tags"] = new AttributeValue { M = job.Tags.ToDictionary(t => t.Key, t => S(t.Value)) };
        item["Notes"] = new AttributeValue { L = job.Notes.Select(S).ToList() };
        SetIfPresent(item, "KmsKeyId", job.KmsKeyId);
        SetIfPresent(item, "Reason", job.Reason);
        SetIfPresent(item, "TargetImageId", job.TargetImageId);
        SetIfPresent(item, "ImageToRemove", job.ImageToRemove);
        SetIfPresent(item, "LastError", job.LastError);
        SetIfPresent(item, "NotBefore", job.NotBefore is { } notBefore ? Time(notBefore) : null);
        SetIfPresent(item, "WaitingSince", job.WaitingSince is { } waiting ? Time(waiting) : null);
        SetIfPresent(item, "ClaimedAt", job.ClaimedAt is { } claimed ? Time(claimed) : null);
        SetIfPresent(item, "CopyStartedAt", job.CopyStartedAt is { } started ? Time(started) : null);
        SetIfPresent(item, "CompletedAt", job.CompletedAt is { } completed ? Time(completed) : null);
        // Sparse index: only jobs the poller still has to look at (not yet done, or done with an image left to remove).
        var partition = !job.State.IsTerminal() ? ActivePartition(job.Key.DestinationRegion, job.State)
            : job.ImageToRemove is not null ? CleanupPartition(job.Key.DestinationRegion)
            : null;
        if (partition is not null)
        {
            item[JobTableSchema.ActiveIndexPartitionKey] = S(partition);
            item[JobTableSchema.ActiveIndexSortKey] = S($"{Time(job.CreatedAt)}#{job.Key.SourceRegion}#{job.Key.SourceImageId}");
        }

        return item;
    }

    public static CopyJob FromItem(Dictionary<string, AttributeValue> item) => new()
    {
        Key = new CopyJobKey(item["SourceRegion"].S, item["SourceImageId"].S, item["DestinationRegion"].S),
        State = Enum.Parse<CopyJobState>(item["State"].S, ignoreCase: true),
        Version = long.Parse(item["Version"].N, CultureInfo.InvariantCulture),
        Name = item["Name"].S,
        Description = item["Description"].S,
        Encrypt = item["Encrypt"].BOOL == true,
        KmsKeyId = Optional(item, "KmsKeyId"),
        Tags = item.TryGetValue("Tags", out var tags) && tags.M is not null ? tags.M.ToDictionary(t => t.Key, t => t.Value.S) : [],
        RequestedBy = item["RequestedBy"].S,
        Reason = Optional(item, "Reason"),
        Attempt = int.Parse(item["Attempt"].N, CultureInfo.InvariantCulture),
        StepFailures = item.TryGetValue("StepFailures", out var failures) ? int.Parse(failures.N, CultureInfo.InvariantCulture) : 0,
        TargetImageId = Optional(item, "TargetImageId"),
        ImageToRemove = Optional(item, "ImageToRemove"),
        CreatedAt = ParseTime(item["CreatedAt"].S),
        UpdatedAt = ParseTime(item["UpdatedAt"].S),
        NotBefore = OptionalTime(item, "NotBefore"),
        WaitingSince = OptionalTime(item, "WaitingSince"),
        ClaimedAt = OptionalTime(item, "ClaimedAt"),
        CopyStartedAt = OptionalTime(item, "CopyStartedAt"),
        CompletedAt = OptionalTime(item, "CompletedAt"),
        LastError = Optional(item, "LastError"),
        Notes = item.TryGetValue("Notes", out var notes) && notes.L is not null ? notes.L.Select(n => n.S).ToList() : [],
    };

    public static AttributeValue S(string value) => new() { S = value };

    public static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    private static void SetIfPresent(Dictionary<string, AttributeValue> item, string name, string? value)
    {
        if (value is not null)
        {
            item[name] = S(value);
        }
    }

    private static string? Optional(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) ? value.S : null;

    private static DateTimeOffset? OptionalTime(Dictionary<string, AttributeValue> item, string name) =>
        Optional(item, name) is { } text ? ParseTime(text) : null;

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}

using System.Globalization;
using Amazon.DynamoDBv2.Model;
using AmiReplicator.Contract;
using AmiReplicator.Domain.Images;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Slots;

namespace AmiReplicator.Aws.DynamoDb;

/// <summary>Copy jobs to and from DynamoDB items: plain attributes, so a scan in the console reads well.</summary>
internal static class JobItems
{
    public const string CounterPartition = "SLOT";
    public const string InFlightAttribute = "InFlight";

    /// <summary>
    /// A job's key: one partition per source AMI for the home account's destinations (as before targets existed), and one per
    /// (source AMI, account) for a target account's, so a fan-out to many accounts never crowds one partition.
    /// </summary>
    public static Dictionary<string, AttributeValue> Key(CopyJobKey key) => new()
    {
        [JobTableSchema.PartitionKey] = S(JobPartition(key.SourceRegion, key.SourceImageId, key.DestinationAccount)),
        [JobTableSchema.SortKey] = S($"{DestinationPrefix}{key.DestinationRegion}"),
    };

    /// <summary>The partition of one source AMI's jobs into one account (null: the home account).</summary>
    public static string JobPartition(string sourceRegion, string sourceImageId, string? account) =>
        account is null ? $"{JobPrefix}{sourceRegion}#{sourceImageId}" : $"{JobPrefix}{sourceRegion}#{sourceImageId}@{account}";

    /// <summary>The job a <see cref="Key"/> names.</summary>
    public static CopyJobKey KeyFrom(Dictionary<string, AttributeValue> key)
    {
        var partition = key[JobTableSchema.PartitionKey].S[JobPrefix.Length..];
        var at = partition.IndexOf('@', StringComparison.Ordinal);
        var (sourceAndImage, account) = at >= 0 ? (partition[..at], partition[(at + 1)..]) : (partition, null);
        var hash = sourceAndImage.IndexOf('#', StringComparison.Ordinal);
        return new CopyJobKey(sourceAndImage[..hash], sourceAndImage[(hash + 1)..], key[JobTableSchema.SortKey].S[DestinationPrefix.Length..])
        {
            DestinationAccount = account,
        };
    }

    public const string JobPrefix = "JOB#";
    private const string DestinationPrefix = "DEST#";

    /// <summary>Whether the item's <see cref="JobTableSchema.ExpiresAtAttribute"/> has passed at <paramref name="now"/>: TTL may not have deleted it yet.</summary>
    public static bool HasExpired(Dictionary<string, AttributeValue> item, DateTimeOffset now) =>
        item.TryGetValue(JobTableSchema.ExpiresAtAttribute, out var expires) && long.Parse(expires.N, CultureInfo.InvariantCulture) <= now.ToUnixTimeSeconds();

    public static Dictionary<string, AttributeValue> CounterKey(SlotScope scope) => new()
    {
        [JobTableSchema.PartitionKey] = S(CounterPartition),
        [JobTableSchema.SortKey] = S(scope.ToString()),
    };

    /// <summary>When a source region was last swept: PK = SWEEP, SK = SOURCE#{region}.</summary>
    public static Dictionary<string, AttributeValue> SweepKey(string sourceRegion) => new()
    {
        [JobTableSchema.PartitionKey] = S("SWEEP"),
        [JobTableSchema.SortKey] = S($"SOURCE#{sourceRegion}"),
    };

    /// <summary>When a destination's retention last ran: PK = SWEEP, SK = RETENTION#{region}, RETENTION#{account}#{region} for a target account's.</summary>
    public static Dictionary<string, AttributeValue> RetentionKey(string destination) => new()
    {
        [JobTableSchema.PartitionKey] = S("SWEEP"),
        [JobTableSchema.SortKey] = S($"RETENTION#{destination}"),
    };

    public const string CommittedMiBpsAttribute = "CommittedMiBps";

    /// <summary>How many claims a counter has taken in all (<see cref="SlotCounter.Claims"/>).</summary>
    public const string ClaimsAttribute = "Claims";

    /// <summary>A source->destination counter records each holder's committed throughput in an attribute of its own, beside the slot.</summary>
    public static string HolderMiBpsAttribute(string holderId) => $"{HolderMiBpsPrefix}{holderId}";

    private const string HolderMiBpsPrefix = "MiBps#";

    public static SlotCounter CounterFromItem(Dictionary<string, AttributeValue> item) => new(
        SlotScope.Parse(item[JobTableSchema.SortKey].S),
        item.TryGetValue(InFlightAttribute, out var inFlight) ? int.Parse(inFlight.N, CultureInfo.InvariantCulture) : 0,
        item.TryGetValue("Holders", out var holders) && holders.SS is not null
            ? holders.SS.Select(CopyJobKey.FromHolderId).ToHashSet()
            : new HashSet<CopyJobKey>(),
        OptionalTime(item, "BackOffUntil"))
    {
        HolderMiBps = item.Where(a => a.Key.StartsWith(HolderMiBpsPrefix, StringComparison.Ordinal))
            .ToDictionary(a => CopyJobKey.FromHolderId(a.Key[HolderMiBpsPrefix.Length..]), a => int.Parse(a.Value.N, CultureInfo.InvariantCulture)),
        CommittedMiBps = item.TryGetValue(CommittedMiBpsAttribute, out var committed) ? int.Parse(committed.N, CultureInfo.InvariantCulture) : 0,
        Claims = item.TryGetValue(ClaimsAttribute, out var claims) ? long.Parse(claims.N, CultureInfo.InvariantCulture) : 0,
    };

    /// <summary>A distribution's record: PK = DIST#{sourceRegion}#{sourceImageId}, SK = DIST, beside (not among) its jobs' partitions.</summary>
    public static Dictionary<string, AttributeValue> DistributionItemKey(DistributionId key) => new()
    {
        [JobTableSchema.PartitionKey] = S($"DIST#{key.SourceRegion}#{key.SourceImageId}"),
        [JobTableSchema.SortKey] = S("DIST"),
    };

    /// <summary>Distributions due to be looked at, sorted by when (the index's sparse partition: the others are not in it).</summary>
    public const string DistributionPartition = "DISTRIBUTION";

    /// <summary>A count of a distribution's jobs is an attribute of its own (added to in the jobs' writes): C#{tally name}.</summary>
    public const string CountPrefix = "C#";

    /// <summary>Held jobs of a distribution, by wave: letting waves go is one range read.</summary>
    public static string HeldPartition(DistributionId key) => $"HELD#{key.SourceRegion}#{key.SourceImageId}";

    public static string HeldSortKey(int wave) => $"W{wave.ToString("D4", CultureInfo.InvariantCulture)}";

    public static Distribution DistributionFromItem(Dictionary<string, AttributeValue> item) => new()
    {
        Key = new DistributionId(item["SourceRegion"].S, item["SourceImageId"].S),
        Counts = item.Where(a => a.Key.StartsWith(CountPrefix, StringComparison.Ordinal))
            .ToDictionary(a => a.Key[CountPrefix.Length..], a => long.Parse(a.Value.N, CultureInfo.InvariantCulture), StringComparer.Ordinal),
        Version = item.TryGetValue("Version", out var version) ? long.Parse(version.N, CultureInfo.InvariantCulture) : 0,
        OpenedWave = item.TryGetValue("OpenedWave", out var opened) ? int.Parse(opened.N, CultureInfo.InvariantCulture) : 0,
        WavesAvailableAt = item.TryGetValue("WavesAvailableAt", out var available) && available.M is not null
            ? available.M.ToDictionary(w => int.Parse(w.Key, CultureInfo.InvariantCulture), w => ParseTime(w.Value.S))
            : [],
        WavesResumed = item.TryGetValue("WavesResumed", out var resumed) && resumed.M is not null
            ? resumed.M.ToDictionary(w => int.Parse(w.Key, CultureInfo.InvariantCulture), w => w.Value.S)
            : [],
        HeldReason = Optional(item, "HeldReason"),
        EventSentRound = item.TryGetValue("EventSentRound", out var sent) ? long.Parse(sent.N, CultureInfo.InvariantCulture) : null,
        InspectAt = item.ContainsKey(JobTableSchema.ActiveIndexPartitionKey) ? OptionalTime(item, JobTableSchema.ActiveIndexSortKey) : null,
    };

    /// <summary>Waiting jobs, one partition per source->destination pair, sorted in start order (<see cref="StartOrderKey"/>).</summary>
    public static string WaitingPartition(CopyDestination destination, string sourceRegion) => $"WAITING#{destination.KeyText}#{sourceRegion}";

    /// <summary>Claimed and copying jobs, and ended ones with an image left to remove: all the poller checks, in one query.</summary>
    public static string ActivePartition(CopyDestination destination) => $"ACTIVE#{destination.KeyText}";

    /// <summary>
    /// <see cref="CopyJob.StartOrder"/> as a string: the ready minute, then the size largest first, then since when it waits.
    /// Every key of a job ready by a minute sorts before <see cref="StartOrderKeyBound"/> of the next minute.
    /// </summary>
    public static string StartOrderKey(CopyJob job) =>
        $"{MinuteText(job.ReadyMinute)}#{MaxSortedSize - Math.Clamp(job.SizeGiB, 0, MaxSortedSize):D7}#{Time(job.WaitingSinceOrCreated)}#{job.Key.SourceImageId}";

    public static string StartOrderKeyBound(DateTimeOffset minute) => MinuteText(minute);

    private const int MaxSortedSize = 9_999_999;

    private static string MinuteText(DateTimeOffset minute) => minute.UtcDateTime.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture);

    /// <summary>Every job by state and destination: one partition per (state, destination), in <see cref="CopyJob.StateSortTime"/> order.</summary>
    public static string StatePartition(CopyJobState state, CopyDestination destination) => $"STATE#{StateName(state)}#{destination.KeyText}";

    public static string StateSortKey(CopyJob job) => $"{Time(job.StateSortTime)}#{job.Key.SourceRegion}#{job.Key.SourceImageId}";

    /// <summary>The time and the source region a <see cref="StateSortKey"/> holds.</summary>
    public static (DateTimeOffset Time, string SourceRegion) ParseStateSortKey(string key)
    {
        var parts = key.Split('#');
        return (ParseTime(parts[0]), parts[1]);
    }

    private static string StateName(CopyJobState state) => state.ToString().ToUpperInvariant();

    /// <summary>The index attributes and the expiry of <paramref name="job"/>, kept with <paramref name="retention"/> once ended: what every write of it sets.</summary>
    public static Dictionary<string, AttributeValue> StateIndexAttributes(CopyJob job, TimeSpan? retention)
    {
        var attributes = new Dictionary<string, AttributeValue>
        {
            [JobTableSchema.StateIndexPartitionKey] = S(StatePartition(job.State, job.Key.Destination)),
            [JobTableSchema.StateIndexSortKey] = S(StateSortKey(job)),
        };
        if (job.ExpiresAt(retention) is { } expires)
        {
            attributes[JobTableSchema.ExpiresAtAttribute] = N(expires.ToUnixTimeSeconds());
        }

        return attributes;
    }

    public static Dictionary<string, AttributeValue> ToItem(CopyJob job, TimeSpan? retention)
    {
        var item = Key(job.Key);
        item["SourceRegion"] = S(job.Key.SourceRegion);
        item["SourceImageId"] = S(job.Key.SourceImageId);
        item["DestinationRegion"] = S(job.Key.DestinationRegion);
        SetIfPresent(item, "DestinationAccount", job.Key.DestinationAccount);
        item["State"] = S(StateName(job.State));
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
        item["SizeGiB"] = N(job.SizeGiB);
        if (job.SnapshotCopyCompletionDurationMinutes is { } duration)
        {
            item["SnapshotCopyCompletionDurationMinutes"] = N(duration);
            item["SnapshotCopyMiBps"] = N(job.SnapshotCopyMiBps);
        }
        if (job.LaunchPermissions is { } permissions)
        {
            // IsLSet: an empty list (read, and nobody to share with) is stored as one, not left out like "not read".
            item["LaunchPermissions"] = new AttributeValue
            {
                L = permissions.Select(p => new AttributeValue { M = new() { ["Kind"] = S(p.Kind.ToString()), ["Value"] = S(p.Value) } }).ToList(),
                IsLSet = true,
            };
        }

        if (job.SourceSnapshotTags is { } snapshotTags)
        {
            // IsLSet: an empty list (nothing to give the copy's snapshots) is stored as one, not left out like "not recorded".
            item["SourceSnapshotTags"] = new AttributeValue
            {
                L = snapshotTags.Select(t => new AttributeValue
                {
                    M = new()
                    {
                        ["DeviceName"] = S(t.DeviceName),
                        ["SnapshotId"] = S(t.SnapshotId),
                        ["Tags"] = new AttributeValue { M = t.Tags.ToDictionary(tag => tag.Key, tag => S(tag.Value)), IsMSet = true },
                    },
                }).ToList(),
                IsLSet = true,
            };
        }

        SetIfPresent(item, "SourceDeprecationTime", job.SourceDeprecationTime is { } deprecation ? Time(deprecation) : null);
        SetIfPresent(item, "SourceDeregistrationProtection",
            job.SourceDeregistrationProtection == DeregistrationProtection.Disabled ? null : job.SourceDeregistrationProtection.ToString());
        SetIfPresent(item, "SourceOwnerId", job.SourceOwnerId);
        SetIfPresent(item, "KmsKeyId", job.KmsKeyId);
        SetIfPresent(item, "Reason", job.Reason);
        SetIfPresent(item, "TargetImageId", job.TargetImageId);
        SetIfPresent(item, "ImageToRemove", job.ImageToRemove);
        SetIfPresent(item, "LastError", job.LastError);
        SetIfPresent(item, "FailureCode", job.FailureCode);
        SetIfPresent(item, "NotBefore", job.NotBefore is { } notBefore ? Time(notBefore) : null);
        SetIfPresent(item, "WaitingSince", job.WaitingSince is { } waiting ? Time(waiting) : null);
        SetIfPresent(item, "ClaimedAt", job.ClaimedAt is { } claimed ? Time(claimed) : null);
        SetIfPresent(item, "CopyCalledAt", job.CopyCalledAt is { } called ? Time(called) : null);
        SetIfPresent(item, "CancelRequested", job.CancelRequested);
        if (job.DisabledWithSource)
        {
            item["DisabledWithSource"] = new AttributeValue { BOOL = true };
        }

        if (job.ShareToRemove)
        {
            item["ShareToRemove"] = new AttributeValue { BOOL = true };
        }

        if (job.SharedHomeCopy)
        {
            item["SharedHomeCopy"] = new AttributeValue { BOOL = true };
        }

        SetIfPresent(item, "CopyStartedAt", job.CopyStartedAt is { } started ? Time(started) : null);
        SetIfPresent(item, "CompletedAt", job.CompletedAt is { } completed ? Time(completed) : null);
        if (job.Wave is { } wave)
        {
            item["Wave"] = N(wave);
        }

        // Sparse index: only jobs the poller still has to look at (waiting; holding slots; done with an image left to remove); a held
        // job is under its distribution's held jobs instead, where no worker looking for waiting work reads.
        if (job is { State: CopyJobState.Waiting, Held: true })
        {
            item["Held"] = new AttributeValue { BOOL = true };
            item[JobTableSchema.ActiveIndexPartitionKey] = S(HeldPartition(DistributionId.Of(job.Key)));
            item[JobTableSchema.ActiveIndexSortKey] = S($"{HeldSortKey(job.Wave ?? 0)}#{job.Key.Destination.KeyText}");
        }
        else if (job.State == CopyJobState.Waiting)
        {
            item[JobTableSchema.ActiveIndexPartitionKey] = S(WaitingPartition(job.Key.Destination, job.Key.SourceRegion));
            item[JobTableSchema.ActiveIndexSortKey] = S(StartOrderKey(job));
        }
        else if (!job.State.IsTerminal() || job.NeedsCleanUp)
        {
            item[JobTableSchema.ActiveIndexPartitionKey] = S(ActivePartition(job.Key.Destination));
            item[JobTableSchema.ActiveIndexSortKey] = S($"{Time(job.CreatedAt)}#{job.Key.SourceRegion}#{job.Key.SourceImageId}");
        }

        foreach (var (name, value) in StateIndexAttributes(job, retention))
        {
            item[name] = value;
        }

        return item;
    }

    public static CopyJob FromItem(Dictionary<string, AttributeValue> item) => new()
    {
        Key = new CopyJobKey(item["SourceRegion"].S, item["SourceImageId"].S, item["DestinationRegion"].S)
        {
            DestinationAccount = Optional(item, "DestinationAccount"),
        },
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
        CopyCalledAt = OptionalTime(item, "CopyCalledAt"),
        CancelRequested = Optional(item, "CancelRequested"),
        DisabledWithSource = item.TryGetValue("DisabledWithSource", out var disabled) && disabled.BOOL == true,
        ShareToRemove = item.TryGetValue("ShareToRemove", out var share) && share.BOOL == true,
        SharedHomeCopy = item.TryGetValue("SharedHomeCopy", out var shared) && shared.BOOL == true,
        CopyStartedAt = OptionalTime(item, "CopyStartedAt"),
        CompletedAt = OptionalTime(item, "CompletedAt"),
        LastError = Optional(item, "LastError"),
        FailureCode = Optional(item, "FailureCode"),
        Notes = item.TryGetValue("Notes", out var notes) && notes.L is not null ? notes.L.Select(n => n.S).ToList() : [],
        SizeGiB = item.TryGetValue("SizeGiB", out var size) ? int.Parse(size.N, CultureInfo.InvariantCulture) : 0,
        SnapshotCopyCompletionDurationMinutes = item.TryGetValue("SnapshotCopyCompletionDurationMinutes", out var duration)
            ? int.Parse(duration.N, CultureInfo.InvariantCulture)
            : null,
        SnapshotCopyMiBps = item.TryGetValue("SnapshotCopyMiBps", out var throughput) ? int.Parse(throughput.N, CultureInfo.InvariantCulture) : 0,
        LaunchPermissions = item.TryGetValue("LaunchPermissions", out var permissions) && permissions.IsLSet
            ? (permissions.L ?? []).Select(p => new LaunchPermission(Enum.Parse<LaunchPermissionKind>(p.M["Kind"].S), p.M["Value"].S)).ToList()
            : null,
        SourceSnapshotTags = item.TryGetValue("SourceSnapshotTags", out var snapshotTags) && snapshotTags.IsLSet
            ? (snapshotTags.L ?? []).Select(t => new SourceSnapshotTags(t.M["DeviceName"].S, t.M["SnapshotId"].S,
                t.M.TryGetValue("Tags", out var tags) && tags.M is not null ? tags.M.ToDictionary(tag => tag.Key, tag => tag.Value.S, StringComparer.Ordinal) : [])).ToList()
            : null,
        SourceDeprecationTime = OptionalTime(item, "SourceDeprecationTime"),
        SourceDeregistrationProtection = Optional(item, "SourceDeregistrationProtection") is { } protection
            ? Enum.Parse<DeregistrationProtection>(protection)
            : DeregistrationProtection.Disabled,
        SourceOwnerId = Optional(item, "SourceOwnerId"),
        Wave = item.TryGetValue("Wave", out var wave) ? int.Parse(wave.N, CultureInfo.InvariantCulture) : null,
        Held = item.TryGetValue("Held", out var held) && held.BOOL == true,
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

    public static DateTimeOffset? OptionalTime(Dictionary<string, AttributeValue> item, string name) =>
        Optional(item, name) is { } text ? ParseTime(text) : null;

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    public static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}

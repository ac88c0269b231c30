using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using AmiReplicator.Contract;
using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Slots;
using Microsoft.Extensions.Logging;
using static AmiReplicator.Aws.DynamoDb.JobItems;

namespace AmiReplicator.Aws.DynamoDb;

/// <summary>
/// Copy jobs and slot counters in DynamoDB. This is where slots are taken and given back: a job moves into a
/// slot-holding state only in the transaction that takes its destination slot and its source->destination slot,
/// and moves out only in the one that releases both. Counters record their holders, so neither a retried
/// request nor a repeated release can count twice; a claim needs both counters to exist, so a counter deleted by
/// a person cannot let claims past the budget before it is rebuilt from the jobs.
/// </summary>
public sealed class DynamoCopyJobStore(IAmazonDynamoDB dynamo, string tableName, ILogger<DynamoCopyJobStore> log) : ICopyJobStore
{
    private const string ConditionalCheckFailed = "ConditionalCheckFailed";

    /// <summary>How long an ended job is kept before it expires (the policy's <c>jobRetentionDays</c>); null: forever.</summary>
    public TimeSpan? JobRetention { get; init; }
    private const string TransactionConflict = "TransactionConflict";

    public async Task<CopyJob?> GetAsync(CopyJobKey key, CancellationToken cancellationToken)
    {
        var response = await dynamo.GetItemAsync(new GetItemRequest
        {
            TableName = tableName,
            Key = Key(key),
            ConsistentRead = true,
        }, cancellationToken);
        return response.IsItemSet ? FromItem(response.Item) : null;
    }

    public async Task<IReadOnlyList<CopyJob>> GetManyAsync(IReadOnlyCollection<CopyJobKey> keys, CancellationToken cancellationToken)
    {
        var jobs = new List<CopyJob>();
        foreach (var chunk in keys.Distinct().Chunk(100))
        {
            var pending = new Dictionary<string, KeysAndAttributes>
            {
                [tableName] = new KeysAndAttributes { Keys = [.. chunk.Select(Key)], ConsistentRead = true },
            };
            while (pending.Count > 0)
            {
                var response = await dynamo.BatchGetItemAsync(new BatchGetItemRequest { RequestItems = pending, ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL },
                    cancellationToken);
                jobs.AddRange((response.Responses?.GetValueOrDefault(tableName) ?? []).Select(FromItem));
                // DynamoDB answers part of a batch under load: the rest is asked again (the SDK backs off between calls).
                pending = response.UnprocessedKeys is { Count: > 0 } unprocessed ? unprocessed : [];
            }
        }

        return jobs;
    }

    public Task<ScheduledTurn> TryStartSweepAsync(string sourceRegion, DateTimeOffset now, TimeSpan interval, CancellationToken cancellationToken) =>
        TryStartScheduledAsync(SweepKey(sourceRegion), now, interval, cancellationToken);

    public Task<ScheduledTurn> TryStartRetentionAsync(string destination, DateTimeOffset now, TimeSpan interval, CancellationToken cancellationToken) =>
        TryStartScheduledAsync(RetentionKey(destination), now, interval, cancellationToken);

    private async Task<ScheduledTurn> TryStartScheduledAsync(Dictionary<string, AttributeValue> key, DateTimeOffset now, TimeSpan interval, CancellationToken cancellationToken)
    {
        try
        {
            await dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tableName,
                Key = key,
                UpdateExpression = "SET LastSweptAt = :now",
                ConditionExpression = "attribute_not_exists(LastSweptAt) OR LastSweptAt <= :due",
                ExpressionAttributeValues = new() { [":now"] = S(Time(now)), [":due"] = S(Time(now - interval)) },
                // Refused, the item tells when the turn was last taken: the caller need not ask again before the next is due.
                ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
            }, cancellationToken);
            return new ScheduledTurn(true, now + interval);
        }
        catch (ConditionalCheckFailedException e)
        {
            // Refused, the item has the time (the condition fails only on it); were it missing, the turn is asked for again next time.
            return new ScheduledTurn(false, OptionalTime(e.Item ?? [], "LastSweptAt") is { } last ? last + interval : now);
        }
    }

    /// <summary>Most items one DynamoDB transaction takes.</summary>
    private const int MaxTransactionItems = 100;

    public async Task<IReadOnlyList<(CopyJob Job, bool Created)>> CreateAllIfAbsentAsync(IReadOnlyList<CopyJob> jobs, CancellationToken cancellationToken)
    {
        // An AMI with many target accounts has more jobs than a transaction takes: a transaction per 99, and their distribution's count.
        var results = new List<(CopyJob, bool)>(jobs.Count);
        foreach (var chunk in jobs.Chunk(MaxTransactionItems - 1))
        {
            results.AddRange(await CreateChunkIfAbsentAsync(chunk, cancellationToken));
        }

        return results;
    }

    private async Task<IReadOnlyList<(CopyJob Job, bool Created)>> CreateChunkIfAbsentAsync(CopyJob[] jobs, CancellationToken cancellationToken)
    {
        try
        {
            // All in one call: a new AMI's jobs are new together. A duplicate event finds them all there and writes nothing.
            await dynamo.TransactWriteItemsAsync(new TransactWriteItemsRequest
            {
                TransactItems = [.. jobs.Select(PutIfAbsent), .. Tally(jobs, DistributionTally.Sum(jobs.Select(job => DistributionTally.Change(null, job))))],
            }, cancellationToken);
            return [.. jobs.Select(job => (job, true))];
        }
        catch (TransactionCanceledException e) when (FailedConditions(e).Count > 0)
        {
            // Some exist: those stand as stored, the others are written one by one (each may race another worker's write).
            var reasons = e.CancellationReasons;
            var results = new List<(CopyJob, bool)>();
            for (var i = 0; i < jobs.Length; i++)
            {
                results.Add(reasons[i].Code == ConditionalCheckFailed && reasons[i].Item is { Count: > 0 } existing
                    ? (FromItem(existing), false)
                    : await CreateIfAbsentAsync(jobs[i], cancellationToken));
            }

            return results;
        }
    }

    private async Task<(CopyJob Job, bool Created)> CreateIfAbsentAsync(CopyJob job, CancellationToken cancellationToken)
    {
        try
        {
            await dynamo.TransactWriteItemsAsync(new TransactWriteItemsRequest
            {
                TransactItems = [PutIfAbsent(job), .. Tally([job], DistributionTally.Change(null, job))],
            }, cancellationToken);
            return (job, true);
        }
        catch (TransactionCanceledException e) when (FailedConditions(e).Contains(0))
        {
            var existing = e.CancellationReasons[0].Item is { Count: > 0 } item ? FromItem(item) : await GetAsync(job.Key, cancellationToken);
            return (existing ?? throw new InvalidOperationException($"Copy job {job.Key} exists and then does not: it was deleted meanwhile."), false);
        }
    }

    private TransactWriteItem PutIfAbsent(CopyJob job) => new()
    {
        Put = new Put
        {
            TableName = tableName,
            Item = ToItem(job, JobRetention),
            ConditionExpression = "attribute_not_exists(PK)",
            ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
        },
    };

    /// <summary>
    /// The update of the jobs' distribution a job write carries (none when its counts do not change): the counts added to, the
    /// version moved on, and the distribution due to be looked at now (write-first: the write that ends its last job makes its
    /// completed event due).
    /// </summary>
    private IEnumerable<TransactWriteItem> Tally(CopyJob[] jobs, IReadOnlyDictionary<string, long> change)
    {
        if (change.Count == 0)
        {
            yield break;
        }

        var key = DistributionId.Of(jobs[0].Key);
        var names = new Dictionary<string, string> { ["#pk"] = JobTableSchema.ActiveIndexPartitionKey, ["#sk"] = JobTableSchema.ActiveIndexSortKey };
        var values = new Dictionary<string, AttributeValue>
        {
            [":region"] = S(key.SourceRegion),
            [":image"] = S(key.SourceImageId),
            [":due"] = S(DistributionPartition),
            [":now"] = S(Time(jobs.Max(j => j.UpdatedAt))),
            [":one"] = N(1),
        };
        var adds = new List<string> { "Version :one" };
        foreach (var ((name, delta), i) in change.Select((c, i) => (c, i)))
        {
            names[$"#c{i}"] = CountPrefix + name;
            values[$":c{i}"] = N(delta);
            adds.Add($"#c{i} :c{i}");
        }

        yield return new TransactWriteItem
        {
            Update = new Update
            {
                TableName = tableName,
                Key = DistributionItemKey(key),
                UpdateExpression = $"SET SourceRegion = :region, SourceImageId = :image, #pk = :due, #sk = :now ADD {string.Join(", ", adds)}",
                ExpressionAttributeNames = names,
                ExpressionAttributeValues = values,
            },
        };
    }

    public async Task<TransitionResult> TransitionAsync(CopyJob from, CopyJob to, SlotBudget budget, CancellationToken cancellationToken)
    {
        if (!from.State.CanMoveTo(to.State) || from.Key != to.Key)
        {
            throw new InvalidOperationException($"Copy job {from.Key} cannot move from {from.State} to {to.State}.");
        }

        var next = to with { Version = from.Version + 1 };
        var takes = !from.State.HoldsSlot() && to.State.HoldsSlot();
        var releases = from.State.HoldsSlot() && !to.State.HoldsSlot();
        var tally = Tally([next], DistributionTally.Change(from, next)).ToList();
        if (takes)
        {
            return await TakeSlotsAsync(from, next, budget, tally, cancellationToken);
        }

        if (releases)
        {
            return await ReleaseSlotsAsync(from, next, tally, cancellationToken);
        }

        if (tally.Count > 0)
        {
            // The distribution's count never refuses: the transaction is applied, or the job had changed.
            return (await TransactAsync(from, next, tally, cancellationToken)).Done!;
        }

        try
        {
            await dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = tableName,
                Item = ToItem(next, JobRetention),
                ConditionExpression = VersionCondition,
                ExpressionAttributeNames = VersionNames,
                ExpressionAttributeValues = VersionValues(from),
                ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
            }, cancellationToken);
            return new TransitionResult(TransitionStatus.Applied, next);
        }
        catch (ConditionalCheckFailedException e)
        {
            return new TransitionResult(TransitionStatus.Conflict, e.Item is { Count: > 0 } item ? FromItem(item) : null);
        }
    }

    private async Task<TransitionResult> TakeSlotsAsync(CopyJob from, CopyJob next, SlotBudget budget, IReadOnlyList<TransactWriteItem> tally, CancellationToken cancellationToken)
    {
        var holder = from.Key.HolderId;
        SlotScope[] scopes = [SlotScope.All(from.Key.Destination), SlotScope.Pair(from.Key.SourceRegion, from.Key.Destination)];
        var outcome = await TransactAsync(from, next,
        [
            Acquire(CounterKey(scopes[0]), holder, budget.MaxInFlight, notBackingOffAt: next.UpdatedAt, countsClaim: false),
            Acquire(CounterKey(scopes[1]), holder, budget.MaxInFlightPerSource, notBackingOffAt: null, countsClaim: true,
                new Throughput(next.SnapshotCopyMiBps, budget.MaxSnapshotCopyMiBpsPerSource)),
            .. tally,
        ], cancellationToken);
        if (outcome.Done is { } done)
        {
            return done;
        }

        // A missing counter comes first (it is rebuilt before anything else), then the first that refused: backing off, or full.
        var refusals = outcome.RefusingCounters
            .Select(r => (Scope: scopes[r.Position], Counter: r.Item is { Count: > 0 } old && old.ContainsKey(InFlightAttribute) ? CounterFromItem(old) : null))
            .ToList();
        if (refusals.FirstOrDefault(r => r.Counter is null) is { Scope: { } missing })
        {
            return new TransitionResult(TransitionStatus.CounterMissing, from, missing);
        }

        var (scope, counter) = refusals[0];
        var status = scope.SourceRegion is not null ? TransitionStatus.PairFull
            : counter?.BacksOffAt(next.UpdatedAt) == true ? TransitionStatus.BackingOff
            : TransitionStatus.DestinationFull;
        return new TransitionResult(status, from, scope);
    }

    private async Task<TransitionResult> ReleaseSlotsAsync(CopyJob from, CopyJob next, IReadOnlyList<TransactWriteItem> tally, CancellationToken cancellationToken)
    {
        var pair = CounterKey(SlotScope.Pair(from.Key.SourceRegion, from.Key.Destination));
        var counters = SlotScope.HeldBy(from.Key).Select(CounterKey).ToList();
        while (true)
        {
            // The tally goes after the counters, whose positions the refusals name; it never refuses.
            var outcome = await TransactAsync(from, next,
                [.. counters.Select(c => Release(c, from.Key.HolderId, c[JobTableSchema.SortKey].S == pair[JobTableSchema.SortKey].S ? from.SnapshotCopyMiBps : 0)), .. tally],
                cancellationToken);
            if (outcome.Done is { } done)
            {
                return done;
            }

            // A counter that does not list this job has nothing to give back (the reconciler repaired it): leave it out.
            var notHeld = outcome.RefusingCounters.Select(r => counters[r.Position]).ToList();
            foreach (var counter in notHeld)
            {
                log.LogWarning("Counter {Counter} did not hold {Job}; releasing the job without it", counter[JobTableSchema.SortKey].S, from.Key);
            }

            counters.RemoveAll(notHeld.Contains);
        }
    }

    /// <summary>
    /// Writes the job and its counter updates in one transaction. Answers the result when the transaction was applied or the
    /// job had changed (with the job as stored now); otherwise the counter updates whose conditions failed, in order, with the
    /// counter as it was.
    /// </summary>
    private async Task<(TransitionResult? Done, IReadOnlyList<(int Position, Dictionary<string, AttributeValue>? Item)> RefusingCounters)> TransactAsync(
        CopyJob from, CopyJob next, IReadOnlyList<TransactWriteItem> counterUpdates, CancellationToken cancellationToken)
    {
        try
        {
            await dynamo.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = [JobPut(from, next), .. counterUpdates] }, cancellationToken);
            return (new TransitionResult(TransitionStatus.Applied, next), []);
        }
        catch (TransactionCanceledException e)
        {
            var reasons = e.CancellationReasons ?? [];
            var failed = FailedConditions(e);
            if (failed.Contains(0))
            {
                var current = reasons[0].Item is { Count: > 0 } item ? FromItem(item) : await GetAsync(from.Key, cancellationToken);
                return (new TransitionResult(TransitionStatus.Conflict, current), []);
            }

            // Another transaction on the same items (TransactionConflict) wrote nothing either: the job is moved on later.
            if (failed.Count == 0 && reasons.Any(r => r.Code == TransactionConflict))
            {
                return (new TransitionResult(TransitionStatus.Conflict, await GetAsync(from.Key, cancellationToken)), []);
            }

            if (failed.Count == 0)
            {
                throw;
            }

            return (null, failed.Order().Select(i => (i - 1, (Dictionary<string, AttributeValue>?)reasons[i].Item)).ToList());
        }
    }

    public Task<IReadOnlyList<CopyJob>> ListActiveAsync(CopyDestination destination, int limit, CancellationToken cancellationToken) =>
        QueryIndexAsync(ActivePartition(destination), readyBefore: null, limit, cancellationToken);

    public Task<IReadOnlyList<CopyJob>> ListWaitingAsync(CopyDestination destination, string sourceRegion, DateTimeOffset? readyBy, int limit, CancellationToken cancellationToken) =>
        QueryIndexAsync(WaitingPartition(destination, sourceRegion),
            readyBy is { } time ? StartOrderKeyBound(CopyJob.FloorMinute(time).AddMinutes(1)) : null, limit, cancellationToken);

    public async Task<int> CountWaitingAsync(CopyDestination destination, string sourceRegion, CancellationToken cancellationToken)
    {
        var count = 0;
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            // COUNT still reads the index (at most 1 MB a page): every page is asked for, so a long backlog is counted in full.
            var query = IndexQuery(WaitingPartition(destination, sourceRegion), readyBefore: null);
            query.Select = Select.COUNT;
            query.Limit = PageSize;
            query.ExclusiveStartKey = start;
            var response = await dynamo.QueryAsync(query, cancellationToken);
            count += response.Count ?? 0;
            start = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);

        return count;
    }

    /// <summary>Most items one page of <see cref="CountWaitingAsync"/> or <see cref="ListCountersAsync"/> reads; null: DynamoDB's own 1 MB a page (tests set a few, to page).</summary>
    internal int? PageSize { get; init; }

    private async Task<IReadOnlyList<CopyJob>> QueryIndexAsync(string partition, string? readyBefore, int limit, CancellationToken cancellationToken)
    {
        var jobs = new List<CopyJob>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var query = IndexQuery(partition, readyBefore);
            query.ScanIndexForward = true;
            query.Limit = limit - jobs.Count;
            query.ExclusiveStartKey = start;
            var response = await dynamo.QueryAsync(query, cancellationToken);
            jobs.AddRange((response.Items ?? []).Select(FromItem));
            start = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null && jobs.Count < limit);

        return jobs;
    }

    /// <summary>A query of one partition of the active index, with <paramref name="readyBefore"/> the jobs whose sort key is below it.</summary>
    private QueryRequest IndexQuery(string partition, string? readyBefore)
    {
        var values = new Dictionary<string, AttributeValue> { [":pk"] = S(partition) };
        if (readyBefore is not null)
        {
            values[":ready"] = S(readyBefore);
        }

        return new QueryRequest
        {
            TableName = tableName,
            IndexName = JobTableSchema.ActiveIndexName,
            KeyConditionExpression = readyBefore is null ? "#pk = :pk" : "#pk = :pk AND #sk < :ready",
            ExpressionAttributeNames = readyBefore is null
                ? new() { ["#pk"] = JobTableSchema.ActiveIndexPartitionKey }
                : new() { ["#pk"] = JobTableSchema.ActiveIndexPartitionKey, ["#sk"] = JobTableSchema.ActiveIndexSortKey },
            ExpressionAttributeValues = values,
        };
    }

    public async Task<IReadOnlyList<Distribution>> ListDistributionsToInspectAsync(DateTimeOffset dueBy, int limit, CancellationToken cancellationToken)
    {
        var query = IndexQuery(DistributionPartition, Time(dueBy.AddMilliseconds(1)));
        query.Limit = limit;
        var response = await dynamo.QueryAsync(query, cancellationToken);
        return [.. (response.Items ?? []).Select(DistributionFromItem)];
    }

    public async Task<Distribution?> SaveDistributionAsync(Distribution from, Distribution to, CancellationToken cancellationToken)
    {
        var update = DistributionUpdate(from, to);
        try
        {
            await dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = update.TableName,
                Key = update.Key,
                UpdateExpression = update.UpdateExpression,
                ConditionExpression = update.ConditionExpression,
                ExpressionAttributeNames = update.ExpressionAttributeNames,
                ExpressionAttributeValues = update.ExpressionAttributeValues,
            }, cancellationToken);
            return to with { Key = from.Key, Counts = from.Counts, Version = from.Version + 1 };
        }
        catch (ConditionalCheckFailedException)
        {
            return null;
        }
    }

    public async Task<bool> SaveDistributionsAsync(IReadOnlyList<(Distribution From, Distribution To)> saves, CancellationToken cancellationToken)
    {
        if (saves.Count is 0 or > MaxTransactionItems)
        {
            throw new ArgumentOutOfRangeException(nameof(saves), saves.Count, $"1 to {MaxTransactionItems} distributions are saved at once");
        }

        try
        {
            await dynamo.TransactWriteItemsAsync(new TransactWriteItemsRequest
            {
                TransactItems = [.. saves.Select(s => new TransactWriteItem { Update = DistributionUpdate(s.From, s.To) })],
            }, cancellationToken);
            return true;
        }
        catch (TransactionCanceledException)
        {
            // A job's write (or another worker) changed one of them meanwhile, or wrote beside this transaction: none was written.
            return false;
        }
    }

    /// <summary>The write of a distribution's progress over the record as read (its version), leaving its counts to the job writes.</summary>
    private Update DistributionUpdate(Distribution from, Distribution to)
    {
        var names = new Dictionary<string, string> { ["#pk"] = JobTableSchema.ActiveIndexPartitionKey, ["#sk"] = JobTableSchema.ActiveIndexSortKey };
        var values = new Dictionary<string, AttributeValue>
        {
            [":version"] = N(from.Version),
            [":next"] = N(from.Version + 1),
            [":opened"] = N(to.OpenedWave),
            [":available"] = new AttributeValue { M = to.WavesAvailableAt.ToDictionary(w => w.Key.ToString(CultureInfo.InvariantCulture), w => S(Time(w.Value))), IsMSet = true },
            [":resumed"] = new AttributeValue { M = to.WavesResumed.ToDictionary(w => w.Key.ToString(CultureInfo.InvariantCulture), w => S(w.Value)), IsMSet = true },
        };
        var sets = new List<string> { "Version = :next", "OpenedWave = :opened", "WavesAvailableAt = :available", "WavesResumed = :resumed" };
        var removes = new List<string>();
        if (to.HeldReason is { } held)
        {
            values[":held"] = S(held);
            sets.Add("HeldReason = :held");
        }
        else
        {
            removes.Add("HeldReason");
        }

        if (to.EventSentRound is { } round)
        {
            values[":round"] = N(round);
            sets.Add("EventSentRound = :round");
        }

        if (to.InspectAt is { } due)
        {
            values[":due"] = S(DistributionPartition);
            values[":at"] = S(Time(due));
            sets.Add("#pk = :due");
            sets.Add("#sk = :at");
        }
        else
        {
            removes.Add("#pk");
            removes.Add("#sk");
        }

        return new Update
        {
            TableName = tableName,
            Key = DistributionItemKey(from.Key),
            UpdateExpression = $"SET {string.Join(", ", sets)}" + (removes.Count > 0 ? $" REMOVE {string.Join(", ", removes)}" : ""),
            ConditionExpression = "Version = :version",
            ExpressionAttributeNames = names,
            ExpressionAttributeValues = values,
        };
    }

    public Task<IReadOnlyList<CopyJob>> ListHeldAsync(DistributionId key, int throughWave, int limit, CancellationToken cancellationToken) =>
        QueryIndexAsync(HeldPartition(key), HeldSortKey(throughWave + 1), limit, cancellationToken);

    public async Task<IReadOnlyList<SlotCounter>> ListCountersAsync(CancellationToken cancellationToken)
    {
        // Every page: with many target accounts the counters and their holders outgrow DynamoDB's 1 MB a page.
        var counters = new List<SlotCounter>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var response = await dynamo.QueryAsync(new QueryRequest
            {
                TableName = tableName,
                KeyConditionExpression = "#pk = :pk",
                ExpressionAttributeNames = new() { ["#pk"] = JobTableSchema.PartitionKey },
                ExpressionAttributeValues = new() { [":pk"] = S(CounterPartition) },
                ConsistentRead = true,
                Limit = PageSize,
                ExclusiveStartKey = start,
            }, cancellationToken);
            counters.AddRange((response.Items ?? []).Select(CounterFromItem));
            start = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);

        return counters;
    }

    public async Task<bool> CreateCounterAsync(SlotCounter counter, CancellationToken cancellationToken)
    {
        // An update, not a put: a back-off recorded on the item while it had no InFlight stays.
        var values = new Dictionary<string, AttributeValue> { [":count"] = N(counter.InFlight), [":committed"] = N(counter.CommittedMiBps) };
        var names = new Dictionary<string, string>();
        var update = $"SET InFlight = :count, {CommittedMiBpsAttribute} = :committed";
        if (counter.Holders.Count > 0)
        {
            values[":holders"] = new AttributeValue { SS = [.. counter.Holders.Select(h => h.HolderId)] };
            update += ", Holders = :holders";
        }

        foreach (var ((holder, miBps), i) in counter.HolderMiBps.Select((h, i) => (h, i)))
        {
            names[$"#mibps{i}"] = HolderMiBpsAttribute(holder.HolderId);
            values[$":mibps{i}"] = N(miBps);
            update += $", #mibps{i} = :mibps{i}";
        }

        try
        {
            await dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tableName,
                Key = CounterKey(counter.Scope),
                UpdateExpression = update,
                ConditionExpression = $"attribute_not_exists({InFlightAttribute})",
                ExpressionAttributeNames = names.Count > 0 ? names : null,
                ExpressionAttributeValues = values,
            }, cancellationToken);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    public async Task BackOffAsync(CopyDestination destination, DateTimeOffset until, CancellationToken cancellationToken)
    {
        try
        {
            await dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tableName,
                Key = CounterKey(SlotScope.All(destination)),
                UpdateExpression = "SET BackOffUntil = :until",
                // A back-off never shortens one already set, and never makes a counter out of nothing.
                ConditionExpression = $"attribute_exists({InFlightAttribute}) AND (attribute_not_exists(BackOffUntil) OR BackOffUntil < :until)",
                ExpressionAttributeValues = new() { [":until"] = S(Time(until)) },
            }, cancellationToken);
        }
        catch (ConditionalCheckFailedException)
        {
            // A longer back-off is already set, or the counter is gone (its rebuild comes first).
        }
    }

    public async Task<bool> RepairHolderAsync(SlotScope scope, CopyJobKey holder, CopyJob? job, CancellationToken cancellationToken)
    {
        // The job must be as it was read: a job claimed or released meanwhile has already put its counters right.
        var jobUnchanged = new ConditionCheck
        {
            TableName = tableName,
            Key = Key(holder),
            ConditionExpression = job is null ? "attribute_not_exists(PK)" : VersionCondition,
            ExpressionAttributeNames = job is null ? null : VersionNames,
            ExpressionAttributeValues = job is null ? null : VersionValues(job),
        };
        // A holder added commits its job's throughput (on a pair's counter); one removed leaves the total to RepairInFlightAsync,
        // which sets it from the holders that remain.
        var fix = job?.State.HoldsSlot() == true
            ? Acquire(CounterKey(scope), holder.HolderId, max: null, notBackingOffAt: null, countsClaim: false,
                scope.SourceRegion is null ? null : new Throughput(job.SnapshotCopyMiBps, MaxMiBps: null))
            : Release(CounterKey(scope), holder.HolderId, releasedMiBps: 0);
        try
        {
            await dynamo.TransactWriteItemsAsync(new TransactWriteItemsRequest
            {
                TransactItems = [new TransactWriteItem { ConditionCheck = jobUnchanged }, fix],
            }, cancellationToken);
            return true;
        }
        catch (TransactionCanceledException e) when (FailedConditions(e).Count > 0 || (e.CancellationReasons ?? []).Any(r => r.Code == TransactionConflict))
        {
            // Someone moved the job or the counter meanwhile; the next pass looks again.
            return false;
        }
    }

    public async Task<bool> RepairInFlightAsync(SlotCounter counter, CancellationToken cancellationToken)
    {
        try
        {
            await dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tableName,
                Key = CounterKey(counter.Scope),
                UpdateExpression = $"SET InFlight = :count, {CommittedMiBpsAttribute} = :committed",
                ConditionExpression = "InFlight = :seen AND " + (counter.Holders.Count == 0 ? "attribute_not_exists(Holders)" : "size(Holders) = :count")
                    + $" AND ({CommittedMiBpsAttribute} = :seenCommitted" + (counter.CommittedMiBps == 0 ? $" OR attribute_not_exists({CommittedMiBpsAttribute}))" : ")"),
                ExpressionAttributeValues = new()
                {
                    [":count"] = N(counter.Holders.Count),
                    [":seen"] = N(counter.InFlight),
                    [":committed"] = N(counter.HolderMiBps.Values.Sum()),
                    [":seenCommitted"] = N(counter.CommittedMiBps),
                },
            }, cancellationToken);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    private const string VersionCondition = "#version = :version";

    private static Dictionary<string, string> VersionNames => new() { ["#version"] = "Version" };

    private static Dictionary<string, AttributeValue> VersionValues(CopyJob from) => new() { [":version"] = N(from.Version) };

    private TransactWriteItem JobPut(CopyJob from, CopyJob next) => new()
    {
        Put = new Put
        {
            TableName = tableName,
            Item = ToItem(next, JobRetention),
            ConditionExpression = VersionCondition,
            ExpressionAttributeNames = VersionNames,
            ExpressionAttributeValues = VersionValues(from),
            // A conflict then answers the job as it is now, without another read.
            ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
        },
    };

    /// <summary>A time-based copy's throughput committed with its slot, within <paramref name="MaxMiBps"/> when given.</summary>
    private sealed record Throughput(int MiBps, int? MaxMiBps);

    /// <summary>
    /// Takes a slot of an existing counter for the holder: within <paramref name="max"/> when given (a repair adds a holder that
    /// already copies), and only once the back-off ends when <paramref name="notBackingOffAt"/> is given; with
    /// <paramref name="throughput"/>, commits it beside the slot (the holder's own attribute and the counter's total). A claim
    /// larger than the whole budget needs the pair to commit nothing else.
    /// </summary>
    private TransactWriteItem Acquire(Dictionary<string, AttributeValue> counter, string holder, int? max, DateTimeOffset? notBackingOffAt, bool countsClaim,
        Throughput? throughput = null)
    {
        var values = new Dictionary<string, AttributeValue>
        {
            [":one"] = N(1),
            [":holder"] = S(holder),
            [":holders"] = new AttributeValue { SS = [holder] },
        };
        var conditions = new List<string> { $"attribute_exists({InFlightAttribute})", "(attribute_not_exists(Holders) OR NOT contains(Holders, :holder))" };
        if (max is { } limit)
        {
            values[":max"] = N(limit);
            conditions.Add("InFlight < :max");
        }

        if (notBackingOffAt is { } now)
        {
            values[":now"] = S(Time(now));
            conditions.Add("(attribute_not_exists(BackOffUntil) OR BackOffUntil <= :now)");
        }

        var update = "SET InFlight = InFlight + :one";
        Dictionary<string, string>? names = null;
        if (throughput is { MiBps: > 0 } claim)
        {
            names = new() { ["#holderMiBps"] = HolderMiBpsAttribute(holder) };
            values[":zero"] = N(0);
            values[":mibps"] = N(claim.MiBps);
            update += $", {CommittedMiBpsAttribute} = if_not_exists({CommittedMiBpsAttribute}, :zero) + :mibps, #holderMiBps = :mibps";
            if (claim.MaxMiBps is { } budget)
            {
                values[":room"] = N(Math.Max(0, budget - claim.MiBps));
                conditions.Add($"(attribute_not_exists({CommittedMiBpsAttribute}) OR {CommittedMiBpsAttribute} <= :room)");
            }
        }

        return new TransactWriteItem
        {
            Update = new Update
            {
                TableName = tableName,
                Key = counter,
                // A claim is counted on its pair's counter (a repair adding a holder is not): see SlotCounter.Claims.
                UpdateExpression = update + " ADD Holders :holders" + (countsClaim ? $", {ClaimsAttribute} :one" : ""),
                ConditionExpression = string.Join(" AND ", conditions),
                ExpressionAttributeNames = names,
                ExpressionAttributeValues = values,
                ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
            },
        };
    }

    /// <summary>Gives back the holder's slot, and the throughput it committed (<paramref name="releasedMiBps"/> off the total).</summary>
    private TransactWriteItem Release(Dictionary<string, AttributeValue> counter, string holder, int releasedMiBps)
    {
        var values = new Dictionary<string, AttributeValue>
        {
            [":one"] = N(1),
            [":holder"] = S(holder),
            [":holders"] = new AttributeValue { SS = [holder] },
        };
        var update = "SET InFlight = InFlight - :one";
        if (releasedMiBps > 0)
        {
            values[":mibps"] = N(releasedMiBps);
            update += $", {CommittedMiBpsAttribute} = {CommittedMiBpsAttribute} - :mibps";
        }

        return new TransactWriteItem
        {
            Update = new Update
            {
                TableName = tableName,
                Key = counter,
                UpdateExpression = update + " REMOVE #holderMiBps DELETE Holders :holders",
                ConditionExpression = "contains(Holders, :holder)",
                ExpressionAttributeNames = new() { ["#holderMiBps"] = HolderMiBpsAttribute(holder) },
                ExpressionAttributeValues = values,
            },
        };
    }

    private static HashSet<int> FailedConditions(TransactionCanceledException e) =>
        (e.CancellationReasons ?? [])
            .Select((reason, index) => (reason, index))
            .Where(r => r.reason.Code == ConditionalCheckFailed)
            .Select(r => r.index)
            .ToHashSet();
}

using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Slots;

namespace AmiReplicator.InMemory;

/// <summary>
/// <see cref="ICopyJobStore"/> in memory, with the DynamoDB store's semantics (tests/AmiReplicator.JobStore.Tests runs one contract
/// suite against both): every method is atomic, a transition is conditional on the version read, a claim needs both counters to
/// exist and to have room, holders make acquire and release idempotent, a destination backing off refuses claims.
/// </summary>
public sealed class InMemoryCopyJobStore : ICopyJobStore, ICopyJobInspection
{
    private readonly Lock _gate = new();
    private readonly Dictionary<CopyJobKey, CopyJob> _jobs = [];
    private readonly Dictionary<SlotScope, Counter> _counters = [];
    private readonly Dictionary<string, DateTimeOffset> _sweeps = new(StringComparer.Ordinal);
    private readonly Dictionary<DistributionId, Distribution> _distributions = [];

    /// <summary>How long an ended job is kept (the policy's <c>jobRetentionDays</c>); null: forever. Expired jobs stay stored, as TTL's late deletes leave them, and the reads that take a time leave them out.</summary>
    public TimeSpan? JobRetention { get; init; }

    /// <summary>A counter item: InFlight and Holders exist together (null: no counter); a back-off may be recorded on its own.</summary>
    private sealed class Counter
    {
        public int? InFlight { get; set; }
        public HashSet<CopyJobKey> Holders { get; } = [];

        /// <summary>The time-based copy throughput each holder committed (a pair's counter), and its total.</summary>
        public Dictionary<CopyJobKey, int> HolderMiBps { get; } = [];
        public int CommittedMiBps { get; set; }

        /// <summary>A pair's counter: claims taken in all (not a repair's holder added), as the DynamoDB store counts them.</summary>
        public long Claims { get; set; }

        public DateTimeOffset? BackOffUntil { get; set; }

        public void Commit(CopyJobKey holder, int miBps)
        {
            if (miBps > 0)
            {
                HolderMiBps[holder] = miBps;
                CommittedMiBps += miBps;
            }
        }
    }

    public Task<CopyJob?> GetAsync(CopyJobKey key, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_jobs.GetValueOrDefault(key));
        }
    }

    public Task<IReadOnlyList<CopyJob>> GetManyAsync(IReadOnlyCollection<CopyJobKey> keys, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<CopyJob>>([.. keys.Distinct().Where(_jobs.ContainsKey).Select(k => _jobs[k])]);
        }
    }

    public Task<ScheduledTurn> TryStartSweepAsync(string sourceRegion, DateTimeOffset now, TimeSpan interval, CancellationToken cancellationToken) =>
        TryStartScheduled($"SOURCE#{sourceRegion}", now, interval);

    public Task<ScheduledTurn> TryStartRetentionAsync(string destination, DateTimeOffset now, TimeSpan interval, CancellationToken cancellationToken) =>
        TryStartScheduled($"RETENTION#{destination}", now, interval);

    private Task<ScheduledTurn> TryStartScheduled(string key, DateTimeOffset now, TimeSpan interval)
    {
        lock (_gate)
        {
            if (_sweeps.TryGetValue(key, out var last) && last > now - interval)
            {
                return Task.FromResult(new ScheduledTurn(false, last + interval));
            }

            _sweeps[key] = now;
            return Task.FromResult(new ScheduledTurn(true, now + interval));
        }
    }

    public Task<IReadOnlyList<(CopyJob Job, bool Created)>> CreateAllIfAbsentAsync(IReadOnlyList<CopyJob> jobs, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var results = new List<(CopyJob, bool)>();
            foreach (var job in jobs)
            {
                if (_jobs.TryGetValue(job.Key, out var existing))
                {
                    results.Add((existing, false));
                }
                else
                {
                    _jobs[job.Key] = job;
                    Tally(job.Key, DistributionTally.Change(null, job), job.UpdatedAt);
                    results.Add((job, true));
                }
            }

            return Task.FromResult<IReadOnlyList<(CopyJob, bool)>>(results);
        }
    }

    public Task<TransitionResult> TransitionAsync(CopyJob from, CopyJob to, SlotBudget budget, CancellationToken cancellationToken)
    {
        if (!from.State.CanMoveTo(to.State) || from.Key != to.Key)
        {
            throw new InvalidOperationException($"Copy job {from.Key} cannot move from {from.State} to {to.State}.");
        }

        lock (_gate)
        {
            if (!_jobs.TryGetValue(from.Key, out var stored) || stored.Version != from.Version)
            {
                return Task.FromResult(new TransitionResult(TransitionStatus.Conflict, stored));
            }

            var next = to with { Version = from.Version + 1 };
            var scopes = SlotScope.HeldBy(from.Key);
            if (!from.State.HoldsSlot() && to.State.HoldsSlot())
            {
                if (Refusal(from.Key, scopes, budget, next.SnapshotCopyMiBps, next.UpdatedAt) is { } refused)
                {
                    return Task.FromResult(refused with { Job = stored });
                }

                foreach (var scope in scopes)
                {
                    var counter = _counters[scope];
                    counter.InFlight++;
                    counter.Holders.Add(from.Key);
                }

                _counters[scopes[1]].Claims++;
                _counters[scopes[1]].Commit(from.Key, next.SnapshotCopyMiBps);
            }
            else if (from.State.HoldsSlot() && !to.State.HoldsSlot())
            {
                // A counter that does not list the job has nothing to give back: it is left as it is.
                foreach (var (scope, position) in scopes.Select((s, i) => (s, i)))
                {
                    if (_counters.GetValueOrDefault(scope) is not { } counter || !counter.Holders.Contains(from.Key))
                    {
                        continue;
                    }

                    counter.InFlight--;
                    counter.Holders.Remove(from.Key);
                    counter.HolderMiBps.Remove(from.Key);
                    counter.CommittedMiBps -= position == 1 ? from.SnapshotCopyMiBps : 0;
                }
            }

            _jobs[from.Key] = next;
            Tally(from.Key, DistributionTally.Change(stored, next), next.UpdatedAt);
            return Task.FromResult(new TransitionResult(TransitionStatus.Applied, next));
        }
    }

    /// <summary>Why the claim is refused, as the DynamoDB store tells it: a missing counter first, then the first that refused.</summary>
    private TransitionResult? Refusal(CopyJobKey key, IReadOnlyList<SlotScope> scopes, SlotBudget budget, int claimMiBps, DateTimeOffset now)
    {
        if (scopes.FirstOrDefault(s => _counters.GetValueOrDefault(s)?.InFlight is null) is { } missing)
        {
            return new TransitionResult(TransitionStatus.CounterMissing, null, missing);
        }

        var destination = _counters[scopes[0]];
        if (destination.InFlight >= budget.MaxInFlight || destination.Holders.Contains(key) || destination.BackOffUntil > now)
        {
            return new TransitionResult(destination.BackOffUntil > now ? TransitionStatus.BackingOff : TransitionStatus.DestinationFull, null, scopes[0]);
        }

        // A claim larger than the whole throughput budget needs the pair to commit nothing else.
        var pair = _counters[scopes[1]];
        var throughputLeft = claimMiBps == 0 || pair.CommittedMiBps <= Math.Max(0, budget.MaxSnapshotCopyMiBpsPerSource - claimMiBps);
        return pair.InFlight >= budget.MaxInFlightPerSource || pair.Holders.Contains(key) || !throughputLeft
            ? new TransitionResult(TransitionStatus.PairFull, null, scopes[1])
            : null;
    }

    public Task<IReadOnlyList<CopyJob>> ListActiveAsync(CopyDestination destination, int limit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<CopyJob>>([.. _jobs.Values
                .Where(j => j.Key.Destination == destination
                    && j.State != CopyJobState.Waiting && (!j.State.IsTerminal() || j.NeedsCleanUp))
                .OrderBy(j => j.CreatedAt).ThenBy(j => j.Key.SourceRegion, StringComparer.Ordinal).ThenBy(j => j.Key.SourceImageId, StringComparer.Ordinal)
                .Take(limit)]);
        }
    }

    public Task<IReadOnlyList<CopyJob>> ListWaitingAsync(CopyDestination destination, string sourceRegion, DateTimeOffset? readyBy, int limit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<CopyJob>>([.. WaitingOf(destination, sourceRegion)
                .Where(j => readyBy is not { } time || j.IsReadyAt(time))
                .Order(CopyJob.StartOrder)
                .Take(limit)]);
        }
    }

    public Task<int> CountWaitingAsync(CopyDestination destination, string sourceRegion, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(WaitingOf(destination, sourceRegion).Count());
        }
    }

    /// <summary>The waiting jobs of one pair, as the DynamoDB store's waiting index partitions them (held ones are not in it); call under the gate.</summary>
    private IEnumerable<CopyJob> WaitingOf(CopyDestination destination, string sourceRegion) =>
        _jobs.Values.Where(j => j.State == CopyJobState.Waiting && !j.Held && j.Key.Destination == destination && j.Key.SourceRegion == sourceRegion);

    /// <summary>Adds a job write's change to its distribution's counts and makes it due, as the DynamoDB store does in the job's write; call under the gate.</summary>
    private void Tally(CopyJobKey job, IReadOnlyDictionary<string, long> change, DateTimeOffset now)
    {
        if (change.Count == 0)
        {
            return;
        }

        var key = DistributionId.Of(job);
        var distribution = _distributions.GetValueOrDefault(key) ?? new Distribution { Key = key };
        var counts = distribution.Counts.ToDictionary(StringComparer.Ordinal);
        foreach (var (name, delta) in change)
        {
            counts[name] = counts.GetValueOrDefault(name) + delta;
        }

        _distributions[key] = distribution with { Counts = counts, Version = distribution.Version + 1, InspectAt = now };
    }

    public Task<Distribution?> GetDistributionAsync(DistributionId key, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_distributions.GetValueOrDefault(key));
        }
    }

    public Task<IReadOnlyList<Distribution>> ListDistributionsToInspectAsync(DateTimeOffset dueBy, int limit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<Distribution>>([.. _distributions.Values
                .Where(d => d.InspectAt <= dueBy).OrderBy(d => d.InspectAt).Take(limit)]);
        }
    }

    public Task<Distribution?> SaveDistributionAsync(Distribution from, Distribution to, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_distributions.GetValueOrDefault(from.Key) is not { } stored || stored.Version != from.Version)
            {
                return Task.FromResult<Distribution?>(null);
            }

            // Only job writes change the counts.
            var saved = to with { Key = from.Key, Counts = stored.Counts, Version = stored.Version + 1 };
            _distributions[from.Key] = saved;
            return Task.FromResult<Distribution?>(saved);
        }
    }

    public Task<bool> SaveDistributionsAsync(IReadOnlyList<(Distribution From, Distribution To)> saves, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!saves.All(s => _distributions.GetValueOrDefault(s.From.Key)?.Version == s.From.Version))
            {
                return Task.FromResult(false);
            }

            foreach (var (from, to) in saves)
            {
                _distributions[from.Key] = to with { Key = from.Key, Counts = _distributions[from.Key].Counts, Version = from.Version + 1 };
            }

            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlyList<CopyJob>> ListHeldAsync(DistributionId key, int throughWave, int limit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<CopyJob>>([.. _jobs.Values
                .Where(j => j is { State: CopyJobState.Waiting, Held: true } && j.Wave <= throughWave && DistributionId.Of(j.Key) == key)
                .OrderBy(j => j.Wave).ThenBy(j => j.Key.ToString(), StringComparer.Ordinal)
                .Take(limit)]);
        }
    }

    public Task<IReadOnlyList<SlotCounter>> ListCountersAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<SlotCounter>>([.. _counters.Select(c =>
                new SlotCounter(c.Key, c.Value.InFlight ?? 0, c.Value.Holders.ToHashSet(), c.Value.BackOffUntil)
                {
                    HolderMiBps = c.Value.HolderMiBps.ToDictionary(),
                    CommittedMiBps = c.Value.CommittedMiBps,
                    Claims = c.Value.Claims,
                })]);
        }
    }

    public Task<bool> CreateCounterAsync(SlotCounter counter, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var stored = CounterFor(counter.Scope);
            if (stored.InFlight is not null)
            {
                return Task.FromResult(false);
            }

            stored.InFlight = counter.InFlight;
            stored.Holders.UnionWith(counter.Holders);
            foreach (var (holder, miBps) in counter.HolderMiBps)
            {
                stored.HolderMiBps[holder] = miBps;
            }

            stored.CommittedMiBps = counter.CommittedMiBps;
            return Task.FromResult(true);
        }
    }

    public Task BackOffAsync(CopyDestination destination, DateTimeOffset until, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            // Never shortened, and never a counter made out of nothing.
            if (_counters.GetValueOrDefault(SlotScope.All(destination)) is { InFlight: not null } counter && !(counter.BackOffUntil >= until))
            {
                counter.BackOffUntil = until;
            }

            return Task.CompletedTask;
        }
    }

    public Task<bool> RepairHolderAsync(SlotScope scope, CopyJobKey holder, CopyJob? job, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var stored = _jobs.GetValueOrDefault(holder);
            if (job is null ? stored is not null : stored?.Version != job.Version)
            {
                return Task.FromResult(false);
            }

            if (_counters.GetValueOrDefault(scope) is not { InFlight: not null } counter)
            {
                return Task.FromResult(false);
            }

            if (job?.State.HoldsSlot() == true)
            {
                if (!counter.Holders.Add(holder))
                {
                    return Task.FromResult(false);
                }

                counter.InFlight++;
                if (scope.SourceRegion is not null)
                {
                    counter.Commit(holder, job.SnapshotCopyMiBps);
                }
            }
            else
            {
                if (!counter.Holders.Remove(holder))
                {
                    return Task.FromResult(false);
                }

                // The total is left for RepairInFlightAsync, as the DynamoDB store does.
                counter.InFlight--;
                counter.HolderMiBps.Remove(holder);
            }

            return Task.FromResult(true);
        }
    }

    public Task<bool> RepairInFlightAsync(SlotCounter counter, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_counters.GetValueOrDefault(counter.Scope) is not { InFlight: { } inFlight } stored
                || inFlight != counter.InFlight || stored.Holders.Count != counter.Holders.Count || stored.CommittedMiBps != counter.CommittedMiBps)
            {
                return Task.FromResult(false);
            }

            stored.InFlight = counter.Holders.Count;
            stored.CommittedMiBps = counter.HolderMiBps.Values.Sum();
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlyList<CopyJob>> ListJobsAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<CopyJob>>([.. _jobs.Values.OrderBy(j => j.Key.ToString(), StringComparer.Ordinal)]);
        }
    }

    public Task<IReadOnlyList<CopyJob>> ListJobsOfImageAsync(string sourceImageId, IReadOnlyCollection<string> sourceRegions, IReadOnlyCollection<string?> accounts,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<CopyJob>>([.. Current(now)
                .Where(j => j.Key.SourceImageId == sourceImageId && sourceRegions.Contains(j.Key.SourceRegion) && accounts.Contains(j.Key.DestinationAccount))
                .OrderBy(j => j.Key.ToString(), StringComparer.Ordinal)]);
        }
    }

    public Task<CopyJobPage> ListJobsAsync(CopyJobState state, CopyDestination destination, DateTimeOffset? changedSince, string? startingToken, int maxItems,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxItems, 1);
        lock (_gate)
        {
            // The token is the last job's place in the order, as the DynamoDB store's index sorts: by time, then by key.
            var ordered = InState(state, destination, now)
                .Where(j => changedSince is not { } since || j.UpdatedAt >= since)
                .Select(j => (Place: StatePlace(j), Job: j))
                .Where(j => startingToken is null || string.CompareOrdinal(j.Place, startingToken) > 0)
                .ToList();
            var page = ordered.Take(maxItems).ToList();
            return Task.FromResult(new CopyJobPage([.. page.Select(j => j.Job)], ordered.Count > maxItems ? page[^1].Place : null));
        }
    }

    public Task<IReadOnlyList<StateCount>> CountJobsAsync(CopyJobState state, CopyDestination destination, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<StateCount>>([.. InState(state, destination, now)
                .GroupBy(j => j.Key.SourceRegion)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new StateCount(g.Key, g.Count(), g.Min(j => j.StateSortTime)))]);
        }
    }

    /// <summary>A destination's jobs in one state, oldest first; call under the gate.</summary>
    private IEnumerable<CopyJob> InState(CopyJobState state, CopyDestination destination, DateTimeOffset now) =>
        Current(now).Where(j => j.State == state && j.Key.Destination == destination).OrderBy(StatePlace, StringComparer.Ordinal);

    /// <summary>The jobs whose retention has not passed at <paramref name="now"/>; call under the gate.</summary>
    private IEnumerable<CopyJob> Current(DateTimeOffset now) => _jobs.Values.Where(j => !(j.ExpiresAt(JobRetention) <= now));

    private static string StatePlace(CopyJob job) => $"{job.StateSortTime.UtcTicks:D19}#{job.Key}";

    private Counter CounterFor(SlotScope scope)
    {
        if (!_counters.TryGetValue(scope, out var counter))
        {
            _counters[scope] = counter = new Counter();
        }

        return counter;
    }
}

using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;

namespace AmiReplicator.Domain.Slots;

/// <summary>
/// The ready waiting jobs of each source->destination pair, read a budget's worth at a time and kept, so that a worker starting one
/// job per freed slot (a copy's own event does) does not read the list each time: the cost of finding the next job stays a
/// fraction of a call, and the items read per job stay flat however long the list. What is kept are the oldest ready jobs when
/// read, and every job that becomes ready later sorts after them, so oldest-first holds however long they are kept (a quarter of
/// an hour at most). A kept job goes stale when another worker starts it (the common case: the poller and the dispatcher each keep
/// their own) or changes it otherwise (a cancel, a retry, a source withdrawn). The pair's counter counts every claim
/// (<see cref="SlotCounter.Claims"/>), so a worker that has read the counters since (a poller's pass, a dispatcher's batch) reads the
/// list again when the count is not what it was at the read plus its own claims, rather than trying the started jobs one refused
/// claim each. A job changed without a claim, or started while the worker knows only the slot its copy freed (a copy's event), still
/// costs one refused claim and is dropped. A pair found empty is
/// trusted for half a minute only (<see cref="EmptyFor"/>): a job another worker recorded since, which could not start then, is
/// found by the next read or the poller's next pass, at worst after a younger one of this worker's took a slot.
/// </summary>
public sealed class WaitingCandidates(ICopyJobStore store, ReplicationPolicy policy, TimeProvider clock)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan EmptyFor = TimeSpan.FromSeconds(30);

    private readonly Lock _gate = new();
    private readonly Dictionary<(CopyDestination Destination, string Source), Kept> _byPair = [];

    /// <summary>A pair's jobs as read, and the claims its counter had taken then, with this worker's since (null: not known).</summary>
    private sealed class Kept(DateTimeOffset readAt, List<CopyJob> jobs, bool all)
    {
        public DateTimeOffset ReadAt { get; } = readAt;
        public List<CopyJob> Jobs { get; } = jobs;
        public bool All { get; } = all;
        public long? Claims { get; set; }
    }

    /// <summary>
    /// At least <paramref name="count"/> of the pair's oldest ready jobs (fewer when fewer wait), in start order.
    /// <paramref name="slots"/> tells how many claims the pair's counter has taken, where this worker has read it.
    /// </summary>
    public async Task<IReadOnlyList<CopyJob>> TakeAsync(CopyDestination destination, string sourceRegion, int count, SlotView slots, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var claims = slots.Claims(SlotScope.Pair(sourceRegion, destination));
        lock (_gate)
        {
            // Enough kept, or all there were when read (an empty list only for a moment), and no other worker's claim since.
            if (_byPair.TryGetValue((destination, sourceRegion), out var kept)
                && now - kept.ReadAt < (kept.Jobs.Count == 0 ? EmptyFor : MaxAge)
                && (kept.Jobs.Count >= count || kept.All)
                && (claims is null || kept.Claims == claims))
            {
                return [.. kept.Jobs.Take(count)];
            }
        }

        // A budget's worth: enough for every slot the pair can free before the list is read again.
        var limit = Math.Max(count, policy.BudgetFor(destination).MaxInFlightPerSource);
        var read = await store.ListWaitingAsync(destination, sourceRegion, now, limit, cancellationToken);
        lock (_gate)
        {
            _byPair[(destination, sourceRegion)] = new Kept(now, [.. read], read.Count < limit) { Claims = claims };
        }

        return [.. read.Take(count)];
    }

    /// <summary>Whether the pair was read lately and had no ready job then (nothing to read again for a moment).</summary>
    public bool KnownEmpty(CopyDestination destination, string sourceRegion)
    {
        lock (_gate)
        {
            return _byPair.TryGetValue((destination, sourceRegion), out var kept)
                && kept.Jobs.Count == 0 && clock.GetUtcNow() - kept.ReadAt < EmptyFor;
        }
    }

    /// <summary>This worker claimed the job's slots: it is no candidate any more, and its pair's count of claims is one more.</summary>
    public void Claimed(CopyJobKey key)
    {
        lock (_gate)
        {
            if (_byPair.TryGetValue((key.Destination, key.SourceRegion), out var kept))
            {
                kept.Jobs.RemoveAll(j => j.Key == key);
                kept.Claims++;
            }
        }
    }

    /// <summary>The job left the waiting list (started, or moved on by another worker): it is no candidate any more.</summary>
    public void Forget(CopyJobKey key)
    {
        lock (_gate)
        {
            if (_byPair.TryGetValue((key.Destination, key.SourceRegion), out var kept))
            {
                kept.Jobs.RemoveAll(j => j.Key == key);
            }
        }
    }
}

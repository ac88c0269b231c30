using AmiReplicator.Domain.Jobs;
using AmiReplicator.Domain.Policy;

namespace AmiReplicator.Domain.Slots;

/// <summary>
/// The ready waiting jobs of each source->destination pair, read a budget's worth at a time and kept, so that a worker starting one
/// job per freed slot (a copy's own event does) does not read the list each time: the cost of finding the next job stays a
/// fraction of a call, and the items read per job stay flat however long the list. What is kept are the first ready jobs in start order when
/// read; a job that becomes ready in a later minute sorts after them, and one this worker records in the same minute is merged
/// in its place (<see cref="Recorded"/>), so the start order holds however long they are kept (a quarter of an hour at most); a kept job another worker started or changed meanwhile costs one refused claim and is dropped. A pair found empty is
/// trusted for half a minute only (<see cref="EmptyFor"/>): a job another worker recorded since, which could not start then, is
/// found by the next read or the poller's next pass, at worst after a younger one of this worker's took a slot.
/// </summary>
public sealed class WaitingCandidates(ICopyJobStore store, ReplicationPolicy policy, TimeProvider clock)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan EmptyFor = TimeSpan.FromSeconds(30);

    private readonly Lock _gate = new();
    private readonly Dictionary<(CopyDestination Destination, string Source), (DateTimeOffset ReadAt, List<CopyJob> Jobs, bool All)> _byPair = [];

    /// <summary>At least <paramref name="count"/> of the pair's oldest ready jobs (fewer when fewer wait), in start order.</summary>
    public async Task<IReadOnlyList<CopyJob>> TakeAsync(CopyDestination destination, string sourceRegion, int count, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        lock (_gate)
        {
            // Enough kept, or all there were when read (an empty list only for a moment).
            if (_byPair.TryGetValue((destination, sourceRegion), out var kept)
                && now - kept.ReadAt < (kept.Jobs.Count == 0 ? EmptyFor : MaxAge)
                && (kept.Jobs.Count >= count || kept.All))
            {
                return [.. kept.Jobs.Take(count)];
            }
        }

        // A budget's worth: enough for every slot the pair can free before the list is read again.
        var limit = Math.Max(count, policy.BudgetFor(destination).MaxInFlightPerSource);
        var read = await store.ListWaitingAsync(destination, sourceRegion, now, limit, cancellationToken);
        lock (_gate)
        {
            _byPair[(destination, sourceRegion)] = (now, [.. read], read.Count < limit);
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

    /// <summary>
    /// Jobs this worker just recorded as waiting join what is kept of their pairs where they belong in start order: a job ready in the
    /// same minute as the kept ones but larger goes before them, so a batch recorded after a read is not passed by the smaller jobs
    /// read before it. A job that sorts after the last kept one is left to the next read (jobs not read may come before it).
    /// </summary>
    public void Recorded(IEnumerable<CopyJob> jobs)
    {
        lock (_gate)
        {
            foreach (var job in jobs.Where(j => j.State == CopyJobState.Waiting))
            {
                if (_byPair.TryGetValue((job.Key.Destination, job.Key.SourceRegion), out var kept)
                    && kept.Jobs.TrueForAll(k => k.Key != job.Key)
                    && (kept.All || (kept.Jobs.Count > 0 && CopyJob.StartOrder.Compare(job, kept.Jobs[^1]) < 0)))
                {
                    var at = kept.Jobs.FindIndex(k => CopyJob.StartOrder.Compare(job, k) < 0);
                    kept.Jobs.Insert(at < 0 ? kept.Jobs.Count : at, job);
                }
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

using AmiReplicator.Domain.Jobs;

namespace AmiReplicator.Domain.Slots;

/// <summary>A slot counter: copies in flight and the jobs holding them (the holders make acquire and release idempotent).</summary>
/// <param name="BackOffUntil">On a destination's counter: no claim before this time (EC2 answered ResourceLimitExceeded).</param>
public sealed record SlotCounter(SlotScope Scope, int InFlight, IReadOnlySet<CopyJobKey> Holders, DateTimeOffset? BackOffUntil = null)
{
    /// <summary>On a source->destination counter: the time-based copy throughput (MiB/s) each holder committed with its slot.</summary>
    public IReadOnlyDictionary<CopyJobKey, int> HolderMiBps { get; init; } = new Dictionary<CopyJobKey, int>();

    /// <summary>On a source->destination counter: the throughput committed in all, what a claim is checked against.</summary>
    public int CommittedMiBps { get; init; }

    /// <summary>
    /// On a source->destination counter: how many claims it has taken in all (it never goes down; a counter rebuilt after a person
    /// deleted it counts from 0 again); null where not read (a counter a worker only infers). A worker's read-ahead of the pair's
    /// waiting jobs has lost none to another worker's claim while the count is what it was when read plus the worker's own
    /// (<see cref="WaitingCandidates"/>).
    /// </summary>
    public long? Claims { get; init; }

    public bool BacksOffAt(DateTimeOffset now) => BackOffUntil > now;

    /// <summary>Whether InFlight and the committed throughput agree with the holders.</summary>
    public bool MatchesHolders => InFlight == Holders.Count && CommittedMiBps == HolderMiBps.Values.Sum();

    /// <summary>A counter holding these jobs' slots, with the throughput they commit where it counts it (a pair's counter).</summary>
    public static SlotCounter Holding(SlotScope scope, IEnumerable<CopyJob> jobs)
    {
        var holding = jobs.Where(j => scope.Covers(j.Key)).ToList();
        var throughput = scope.SourceRegion is null
            ? new Dictionary<CopyJobKey, int>()
            : holding.Where(j => j.SnapshotCopyMiBps > 0).ToDictionary(j => j.Key, j => j.SnapshotCopyMiBps);
        return new SlotCounter(scope, holding.Count, holding.Select(j => j.Key).ToHashSet())
        {
            HolderMiBps = throughput,
            CommittedMiBps = throughput.Values.Sum(),
        };
    }
}

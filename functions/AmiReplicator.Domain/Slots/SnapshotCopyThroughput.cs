using AmiReplicator.Domain.Policy;

namespace AmiReplicator.Domain.Slots;

/// <summary>
/// Time-based copies: EC2 gives each snapshot of the copy the throughput that completes it within the duration asked for, at most
/// <see cref="MaxPerSnapshotMiBps"/>, and counts it against the source->destination pair's throughput while the copy is pending.
/// </summary>
public static class SnapshotCopyThroughput
{
    public const int MinDurationMinutes = 15;
    public const int MaxDurationMinutes = 48 * 60;
    public const int DurationStepMinutes = 15;

    /// <summary>EC2's fixed ceiling for one snapshot of a time-based copy.</summary>
    public const int MaxPerSnapshotMiBps = 500;

    /// <summary>
    /// What a time-based copy of snapshots this size (GiB) commits, rounded up so the replicator never counts less than EC2; never
    /// more than the pair's whole budget, so a copy larger than the budget still starts once the pair is idle (EC2 accepts it and
    /// it runs late).
    /// </summary>
    public static int ClaimMiBps(IEnumerable<int> snapshotSizesGiB, int durationMinutes, int pairBudgetMiBps) =>
        (int)Math.Min(pairBudgetMiBps, snapshotSizesGiB.Sum(size => Math.Min(MaxPerSnapshotMiBps, (long)Math.Ceiling(size * 1024.0 / (durationMinutes * 60)))));

    /// <summary>Whether EC2 takes this completion duration: 15 minutes to 48 hours, in 15-minute steps.</summary>
    public static bool IsValidDuration(int minutes) =>
        minutes is >= MinDurationMinutes and <= MaxDurationMinutes && minutes % DurationStepMinutes == 0;

    public static int? ValidateDuration(int? minutes, string field) => minutes is not { } value || IsValidDuration(value)
        ? minutes
        : throw new PolicyException(field, $"must be {MinDurationMinutes} to {MaxDurationMinutes} minutes in steps of {DurationStepMinutes} (got {minutes})");
}

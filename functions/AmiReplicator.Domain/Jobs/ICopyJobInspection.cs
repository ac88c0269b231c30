using AmiReplicator.Domain.Slots;

namespace AmiReplicator.Domain.Jobs;

/// <summary>
/// The table as people read it (the operator CLI, the local run, the tests). The workflows never use it; they read by key and by
/// index through <see cref="ICopyJobStore"/>. Jobs whose retention has passed (<see cref="CopyJob.ExpiresAt"/>) are left out of
/// every read that takes a <c>now</c>: the table may hold them a while after they expire.
/// </summary>
public interface ICopyJobInspection
{
    /// <summary>Every copy job, in key order: the whole table, expired ones too (the local run and the tests; it does not scale).</summary>
    Task<IReadOnlyList<CopyJob>> ListJobsAsync(CancellationToken cancellationToken);

    /// <summary>Every slot counter.</summary>
    Task<IReadOnlyList<SlotCounter>> ListCountersAsync(CancellationToken cancellationToken);

    /// <summary>
    /// One source AMI's jobs, read by key: its jobs from each of <paramref name="sourceRegions"/> into each of
    /// <paramref name="accounts"/> (null: the home account), in key order. An account not named is not read.
    /// </summary>
    Task<IReadOnlyList<CopyJob>> ListJobsOfImageAsync(string sourceImageId, IReadOnlyCollection<string> sourceRegions, IReadOnlyCollection<string?> accounts,
        DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// One page of a destination's jobs in one state, in the order they entered it (waiting ones by when they began to wait,
    /// the others by their last change), changed at or after <paramref name="changedSince"/> when given. Pass the page's
    /// <see cref="CopyJobPage.NextToken"/> back as <paramref name="startingToken"/> for the next page.
    /// </summary>
    Task<CopyJobPage> ListJobsAsync(CopyJobState state, CopyDestination destination, DateTimeOffset? changedSince, string? startingToken, int maxItems,
        DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// The distribution of a source AMI (consistent read), or null when no job of it was recorded since distributions were: what
    /// people read (`amirepl show`, `wait`, `rollout resume`); the workers find the distributions they act on through the index.
    /// </summary>
    Task<Distribution?> GetDistributionAsync(DistributionId key, CancellationToken cancellationToken);

    /// <summary>How many of a destination's jobs are in a state, per source region, counted by the index without reading the jobs.</summary>
    Task<IReadOnlyList<StateCount>> CountJobsAsync(CopyJobState state, CopyDestination destination, DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>A page of jobs, and the token that reads the next one (null: this was the last).</summary>
public sealed record CopyJobPage(IReadOnlyList<CopyJob> Jobs, string? NextToken);

/// <summary>A destination's jobs in one state from one source region: how many, and when the first of them entered the state.</summary>
public sealed record StateCount(string SourceRegion, int Count, DateTimeOffset Earliest);

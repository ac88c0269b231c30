namespace AmiReplicator.Domain.Jobs;

/// <summary>
/// How the replicator tracks the jobs it has started: how long a new copy may be invisible, when a claim counts as abandoned, how
/// many passes a failing step gets, how much one pass reads, and how often it measures the backlog. The defaults suit the
/// poller's one-minute schedule; tests shorten them.
/// </summary>
public sealed record TrackingOptions
{
    /// <summary>How long a new copy may answer InvalidAMIID.NotFound (EC2's eventual consistency) before it counts as gone.</summary>
    public TimeSpan TargetNotFoundGrace { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>A claim untouched this long never reached EC2 (its worker died): CopyImage is called again with the same token.</summary>
    public TimeSpan StaleClaimAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>DescribeImages takes this many ids per call.</summary>
    public int DescribeBatchSize { get; init; } = 200;

    /// <summary>Most jobs read per destination and state in one run.</summary>
    public int PageSize { get; init; } = 1000;

    /// <summary>Passes in a row a job's step may fail before the job is ended with what could not be done (about 10 minutes on the default schedule).</summary>
    public int MaxStepFailures { get; init; } = 10;

    /// <summary>
    /// How often a poller publishes each destination's OldestWaitingJobAgeSeconds (one read per source region) and JobsWaiting
    /// (one count per source region, which reads that pair's whole backlog): within every period of the alarm that watches the
    /// age, whatever the schedule.
    /// </summary>
    public TimeSpan OldestWaitingEvery { get; init; } = TimeSpan.FromMinutes(5);
}

namespace AmiReplicator.Contract;

/// <summary>Every metric of the replicator, in the namespace <see cref="Namespace"/>, per destination region.</summary>
public static class ReplicatorMetrics
{
    public const string Namespace = "AmiReplicator";

    /// <summary>A deployment's namespace: <see cref="Namespace"/>, or below it for a deployment with a stack prefix ("default" has none).</summary>
    public static string NamespaceOf(string? stackPrefix) => stackPrefix is null or "default" ? Namespace : $"{Namespace}/{stackPrefix}";
    public const string DestinationDimension = "DestinationRegion";

    private const string Count = "Count";
    private const string Seconds = "Seconds";

    /// <summary>EC2 accepted a CopyImage: a copy is under way.</summary>
    public static readonly MetricDefinition CopiesStarted = new("CopiesStarted", Count, true);

    /// <summary>A copy became AVAILABLE with its launch permissions, tags and deprecation applied (or noted).</summary>
    public static readonly MetricDefinition CopiesCompleted = new("CopiesCompleted", Count, true);

    /// <summary>A job ended FAILED, by any path (refused, retries used up, abandoned, a step that kept failing).</summary>
    public static readonly MetricDefinition CopiesFailed = new("CopiesFailed", Count, true);

    /// <summary>A job ended CANCELLED: stopped by a person, or its destination left the policy.</summary>
    public static readonly MetricDefinition CopiesCancelled = new("CopiesCancelled", Count, true);

    /// <summary>From CopyImage to AVAILABLE, per finished copy.</summary>
    public static readonly MetricDefinition CopyDuration = new("CopyDurationSeconds", Seconds, true);

    /// <summary>EC2 answered ResourceLimitExceeded: the destination backs off.</summary>
    public static readonly MetricDefinition BackPressure = new("BackPressureEvents", Count, true);

    /// <summary>A step of one job raised an error; the job records it and the pass goes on.</summary>
    public static readonly MetricDefinition JobStepErrors = new("JobStepErrors", Count, true);

    /// <summary>Something dead workers or people left was put right (a stale claim repeated, a counter rebuilt).</summary>
    public static readonly MetricDefinition Repairs = new("Repairs", Count, true);

    /// <summary>How long the oldest job has waited for its current attempt; 0 when none waits.</summary>
    public static readonly MetricDefinition OldestWaitingJobAge = new("OldestWaitingJobAgeSeconds", Seconds, true);

    /// <summary>
    /// Jobs in state WAITING for the destination after the pass, from every source region (ready or not; claims kept under
    /// back-pressure hold slots and count as <see cref="CopiesInFlight"/>). Published as often as <see cref="OldestWaitingJobAge"/>.
    /// </summary>
    public static readonly MetricDefinition JobsWaiting = new("JobsWaiting", Count, false);

    /// <summary>Copies holding a slot of the destination after the pass.</summary>
    public static readonly MetricDefinition CopiesInFlight = new("CopiesInFlight", Count, false);

    /// <summary>The destination's budget, published beside <see cref="CopiesInFlight"/> so a graph shows both.</summary>
    public static readonly MetricDefinition InFlightBudget = new("InFlightBudget", Count, false);

    /// <summary>A copy older than its family's newest ones was deregistered with its snapshots by retention.</summary>
    public static readonly MetricDefinition CopiesRemovedByRetention = new("CopiesRemovedByRetention", Count, true);

    /// <summary>A launch template tracking a family got a version launching the family's new copy.</summary>
    public static readonly MetricDefinition LaunchTemplatesUpdated = new("LaunchTemplatesUpdated", Count, true);

    /// <summary>EC2 refused to list or move a launch template tracking a family (noted on the copy's job, which still finishes).</summary>
    public static readonly MetricDefinition LaunchTemplateUpdatesRefused = new("LaunchTemplateUpdatesRefused", Count, true);
}

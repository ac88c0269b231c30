namespace AmiReplicator.Domain.Policy;

/// <summary>
/// The replication policy as written in cdk.json (context key "amiReplicator") and handed to the functions.
/// Every field is optional in JSON so that validation, not the parser, names what is missing.
/// </summary>
public sealed class PolicyDocument
{
    public List<DestinationDocument>? Destinations { get; set; }

    /// <summary>Other accounts' regions that get copies of their own, made and owned by each account.</summary>
    public List<TargetDocument>? Targets { get; set; }

    /// <summary>The organization the target accounts belong to (o-...): the functions assume spoke roles only in its accounts.</summary>
    public string? OrganizationId { get; set; }
    public List<string>? SourceRegions { get; set; }
    public SelectionDocument? Selection { get; set; }
    public BudgetsDocument? Budgets { get; set; }
    public TemplatesDocument? Templates { get; set; }
    public Dictionary<string, string>? Tags { get; set; }
    public RetriesDocument? Retries { get; set; }
    public string? Schedule { get; set; }

    /// <summary>Copy a public source's "all" launch permission to its copies (off: copies are shared only with who the source names).</summary>
    public bool? CopyPublicLaunchPermission { get; set; }

    /// <summary>Give the copy's snapshots createVolumePermission for the accounts its launch permissions name (off: snapshots are not shared).</summary>
    public bool? ShareSnapshots { get; set; }

    /// <summary>Minutes between sweeps of the source regions for selected AMIs with no job (EC2's events are best effort); 0: no sweep.</summary>
    public int? SweepIntervalMinutes { get; set; }

    /// <summary>Days an ended job's record is kept before DynamoDB's TTL may delete it; absent: kept forever.</summary>
    public int? JobRetentionDays { get; set; }

    /// <summary>What copies carry and follow of their source's lifecycle after they exist.</summary>
    public LifecycleDocument? Lifecycle { get; set; }

    /// <summary>How many copies of each image family each destination keeps.</summary>
    public RetentionDocument? Retention { get; set; }

    /// <summary>An SSM parameter per destination and image family holding the newest copy's id, e.g. "/amirepl/latest/{family}".</summary>
    public string? LatestCopyParameter { get; set; }

    /// <summary>Launch templates tagged amireplicator:track=&lt;family&gt; get a version naming each newer build's copy.</summary>
    public LaunchTemplatesDocument? LaunchTemplates { get; set; }

    /// <summary>The target accounts in waves (none: every target starts at once).</summary>
    public RolloutDocument? Rollout { get; set; }
}

using System.Text.Json.Serialization;

namespace AmiReplicator.Domain.Policy;

/// <summary>
/// The replication policy as written in cdk.json (context key "amiReplicator") and handed to the functions.
/// Every field is optional in JSON so that validation, not the parser, names what is missing.
/// </summary>
public sealed class PolicyDocument
{
    public List<DestinationDocument>? Destinations { get; set; }
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

    /// <summary>What copies carry and follow of their source's lifecycle after they exist.</summary>
    public LifecycleDocument? Lifecycle { get; set; }

    /// <summary>How many copies of each image family each destination keeps.</summary>
    public RetentionDocument? Retention { get; set; }

    /// <summary>An SSM parameter per destination and image family holding the newest copy's id, e.g. "/amirepl/latest/{family}".</summary>
    public string? LatestCopyParameter { get; set; }
}

public sealed class RetentionDocument
{
    /// <summary>The newest copies kept per family and destination; older ones the replicator made are deregistered with their snapshots.</summary>
    public int? KeepLatest { get; set; }

    /// <summary>A copy's family is the value of this tag (copies carry their source's tags).</summary>
    public string? FamilyTag { get; set; }

    /// <summary>A copy's family is the longest of these its name starts with.</summary>
    public List<string>? FamilyNamePrefixes { get; set; }

    /// <summary>Copies (or sources, for all their copies) kept whatever their age.</summary>
    public List<string>? Keep { get; set; }

    /// <summary>An older copy launched within this many days is kept (EC2's lastLaunchedTime); 0: a recent launch keeps nothing. Default 14.</summary>
    public int? KeepIfLaunchedWithinDays { get; set; }
}

public sealed class DestinationDocument
{
    public string? Region { get; set; }

    /// <summary>true: encrypt every snapshot (with KmsKeyId or the account's default EBS key). Absent: keep each snapshot's encryption.</summary>
    public bool? Encrypted { get; set; }

    public string? KmsKeyId { get; set; }
    public int? MaxInFlight { get; set; }
    public int? MaxInFlightPerSource { get; set; }

    /// <summary>Time-based copies: each snapshot of a copy into this region completes within this many minutes (15 to 2,880, in steps of 15).</summary>
    public int? SnapshotCopyCompletionDurationMinutes { get; set; }

    /// <summary>The time-based copy throughput (MiB/s) the copies from one source region into this one may commit at once.</summary>
    public int? MaxSnapshotCopyMiBpsPerSource { get; set; }

    /// <summary>true: no new copies into this region (waiting ones are cancelled), copies in flight finish; the step before removing it.</summary>
    public bool? Drain { get; set; }
}

public sealed class LifecycleDocument
{
    /// <summary>Carry the source's deprecation time to its copies and follow later changes to it (default true).</summary>
    public bool? CopyDeprecation { get; set; }

    /// <summary>Deprecate every copy this many days after it was made (the earlier of this and the source's time wins).</summary>
    public int? DeprecateAfterDays { get; set; }

    /// <summary>Carry the source's deregistration protection to its copies and follow later changes to it (default true).</summary>
    public bool? CopyDeregistrationProtection { get; set; }

    /// <summary>Disable the copies of a source that is disabled (default false).</summary>
    public bool? DisableWithSource { get; set; }

    /// <summary>Deregister, with their snapshots, the copies of a source of the account that is deregistered (default false).</summary>
    public bool? DeregisterWithSource { get; set; }
}

public sealed class SelectionDocument
{
    /// <summary>Every tag listed must be on the AMI with that value.</summary>
    public Dictionary<string, string>? Tags { get; set; }

    /// <summary>The AMI name must match one of these (* and ? wildcards).</summary>
    public List<string>? NamePatterns { get; set; }

    /// <summary>The AMI owner must be one of these account ids; "self" is the replicator's own account.</summary>
    public List<string>? OwnerAccounts { get; set; }
}

public sealed class BudgetsDocument
{
    public int? MaxInFlightPerDestination { get; set; }
    public int? MaxInFlightPerSource { get; set; }

    /// <summary>The time-based copy throughput (MiB/s) per source->destination pair, for destinations that do not set their own.</summary>
    public int? MaxSnapshotCopyMiBpsPerSource { get; set; }
}

public sealed class TemplatesDocument
{
    public string? Name { get; set; }
    public string? Description { get; set; }
}

public sealed class RetriesDocument
{
    public int? MaxAttempts { get; set; }
    public int? BackoffSeconds { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PolicyDocument))]
public sealed partial class PolicyJsonContext : JsonSerializerContext;

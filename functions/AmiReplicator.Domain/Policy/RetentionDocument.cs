namespace AmiReplicator.Domain.Policy;

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

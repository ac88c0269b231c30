namespace AmiReplicator.Domain.Policy;

/// <summary>
/// Launch templates tagged <c>amireplicator:track=&lt;family&gt;</c> follow the family's newest build. Present (even empty) turns it on;
/// the families are these fields' when given, otherwise retention's.
/// </summary>
public sealed class LaunchTemplatesDocument
{
    /// <summary>A copy's family is the value of this tag.</summary>
    public string? FamilyTag { get; set; }

    /// <summary>A copy's family is the longest of these its name starts with.</summary>
    public List<string>? FamilyNamePrefixes { get; set; }
}

using AmiReplicator.Domain.Images;

namespace AmiReplicator.Domain.Policy;

/// <summary>
/// Launch templates follow their family: a template of a destination's account and region tagged <see cref="TrackTag"/> with a family
/// gets a new version naming each newer build's copy there once it is available (<see cref="SetDefaultTag"/> <c>true</c> makes that
/// version the default). Families are <see cref="ImageFamilies"/>' rule, this section's own or retention's.
/// </summary>
public sealed record LaunchTemplatePolicy(string? FamilyTag, IReadOnlyList<string> FamilyNamePrefixes)
{
    /// <summary>On a launch template: the family whose newest build it launches.</summary>
    public const string TrackTag = "amireplicator:track";

    /// <summary>On a launch template: <c>true</c> makes each version the replicator creates the template's default.</summary>
    public const string SetDefaultTag = "amireplicator:set-default";

    public string? FamilyOf(ImageInfo copy) => ImageFamilies.Of(copy, FamilyTag, FamilyNamePrefixes);

    public static LaunchTemplatePolicy FromDocument(LaunchTemplatesDocument document, RetentionPolicy? retention)
    {
        const string section = "launchTemplates";
        var prefixes = document.FamilyNamePrefixes ?? [];
        if (document.FamilyTag is null && prefixes.Count == 0)
        {
            return retention is { } families
                ? new LaunchTemplatePolicy(families.FamilyTag, families.FamilyNamePrefixes)
                : throw new PolicyException(section,
                    "templates follow an image family: name familyTag or familyNamePrefixes here, or give the policy retention, whose families they then follow");
        }

        ImageFamilies.Validate(section, document.FamilyTag, prefixes);
        return new LaunchTemplatePolicy(document.FamilyTag, prefixes);
    }
}

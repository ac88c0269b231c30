using AmiReplicator.Domain.Images;

namespace AmiReplicator.Domain.Policy;

/// <summary>
/// The one rule of what image family a copy belongs to: the value of a tag, or the longest of some name prefixes its name starts with.
/// Retention ranks and keeps copies by it, and launch templates follow a family's newest build by it.
/// </summary>
public static class ImageFamilies
{
    /// <summary>The copy's family under the rule, or null when it belongs to none.</summary>
    public static string? Of(ImageInfo copy, string? familyTag, IReadOnlyList<string> familyNamePrefixes) => familyTag is { } tag
        ? copy.Tags.TryGetValue(tag, out var value) && value.Length > 0 ? value : null
        : familyNamePrefixes.Where(p => copy.Name.StartsWith(p, StringComparison.Ordinal)).MaxBy(p => p.Length);

    /// <summary>Refuses a rule that names both or neither, a tag no copy can carry, or an empty prefix, naming the field under <paramref name="section"/>.</summary>
    public static void Validate(string section, string? familyTag, IReadOnlyList<string> familyNamePrefixes)
    {
        if ((familyTag is null) == (familyNamePrefixes.Count == 0))
        {
            throw new PolicyException(section, "name exactly one of familyTag (a tag whose value names the family) and familyNamePrefixes");
        }

        if (familyTag is { } tag && (string.IsNullOrWhiteSpace(tag) || tag.StartsWith("aws:", StringComparison.OrdinalIgnoreCase)))
        {
            throw new PolicyException($"{section}.familyTag", $"'{tag}' is not a tag key a copy can carry");
        }

        for (var i = 0; i < familyNamePrefixes.Count; i++)
        {
            if (string.IsNullOrEmpty(familyNamePrefixes[i]))
            {
                throw new PolicyException($"{section}.familyNamePrefixes[{i}]", "must not be empty");
            }
        }
    }
}

using System.Text.RegularExpressions;
using AmiReplicator.Domain.Images;

namespace AmiReplicator.Domain.Policy;

/// <summary>Which AMIs are replicated: every condition given must hold; an empty selection takes all.</summary>
public sealed record Selection(
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyList<string> NamePatterns,
    IReadOnlyList<string> OwnerAccounts)
{
    public const string Self = "self";

    /// <summary>Why the image is not selected, or null when it is.</summary>
    public string? Excludes(ImageInfo image, string ownAccountId)
    {
        var missingTag = Tags.FirstOrDefault(t => !image.Tags.TryGetValue(t.Key, out var value) || value != t.Value);
        if (missingTag.Key is not null)
        {
            return $"tag {missingTag.Key}={missingTag.Value} is not on the image";
        }

        if (NamePatterns.Count > 0 && !NamePatterns.Any(p => Glob(p).IsMatch(image.Name)))
        {
            return $"name '{image.Name}' matches none of the name patterns";
        }

        if (OwnerAccounts.Count > 0 && !OwnerAccounts.Any(o => (o == Self ? ownAccountId : o) == image.OwnerId))
        {
            return $"owner {image.OwnerId} is not among the selected owner accounts";
        }

        return null;
    }

    private static Regex Glob(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
}
